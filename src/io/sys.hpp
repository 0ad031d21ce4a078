// The one place the I/O layer calls the OS. Tests install a fault plan to inject errors
// (EAGAIN, ECONNRESET, EMFILE, ...) or short transfers into a chosen call.
#pragma once

#include <cerrno>
#include <cstddef>

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

namespace aio::detail::sys {

enum class call : unsigned char {
    read,
    write,
    recv,
    send,
    recvmsg,
    sendmsg,
    pread,
    pwrite,
    fsync,
    accept,
    connect,
    openat,
    epoll_pwait2
};

/// A fault plan: the next `times` invocations of `which` fail with `error` (if non-zero)
/// and/or move at most `max_bytes` bytes (short reads/writes). Test-only; loop thread.
struct fault_plan {
    call which = call::read;
    int error = 0;
    int times = 0;
    std::size_t max_bytes = 0;
};

inline fault_plan* g_fault = nullptr;

/// Applies the plan to a call; returns true when the call must fail with errno set.
inline bool inject(call c, std::size_t* len) noexcept {
    fault_plan* f = g_fault;
    if (!f || f->which != c || f->times <= 0)
        return false;
    --f->times;
    if (len && f->max_bytes && *len > f->max_bytes)
        *len = f->max_bytes;
    if (f->error) {
        errno = f->error;
        return true;
    }
    return false;
}

#define AIO_SYS_CALL(kind, len, expr)                                                              \
    do {                                                                                           \
        if (g_fault && inject(call::kind, len)) [[unlikely]]                                       \
            return -1;                                                                             \
        return expr;                                                                               \
    } while (0)

inline long read(int fd, void* b, std::size_t n) {
    AIO_SYS_CALL(read, &n, ::read(fd, b, n));
}
inline long write(int fd, const void* b, std::size_t n) {
    AIO_SYS_CALL(write, &n, ::write(fd, b, n));
}
inline long recv(int fd, void* b, std::size_t n, int fl) {
    AIO_SYS_CALL(recv, &n, ::recv(fd, b, n, fl));
}
inline long send(int fd, const void* b, std::size_t n, int fl) {
    AIO_SYS_CALL(send, &n, ::send(fd, b, n, fl));
}
inline long recvmsg(int fd, msghdr* m, int fl) {
    AIO_SYS_CALL(recvmsg, nullptr, ::recvmsg(fd, m, fl));
}
inline long sendmsg(int fd, const msghdr* m, int fl) {
    AIO_SYS_CALL(sendmsg, nullptr, ::sendmsg(fd, m, fl));
}
inline long pread(int fd, void* b, std::size_t n, off_t off) {
    AIO_SYS_CALL(pread, &n, ::pread(fd, b, n, off));
}
inline long pwrite(int fd, const void* b, std::size_t n, off_t off) {
    AIO_SYS_CALL(pwrite, &n, ::pwrite(fd, b, n, off));
}
inline long fsync(int fd) {
    AIO_SYS_CALL(fsync, nullptr, ::fsync(fd));
}
inline long openat(int dir, const char* path, int flags, mode_t mode) {
    AIO_SYS_CALL(openat, nullptr, ::openat(dir, path, flags | O_CLOEXEC, mode));
}
inline long accept4(int fd, sockaddr* a, socklen_t* l, int fl) {
    AIO_SYS_CALL(accept, nullptr, ::accept4(fd, a, l, fl));
}
inline long connect(int fd, const sockaddr* a, socklen_t l) {
    AIO_SYS_CALL(connect, nullptr, ::connect(fd, a, l));
}
inline int epoll_pwait2(int ep, epoll_event* ev, int max, const timespec* ts) {
    AIO_SYS_CALL(epoll_pwait2, nullptr, ::epoll_pwait2(ep, ev, max, ts, nullptr));
}

#undef AIO_SYS_CALL

} // namespace aio::detail::sys
