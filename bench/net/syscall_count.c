// syscall_count.so: an LD_PRELOAD counter of the system calls an echo server makes, for
// bench/run_echo_bench.sh (SYSCALLS=1). It interposes the libc wrappers the servers call
// (read/recv/recvmsg, write/send/sendmsg, the epoll waits, epoll_ctl, and syscall() for
// io_uring_enter, which aiocpp makes itself) and counts each call, and each read or write
// that failed with EAGAIN. SIGUSR2 appends one line of totals to the file named by
// $SYSCALL_COUNT_OUT: the script signals before and after the load and subtracts.
//
// Calls that bypass the libc wrappers are not seen: liburing's own io_uring_enter (the C
// io_uring floor), static binaries, raw syscall instructions.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

enum { READS, READS_EAGAIN, WRITES, WRITES_EAGAIN, WAITS, CTLS, ENTERS, N_COUNTERS };
static const char* const names[N_COUNTERS] = {"reads",  "reads_eagain", "writes", "writes_eagain",
                                              "epoll_waits", "epoll_ctls", "uring_enters"};
static unsigned long counters[N_COUNTERS];

static void count(int which) { __atomic_fetch_add(&counters[which], 1, __ATOMIC_RELAXED); }

static long after_io(long r, int which) {
    count(which);
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        count(which + 1);
    return r;
}

// The next definition of `name` (libc's), looked up once.
#define REAL(type, name)                                                                         \
    static type real_##name;                                                                     \
    if (!real_##name)                                                                            \
        real_##name = (type)dlsym(RTLD_NEXT, #name);

typedef ssize_t (*read_fn)(int, void*, size_t);
typedef ssize_t (*write_fn)(int, const void*, size_t);
typedef ssize_t (*recv_fn)(int, void*, size_t, int);
typedef ssize_t (*send_fn)(int, const void*, size_t, int);
typedef ssize_t (*recvmsg_fn)(int, struct msghdr*, int);
typedef ssize_t (*sendmsg_fn)(int, const struct msghdr*, int);
typedef int (*epoll_wait_fn)(int, struct epoll_event*, int, int);
typedef int (*epoll_pwait_fn)(int, struct epoll_event*, int, int, const sigset_t*);
typedef int (*epoll_pwait2_fn)(int, struct epoll_event*, int, const struct timespec*,
                               const sigset_t*);
typedef int (*epoll_ctl_fn)(int, int, int, struct epoll_event*);
typedef long (*syscall_fn)(long, ...);

ssize_t read(int fd, void* b, size_t n) {
    REAL(read_fn, read);
    return after_io(real_read(fd, b, n), READS);
}
ssize_t recv(int fd, void* b, size_t n, int f) {
    REAL(recv_fn, recv);
    return after_io(real_recv(fd, b, n, f), READS);
}
ssize_t recvmsg(int fd, struct msghdr* m, int f) {
    REAL(recvmsg_fn, recvmsg);
    return after_io(real_recvmsg(fd, m, f), READS);
}
ssize_t write(int fd, const void* b, size_t n) {
    REAL(write_fn, write);
    return after_io(real_write(fd, b, n), WRITES);
}
ssize_t send(int fd, const void* b, size_t n, int f) {
    REAL(send_fn, send);
    return after_io(real_send(fd, b, n, f), WRITES);
}
ssize_t sendmsg(int fd, const struct msghdr* m, int f) {
    REAL(sendmsg_fn, sendmsg);
    return after_io(real_sendmsg(fd, m, f), WRITES);
}
int epoll_wait(int ep, struct epoll_event* ev, int max, int ms) {
    REAL(epoll_wait_fn, epoll_wait);
    count(WAITS);
    return real_epoll_wait(ep, ev, max, ms);
}
int epoll_pwait(int ep, struct epoll_event* ev, int max, int ms, const sigset_t* s) {
    REAL(epoll_pwait_fn, epoll_pwait);
    count(WAITS);
    return real_epoll_pwait(ep, ev, max, ms, s);
}
int epoll_pwait2(int ep, struct epoll_event* ev, int max, const struct timespec* t,
                 const sigset_t* s) {
    REAL(epoll_pwait2_fn, epoll_pwait2);
    count(WAITS);
    return real_epoll_pwait2(ep, ev, max, t, s);
}
int epoll_ctl(int ep, int op, int fd, struct epoll_event* ev) {
    REAL(epoll_ctl_fn, epoll_ctl);
    count(CTLS);
    return real_epoll_ctl(ep, op, fd, ev);
}
long syscall(long nr, ...) {
    REAL(syscall_fn, syscall);
    va_list ap;
    va_start(ap, nr);
    long a[6];
    for (int i = 0; i < 6; ++i)
        a[i] = va_arg(ap, long);
    va_end(ap);
    if (nr == SYS_io_uring_enter)
        count(ENTERS);
    return real_syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}

static void dump(int sig) {
    (void)sig;
    const int saved = errno;
    const char* path = getenv("SYSCALL_COUNT_OUT");
    char line[512];
    int len = 0;
    for (int i = 0; i < N_COUNTERS; ++i) {
        len += snprintf(line + len, sizeof line - len, "%s%s=%lu", i ? " " : "", names[i],
                        __atomic_load_n(&counters[i], __ATOMIC_RELAXED));
    }
    line[len++] = '\n';
    const int fd = path ? open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644) : 2;
    if (fd >= 0) {
        REAL(write_fn, write);
        (void)!real_write(fd, line, (size_t)len);
        if (path)
            close(fd);
    }
    errno = saved;
}

__attribute__((constructor)) static void install(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = dump;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR2, &sa, NULL);
}
