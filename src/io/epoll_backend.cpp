// Edge-triggered epoll backend.
//
// Readiness model: an operation is first tried right away (most reads and writes on a
// busy socket succeed without waiting). On EAGAIN it joins its fd's reader or writer FIFO;
// the fd is registered once with EPOLLIN|EPOLLPRI|EPOLLOUT|EPOLLRDHUP|EPOLLET, and on each edge the
// FIFO is retried until EAGAIN. Completed operations go to a done list delivered at the
// end of the next poll(), never inline from submit().
#include "io/backend.hpp"
#include "io/perform.hpp"
#include "io/sys.hpp"

#include <aio/detail/intrusive_list.hpp>

#include <cerrno>
#include <climits>
#include <ctime>
#include <vector>

#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

namespace aio::detail {
namespace {

using op_list = intrusive_list<io_op, &io_op::m_backend_next, &io_op::m_backend_prev>;

struct fd_state {
    op_list readers;
    op_list writers;
    bool registered = false;
    // Readiness learnt from the kernel: set when an attempt would block, cleared by an
    // epoll event for that direction. While set, a new op is queued without an attempt
    // that would only fail again (as tokio's readiness tracking does).
    bool read_blocked = false;
    bool write_blocked = false;
    // An event reported the peer's FIN, a hang-up, an error or TCP urgent data (a recv
    // stops short at the urgent mark with more queued behind it). Sticky until the fd is
    // forgotten: such a state raises no later edge, so a short read no longer means "drained".
    bool short_read_unsure = false;
};

/// True when a failed attempt of `op` means "not ready" (EAGAIN), not an error or EINTR.
bool would_block(const io_op& op) noexcept {
    switch (op.m_kind) {
    case op_kind::read:
    case op_kind::write:
    case op_kind::recv:
    case op_kind::send:
    case op_kind::recvmsg:
    case op_kind::sendmsg:
    case op_kind::accept:
    case op_kind::accept_multi:
        return errno == EAGAIN || errno == EWOULDBLOCK;
    default:
        return false;
    }
}

bool is_reader(const io_op& op) noexcept {
    switch (op.m_kind) {
    case op_kind::read:
    case op_kind::recv:
    case op_kind::recvmsg:
    case op_kind::accept:
    case op_kind::accept_multi:
        return true;
    case op_kind::poll:
        return (op.m_len & POLLIN) != 0;
    default:
        return false;
    }
}

/// Tries the operation once. Returns false if it would block.
bool attempt(io_op& op) noexcept {
    int r = 0;
    switch (op.m_kind) {
    case op_kind::connect: {
        // First attempt starts the connect; later ones (on writability) read SO_ERROR.
        if (op.m_offset == 0) {
            op.m_offset = 1;
            r = perform_call(op);
            if (r == -EINPROGRESS)
                return false;
        } else {
            int err = 0;
            socklen_t len = sizeof err;
            if (::getsockopt(op.m_fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
                err = errno;
            if (err == 0) {
                // Writability without an error can be spurious before the handshake ends.
                pollfd p{op.m_fd, POLLOUT, 0};
                if (::poll(&p, 1, 0) == 0)
                    return false;
            }
            op.m_result = -err;
            return true;
        }
        break;
    }
    case op_kind::poll: {
        pollfd p{op.m_fd, static_cast<short>(op.m_len), 0};
        const int n = ::poll(&p, 1, 0);
        if (n == 0)
            return false;
        r = n > 0 ? p.revents : -errno;
        break;
    }
    default:
        r = perform_call(op);
        break;
    }
    if (r == -EAGAIN || r == -EWOULDBLOCK)
        return false;
    if (r == -EINTR)
        return false; // retried on the next edge or attempt
    op.m_result = r;
    return true;
}

class epoll_backend final : public backend {
  public:
    epoll_backend() {
        m_can_try_now = true;
        m_ep = ::epoll_create1(EPOLL_CLOEXEC);
        m_wake = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u64 = wake_tag;
        ::epoll_ctl(m_ep, EPOLL_CTL_ADD, m_wake, &ev);
    }
    ~epoll_backend() override {
        ::close(m_wake);
        ::close(m_ep);
    }
    bool ok() const noexcept { return m_ep >= 0 && m_wake >= 0; }

    std::string_view name() const noexcept override { return "epoll"; }

    void submit(io_op& op) noexcept override {
        ++m_inflight;
        op.m_queued = false;
        if (op.m_kind == op_kind::connect)
            op.m_offset = 0;
        if (op.m_kind == op_kind::openat) {
            // m_fd is a directory fd or AT_FDCWD (negative): no per-fd state, never waits.
            if (!attempt(op))
                op.m_result = -errno; // EINTR/EAGAIN: reported, not retried
            finish(op);
            return;
        }
        if (op.m_fd < 0) [[unlikely]] {
            // A closed fd (e.g. a pipe after write_eof()): EBADF, as the kernel would say;
            // it has no per-fd state to index.
            op.m_result = -EBADF;
            finish(op);
            return;
        }
        fd_state& st = state(op.m_fd);
        const bool reader = is_reader(op);
        op_list& fifo = reader ? st.readers : st.writers;
        bool& blocked = reader ? st.read_blocked : st.write_blocked;
        const bool file_op = op.m_kind == op_kind::read_at || op.m_kind == op_kind::write_at ||
                             op.m_kind == op_kind::fsync;
        if (file_op || (fifo.empty() && !blocked)) {
            if (attempt_tracked(op, st, blocked)) {
                finish(op);
                return;
            }
        }
        if (!st.registered)
            register_fd(op.m_fd, st);
        fifo.push_back(&op);
        op.m_queued = true;
    }

    bool try_now(io_op& op) noexcept override {
        switch (op.m_kind) {
        case op_kind::read:
        case op_kind::write:
        case op_kind::recv:
        case op_kind::send:
            break;
        default:
            return false;
        }
        if (op.m_fd < 0) [[unlikely]] {
            op.m_result = -EBADF; // a closed fd (see submit)
            return true;
        }
        fd_state& st = state(op.m_fd);
        const bool reader = is_reader(op);
        bool& blocked = reader ? st.read_blocked : st.write_blocked;
        if (blocked || !(reader ? st.readers : st.writers).empty())
            return false; // not ready, or queued ops of this direction go first
        // If it would block, the next submit() queues at once; registering reports readiness.
        return attempt_tracked(op, st, blocked);
    }

    void cancel(io_op& op) noexcept override {
        if (!op.m_queued)
            return; // already in the done list, or not submitted
        fd_state& st = state(op.m_fd);
        (is_reader(op) ? st.readers : st.writers).remove(&op);
        op.m_queued = false;
        op.m_result = -ECANCELED;
        finish(op);
    }

    void forget_fd(int fd) noexcept override {
        if (fd < 0 || static_cast<std::size_t>(fd) >= m_fds.size())
            return;
        fd_state& st = m_fds[fd];
        for (op_list* l : {&st.readers, &st.writers}) {
            while (io_op* op = l->front()) {
                l->remove(op);
                op->m_queued = false;
                op->m_result = -ECANCELED;
                finish(*op);
            }
        }
        if (st.registered)
            ::epoll_ctl(m_ep, EPOLL_CTL_DEL, fd, nullptr);
        st.registered = false;
        // The number may name a new file next.
        st.read_blocked = st.write_blocked = st.short_read_unsure = false;
    }

    void poll(std::int64_t timeout_ns) override {
        if (!m_done.empty())
            timeout_ns = 0;
        epoll_event events[256];
        const int n = wait_events(events, 256, timeout_ns);
        for (int i = 0; i < n; ++i) {
            if (events[i].data.u64 == wake_tag) {
                eventfd_t v;
                (void)::eventfd_read(m_wake, &v);
                continue;
            }
            const int fd = events[i].data.fd;
            fd_state& st = m_fds[fd];
            const auto e = events[i].events;
            if (e & (EPOLLIN | EPOLLPRI | EPOLLRDHUP | EPOLLERR | EPOLLHUP)) {
                st.short_read_unsure = st.short_read_unsure ||
                                       (e & (EPOLLPRI | EPOLLRDHUP | EPOLLERR | EPOLLHUP)) != 0;
                st.read_blocked = false;
                retry(st, st.readers, st.read_blocked);
            }
            if (e & (EPOLLOUT | EPOLLERR | EPOLLHUP)) {
                st.write_blocked = false;
                retry(st, st.writers, st.write_blocked);
            }
        }
        deliver();
    }

    void wake() noexcept override { (void)::eventfd_write(m_wake, 1); }
    std::size_t inflight() const noexcept override { return m_inflight; }

  private:
    static constexpr std::uint64_t wake_tag = ~std::uint64_t{0};

    /// epoll_pwait2 (Linux 5.11) waits with nanosecond precision; on older kernels, and under
    /// tools that do not know the call (valgrind 3.19), it fails with ENOSYS once and every
    /// later wait uses epoll_wait, rounding the timeout up to whole milliseconds so a timer
    /// never fires early.
    int wait_events(epoll_event* events, int max, std::int64_t timeout_ns) {
        if (m_have_pwait2) {
            timespec ts{static_cast<time_t>(timeout_ns / 1000000000),
                        static_cast<long>(timeout_ns % 1000000000)};
            const int n = sys::epoll_pwait2(m_ep, events, max, timeout_ns < 0 ? nullptr : &ts);
            if (n >= 0 || errno != ENOSYS)
                return n;
            m_have_pwait2 = false;
        }
        int ms = -1;
        if (timeout_ns >= 0) {
            const std::int64_t rounded = (timeout_ns + 999999) / 1000000;
            ms = rounded > INT_MAX ? INT_MAX : static_cast<int>(rounded);
        }
        return ::epoll_wait(m_ep, events, max, ms);
    }

    bool m_have_pwait2 = true;

    fd_state& state(int fd) {
        if (static_cast<std::size_t>(fd) >= m_fds.size())
            m_fds.resize(fd + 64);
        return m_fds[fd];
    }
    void register_fd(int fd, fd_state& st) noexcept {
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLPRI | EPOLLOUT | EPOLLRDHUP | EPOLLET;
        ev.data.fd = fd;
        if (::epoll_ctl(m_ep, EPOLL_CTL_ADD, fd, &ev) == 0 || errno == EEXIST) {
            st.registered = true;
            return;
        }
        // Regular files cannot be polled (EPERM): they are always ready.
        st.registered = false;
    }
    void retry(fd_state& st, op_list& fifo, bool& blocked) noexcept {
        while (io_op* op = fifo.front()) {
            if (!attempt_tracked(*op, st, blocked))
                break;
            fifo.remove(op);
            op->m_queued = false;
            finish(*op);
        }
    }
    /// attempt(), marking the direction blocked (the fd's read_blocked or write_blocked)
    /// when the op would block, or when a read marked m_drains (a TCP socket's) returned
    /// less than it asked for: the socket's queue was drained, and any byte that arrives
    /// later raises a new edge, so the next read waits for it instead of making a call that
    /// fails with EAGAIN (tokio reads a short read the same way). Not once the peer's FIN, a
    /// hang-up, an error or urgent data was reported (short_read_unsure): a FIN queued behind the
    /// data raises no later edge, and the EOF must still be read; a recv stops at the urgent
    /// mark with the rest already queued; nor under a test's fault plan that shortens
    /// transfers (the rest is still queued).
    static bool attempt_tracked(io_op& op, fd_state& st, bool& blocked) noexcept {
        if (attempt(op)) {
            if (op.m_drains && op.m_result > 0 &&
                static_cast<std::size_t>(op.m_result) < op.m_len && !st.short_read_unsure &&
                !(sys::g_fault && sys::g_fault->max_bytes))
                blocked = true;
            return true;
        }
        if (would_block(op))
            blocked = true;
        return false;
    }
    void finish(io_op& op) noexcept { m_done.push_back(&op); }
    void deliver() noexcept {
        // Completions may submit new operations that finish at once: loop until empty,
        // swapping so that the list being iterated is not appended to.
        while (!m_done.empty()) {
            m_delivering.swap(m_done);
            for (io_op* op : m_delivering) {
                --m_inflight;
                op->m_complete(op);
            }
            m_delivering.clear();
        }
    }

    int m_ep = -1;
    int m_wake = -1;
    std::vector<fd_state> m_fds;
    std::vector<io_op*> m_done;
    std::vector<io_op*> m_delivering;
    std::size_t m_inflight = 0;
};

} // namespace

std::unique_ptr<backend> make_epoll_backend() {
    auto b = std::make_unique<epoll_backend>();
    if (!b->ok())
        return nullptr;
    return b;
}

} // namespace aio::detail
