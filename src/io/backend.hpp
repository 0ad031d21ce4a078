// Private interface of the I/O backends (io_uring, epoll). Never included by public headers.
//
// An io_op describes one operation (read, write, accept, ...) and lives inside the awaiter
// that waits for it, so starting an operation allocates nothing. The backend owns the
// operation from submit() until it calls m_complete exactly once (accept_multi: once per
// accepted fd, the last time with m_more false), on the loop thread, never inline from
// submit(). cancel() asks for early completion (result -ECANCELED, or
// the real result if the kernel finished first); the awaiter must still wait for
// m_complete before its frame may go away. That is the invariant that keeps completions
// from touching destroyed frames.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include <sys/socket.h>

namespace aio::detail {

enum class op_kind : std::uint8_t {
    read,         // read(fd, buf, len) at the current position (sockets, pipes)
    write,        // write(fd, buf, len)
    read_at,      // pread(fd, buf, len, offset) (files)
    write_at,     // pwrite(fd, buf, len, offset) (files)
    recv,         // recv(fd, buf, len, 0) (sockets)
    send,         // send(fd, buf, len, MSG_NOSIGNAL) (sockets: never SIGPIPE)
    recvmsg,      // recvmsg(fd, (msghdr*)buf, 0) (datagrams with the peer address)
    sendmsg,      // sendmsg(fd, (msghdr*)buf, MSG_NOSIGNAL)
    accept,       // accept4(fd, addr, &addrlen, SOCK_CLOEXEC | SOCK_NONBLOCK)
    accept_multi, // accept (no address) that stays armed where the backend can (io_uring
                  // multishot accept): each accepted fd completes it with m_more set; it
                  // ends with a completion without m_more (an error, a cancel, or at once
                  // on backends that accept one at a time)
    connect,      // connect(fd, addr, addrlen)
    poll,         // wait for poll events (m_len holds the mask); result is the revents
    fsync,        // fsync(fd)
    openat,       // openat(m_fd or AT_FDCWD, (const char*)m_buf, m_len flags | O_CLOEXEC, m_offset
                  // mode); result is the new fd (files: never waits for readiness)
};

struct io_op {
    op_kind m_kind = op_kind::read;
    int m_fd = -1;
    void* m_buf = nullptr;
    std::size_t m_len = 0;
    std::uint64_t m_offset = 0;
    sockaddr* m_addr = nullptr;
    socklen_t m_addrlen = 0;
    int m_result = 0;    // >= 0 on success, -errno on failure
    bool m_more = false; // set by the backend per completion: the op stays armed (see accept_multi)
    void (*m_complete)(io_op*) noexcept = nullptr;
    // Backend-private bookkeeping.
    io_op* m_backend_next = nullptr;
    io_op* m_backend_prev = nullptr;
    bool m_queued = false;
    // Set by the caller: a read that returns less than m_len leaves nothing behind to read
    // (a TCP socket's recv), so the epoll backend waits for the next edge before trying the
    // fd's next read instead of making a call that fails with EAGAIN.
    bool m_drains = false;
};

/// How a backend's blocking waits went (run_options::io_batch_window; io_uring only).
struct wait_stats {
    std::uint64_t waits = 0; ///< blocking waits
    std::uint64_t held = 0;  ///< of which held open to collect more completions
};

class backend {
  public:
    virtual ~backend() = default;
    virtual std::string_view name() const noexcept = 0;
    /// Starts `op`; its completion arrives later through m_complete.
    virtual void submit(io_op& op) noexcept = 0;
    /// Performs a read, write, recv or send at once when the backend works that way and the
    /// kernel needs no waiting (epoll: one non-blocking attempt; io_uring: never, its
    /// operations are batched per loop turn: see can_try_now). Returns true with m_result
    /// set (>= 0 or -errno); false: nothing happened, submit() it. The caller must have no
    /// other op of the same direction in flight on the fd (ordering).
    virtual bool try_now(io_op& op) noexcept {
        (void)op;
        return false;
    }
    /// False when try_now never succeeds (callers skip preparing an attempt).
    bool can_try_now() const noexcept { return m_can_try_now; }
    /// True when an accept_multi op stays armed across connections (io_uring).
    bool multishot_accept() const noexcept { return m_multishot_accept; }
    /// The kernel refused a multishot accept (EINVAL before Linux 5.19): later servers on
    /// this loop accept one by one without trying.
    void disable_multishot_accept() noexcept { m_multishot_accept = false; }
    /// Requests early completion of a submitted op.
    virtual void cancel(io_op& op) noexcept = 0;
    /// Forgets any per-fd state before the fd is closed (epoll registration).
    virtual void forget_fd(int fd) noexcept = 0;
    /// Waits up to timeout_ns (0: do not block, -1: forever) for completions or a wake(),
    /// and delivers the completions that arrived.
    virtual void poll(std::int64_t timeout_ns) = 0;
    /// Interrupts a blocking poll(); callable from any thread.
    virtual void wake() noexcept = 0;
    /// Number of operations submitted and not yet completed.
    virtual std::size_t inflight() const noexcept = 0;
    /// Counts of blocking waits, when the backend batches them (zero otherwise).
    virtual wait_stats batching_stats() const noexcept { return {}; }

  protected:
    bool m_can_try_now = false;
    bool m_multishot_accept = false;
};

/// Creates the backend named by `which` ("io_uring", "epoll" or "" for $AIO_BACKEND, else
/// io_uring if the kernel allows it, else epoll). `note` receives a line when falling back.
/// `batch_window_us` > 0: the io_uring backend holds busy waits open that long to collect
/// more completions (wait_moderator.hpp; run_options::io_batch_window).
std::unique_ptr<backend>
make_backend(std::string_view which, std::string* note, unsigned batch_window_us = 0);
std::unique_ptr<backend> make_epoll_backend();
// null + *error on failure
std::unique_ptr<backend> make_uring_backend(int* error, unsigned batch_window_us = 0);

} // namespace aio::detail
