// io_uring backend (liburing).
//
// Every operation is one SQE whose user_data is the io_op; SQEs are only flushed by the one
// io_uring_enter the loop makes per turn (the backend's own enter(): registered ring fd,
// EXT_ARG timeout; liburing only sets the ring up), so a turn that starts a thousand reads
// makes one syscall (docs/design/io.md). Cancellation is an
// IORING_OP_ASYNC_CANCEL keyed by the op address; the op itself still completes (with
// -ECANCELED or its real result) and only then is handed back. The cross-thread wake is a
// read pending on an eventfd, re-armed each time it completes.
#include "io/backend.hpp"
#include "io/sys.hpp"
#include "io/wait_moderator.hpp"

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <string>
#include <system_error>
#include <vector>

#include <fcntl.h>
#include <liburing.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace aio::detail {
namespace {

constexpr std::uint64_t wake_tag = 1;
constexpr std::uint64_t cancel_tag = 2;

#ifndef IORING_FEAT_MIN_TIMEOUT
#define IORING_FEAT_MIN_TIMEOUT (1U << 15) // Linux 6.12; Debian 12's headers predate it
#endif

/// io_uring_getevents_arg as Linux 6.12 defines it: older headers (Debian 12's) call
/// min_wait_usec `pad`, newer ones renamed it, so the backend uses its own copy.
struct getevents_arg {
    std::uint64_t sigmask;
    std::uint32_t sigmask_sz;
    std::uint32_t min_wait_usec;
    std::uint64_t ts;
};
static_assert(sizeof(getevents_arg) == sizeof(io_uring_getevents_arg) &&
              offsetof(getevents_arg, ts) == offsetof(io_uring_getevents_arg, ts));

sys::call call_of(op_kind k) noexcept {
    switch (k) {
    case op_kind::read:
        return sys::call::read;
    case op_kind::write:
        return sys::call::write;
    case op_kind::read_at:
        return sys::call::pread;
    case op_kind::write_at:
        return sys::call::pwrite;
    case op_kind::recv:
        return sys::call::recv;
    case op_kind::send:
        return sys::call::send;
    case op_kind::recvmsg:
        return sys::call::recvmsg;
    case op_kind::sendmsg:
        return sys::call::sendmsg;
    case op_kind::accept:
    case op_kind::accept_multi:
        return sys::call::accept;
    case op_kind::connect:
        return sys::call::connect;
    case op_kind::fsync:
        return sys::call::fsync;
    case op_kind::openat:
        return sys::call::openat;
    case op_kind::poll:
        break;
    }
    return sys::call::read;
}

class uring_backend final : public backend {
  public:
    int init(unsigned batch_window_us) {
        io_uring_params p{};
        p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
        int r = io_uring_queue_init_params(entries, &m_ring, &p);
        if (r < 0) {
            p = {};
            p.flags = IORING_SETUP_COOP_TASKRUN;
            r = io_uring_queue_init_params(entries, &m_ring, &p);
        }
        if (r < 0) {
            p = {};
            r = io_uring_queue_init_params(entries, &m_ring, &p);
        }
        if (r < 0)
            return r;
        m_init = true;
        m_multishot_accept = true; // Linux 5.19+; older kernels fail it with EINVAL (server.cpp)
        m_ext_arg = (p.features & IORING_FEAT_EXT_ARG) != 0;
        if (batch_window_us > 0 && (p.features & IORING_FEAT_MIN_TIMEOUT) != 0) {
            m_moderate = true;
            m_moderator = wait_moderator(batch_window_us);
        }
        // A registered ring fd spares the kernel a file lookup per io_uring_enter.
        m_enter_fd = m_ring.ring_fd;
        if (io_uring_register_ring_fd(&m_ring) == 1) {
            m_enter_fd = m_ring.enter_ring_fd;
            m_enter_flags = IORING_ENTER_REGISTERED_RING;
        }
        m_wake = ::eventfd(0, EFD_CLOEXEC);
        if (m_wake < 0)
            return -errno;
        arm_wake();
        return 0;
    }
    ~uring_backend() override {
        if (m_wake >= 0)
            ::close(m_wake);
        if (m_enter_flags & IORING_ENTER_REGISTERED_RING)
            io_uring_unregister_ring_fd(&m_ring); // the thread has only a few such slots
        if (m_init)
            io_uring_queue_exit(&m_ring);
    }

    std::string_view name() const noexcept override { return "io_uring"; }

    void submit(io_op& op) noexcept override {
        ++m_inflight;
        // liburing's io_uring_get_sqe, without its tests for ring set-ups this backend never
        // uses (SQPOLL, 128-byte SQEs): the loop thread is the only submitter, and the
        // kernel advances the head when io_uring_enter consumes entries.
        io_uring_sq& sq = m_ring.sq;
        const unsigned tail = sq.sqe_tail;
        if (sys::g_fault || tail - *sq.khead >= sq.ring_entries) [[unlikely]]
            return submit_slow(op);
        sq.sqe_tail = tail + 1;
        io_uring_sqe* sqe = &sq.sqes[tail & sq.ring_mask];
#ifdef IO_URING_VERSION_MAJOR
        // liburing >= 2.4 clears an SQE's other fields in io_uring_get_sqe, not in the
        // prep helpers (2.3, Debian 12, clears them in the helpers).
        std::memset(sqe, 0, sizeof *sqe);
#endif
        // The stream's hot pair first, without the general switch.
        if (op.m_kind == op_kind::recv) [[likely]] {
            io_uring_prep_recv(sqe, op.m_fd, op.m_buf, op.m_len, 0);
        } else if (op.m_kind == op_kind::send) {
            io_uring_prep_send(sqe, op.m_fd, op.m_buf, op.m_len, MSG_NOSIGNAL);
        } else {
            prep(sqe, op);
        }
        io_uring_sqe_set_data64(sqe, reinterpret_cast<std::uint64_t>(&op));
    }

    /// submit() when a test's fault plan is active or the submission queue is full (kept
    /// out of the hot path).
    [[gnu::noinline]] void submit_slow(io_op& op) noexcept {
        if (sys::g_fault && inject_fault(op))
            return;
        io_uring_sqe* sqe = get_sqe();
        prep(sqe, op);
        io_uring_sqe_set_data64(sqe, reinterpret_cast<std::uint64_t>(&op));
    }

    /// Test-only fault plans (src/io/sys.hpp): a planned failure completes the op with the
    /// error at the next poll; a planned short transfer shortens it. Returns true when the
    /// op was completed that way.
    bool inject_fault(io_op& op) noexcept {
        if (op.m_kind == op_kind::poll)
            return false;
        std::size_t len = op.m_len;
        if (sys::inject(call_of(op.m_kind), &len)) {
            op.m_result = -errno;
            m_synthetic.push_back(&op);
            return true;
        }
        op.m_len = len;
        return false;
    }

    [[gnu::noinline]] static void prep(io_uring_sqe* sqe, io_op& op) noexcept {
        switch (op.m_kind) {
        case op_kind::read:
            io_uring_prep_read(sqe, op.m_fd, op.m_buf, static_cast<unsigned>(op.m_len), -1);
            break;
        case op_kind::write:
            io_uring_prep_write(sqe, op.m_fd, op.m_buf, static_cast<unsigned>(op.m_len), -1);
            break;
        case op_kind::read_at:
            io_uring_prep_read(sqe, op.m_fd, op.m_buf, static_cast<unsigned>(op.m_len),
                               op.m_offset);
            break;
        case op_kind::write_at:
            io_uring_prep_write(sqe, op.m_fd, op.m_buf, static_cast<unsigned>(op.m_len),
                                op.m_offset);
            break;
        case op_kind::recv:
            io_uring_prep_recv(sqe, op.m_fd, op.m_buf, op.m_len, 0);
            break;
        case op_kind::send:
            io_uring_prep_send(sqe, op.m_fd, op.m_buf, op.m_len, MSG_NOSIGNAL);
            break;
        case op_kind::recvmsg:
            io_uring_prep_recvmsg(sqe, op.m_fd, static_cast<msghdr*>(op.m_buf), 0);
            break;
        case op_kind::sendmsg:
            io_uring_prep_sendmsg(sqe, op.m_fd, static_cast<msghdr*>(op.m_buf), MSG_NOSIGNAL);
            break;
        case op_kind::accept:
            io_uring_prep_accept(sqe, op.m_fd, op.m_addr, op.m_addr ? &op.m_addrlen : nullptr,
                                 SOCK_CLOEXEC | SOCK_NONBLOCK);
            break;
        case op_kind::accept_multi:
            io_uring_prep_multishot_accept(sqe, op.m_fd, nullptr, nullptr,
                                           SOCK_CLOEXEC | SOCK_NONBLOCK);
            break;
        case op_kind::connect:
            io_uring_prep_connect(sqe, op.m_fd, op.m_addr, op.m_addrlen);
            break;
        case op_kind::poll:
            io_uring_prep_poll_add(sqe, op.m_fd, static_cast<unsigned>(op.m_len));
            break;
        case op_kind::fsync:
            io_uring_prep_fsync(sqe, op.m_fd, 0);
            break;
        case op_kind::openat:
            io_uring_prep_openat(sqe, op.m_fd, static_cast<const char*>(op.m_buf),
                                 static_cast<int>(op.m_len) | O_CLOEXEC,
                                 static_cast<mode_t>(op.m_offset));
            break;
        }
    }

    void cancel(io_op& op) noexcept override {
        io_uring_sqe* sqe = get_sqe();
        io_uring_prep_cancel64(sqe, reinterpret_cast<std::uint64_t>(&op), 0);
        io_uring_sqe_set_data64(sqe, cancel_tag);
    }

    void forget_fd(int) noexcept override {}

    void poll(std::int64_t timeout_ns) override {
        if (!m_synthetic.empty())
            timeout_ns = 0;
        if (timeout_ns == 0 || m_ext_arg) {
            enter(timeout_ns);
        } else {
            // Kernels without IORING_FEAT_EXT_ARG (< 5.11): liburing adds a timeout SQE.
            io_uring_cqe* cqe = nullptr;
            __kernel_timespec ts{};
            if (timeout_ns > 0) {
                ts.tv_sec = timeout_ns / 1000000000;
                ts.tv_nsec = timeout_ns % 1000000000;
            }
            io_uring_submit_and_wait_timeout(&m_ring, &cqe, 1, timeout_ns > 0 ? &ts : nullptr,
                                             nullptr);
        }
        const unsigned reaped = reap();
        m_moderator.observe(reaped);
        while (!m_synthetic.empty()) {
            m_delivering.swap(m_synthetic);
            for (io_op* op : m_delivering)
                complete(op, op->m_result, false);
            m_delivering.clear();
        }
    }

    void wake() noexcept override {
        (void)::eventfd_write(m_wake, 1);
    }
    std::size_t inflight() const noexcept override {
        return m_inflight;
    }
    wait_stats batching_stats() const noexcept override {
        return m_moderator.stats();
    }

  private:
    static constexpr unsigned entries = 4096;

    /// One io_uring_enter: submits the queued SQEs and gets completions, waiting for one
    /// for up to timeout_ns (0: no wait, -1: forever). What liburing's
    /// submit_and_wait_timeout does, minus its general-purpose checks (this loop always
    /// wants completions: with DEFER_TASKRUN they are only posted inside GETEVENTS).
    void enter(std::int64_t timeout_ns) noexcept {
        io_uring_sq& sq = m_ring.sq;
        const unsigned tail = sq.sqe_tail;
        if (sq.sqe_head != tail) {
            sq.sqe_head = tail;
            __atomic_store_n(sq.ktail, tail, __ATOMIC_RELEASE); // the SQEs are written
        }
        const unsigned to_submit = tail - *sq.khead;
        unsigned flags = IORING_ENTER_GETEVENTS | m_enter_flags;
        unsigned wait_nr = 0;
        __kernel_timespec ts{};
        getevents_arg arg{};
        const void* argp = nullptr;
        std::size_t argsz = 0;
        if (timeout_ns != 0) {
            wait_nr = 1;
            flags |= IORING_ENTER_EXT_ARG;
            if (m_moderate) {
                const wait_moderator::plan plan = m_moderator.next(timeout_ns);
                wait_nr = plan.wait_nr;
                arg.min_wait_usec = plan.min_wait_us;
            }
            if (timeout_ns > 0) {
                ts.tv_sec = timeout_ns / 1000000000;
                ts.tv_nsec = timeout_ns % 1000000000;
                arg.ts = reinterpret_cast<std::uint64_t>(&ts);
            }
            argp = &arg;
            argsz = sizeof arg;
        }
        // Errors need no handling here: EINTR and ETIME end the wait, EBUSY/EAGAIN (the
        // completion queue is backed up) resolve as reap() consumes it, and SQEs the kernel
        // did not take stay queued for the next call.
        (void)::syscall(__NR_io_uring_enter, m_enter_fd, to_submit, wait_nr, flags, argp, argsz);
    }

    io_uring_sqe* get_sqe() noexcept {
        io_uring_sqe* sqe = io_uring_get_sqe(&m_ring);
        while (!sqe) {
            // Submission queue full: flush it (completions stay queued for reap()).
            io_uring_submit(&m_ring);
            sqe = io_uring_get_sqe(&m_ring);
        }
        return sqe;
    }
    void arm_wake() noexcept {
        io_uring_sqe* sqe = get_sqe();
        io_uring_prep_read(sqe, m_wake, &m_wake_buf, sizeof m_wake_buf, 0);
        io_uring_sqe_set_data64(sqe, wake_tag);
    }
    /// Completes what the completion queue holds; returns how many entries it had.
    unsigned reap() noexcept {
        io_uring_cq& cq = m_ring.cq;
        unsigned head = *cq.khead;
        // The tail is read once (acquire: the entries up to it are written); entries that
        // arrive meanwhile are reaped at the next turn.
        const unsigned tail = __atomic_load_n(cq.ktail, __ATOMIC_ACQUIRE);
        if (head == tail)
            return 0;
        const unsigned count = tail - head;
        bool rearm = false;
        for (; head != tail; ++head) {
            const io_uring_cqe& cqe = cq.cqes[head & cq.ring_mask];
            const std::uint64_t tag = cqe.user_data;
            // (LIBURING_UDATA_TIMEOUT: liburing's own timeout entry on kernels without
            // EXT_ARG, see poll().)
            if (tag > cancel_tag && tag != LIBURING_UDATA_TIMEOUT) [[likely]] {
                complete(reinterpret_cast<io_op*>(tag), cqe.res,
                         (cqe.flags & IORING_CQE_F_MORE) != 0);
            } else if (tag == wake_tag) {
                rearm = true;
            }
        }
        __atomic_store_n(cq.khead, tail, __ATOMIC_RELEASE); // the kernel may reuse them
        if (rearm)
            arm_wake();
        return count;
    }
    void complete(io_op* op, int res, bool more) noexcept {
        m_inflight -= !more; // a multishot op stays in flight until its last completion
        op->m_result = res;
        op->m_more = more;
        op->m_complete(op);
    }

    io_uring m_ring{};
    bool m_init = false;
    bool m_ext_arg = false;
    bool m_moderate = false; ///< busy waits are held open (wait_moderator.hpp)
    wait_moderator m_moderator;
    int m_enter_fd = -1;
    unsigned m_enter_flags = 0;
    int m_wake = -1;
    eventfd_t m_wake_buf = 0;
    std::size_t m_inflight = 0;
    std::vector<io_op*> m_synthetic;
    std::vector<io_op*> m_delivering;
};

} // namespace

std::unique_ptr<backend> make_uring_backend(int* error, unsigned batch_window_us) {
    auto b = std::make_unique<uring_backend>();
    int r = b->init(batch_window_us);
    if (r < 0) {
        if (error)
            *error = -r;
        return nullptr;
    }
    return b;
}

} // namespace aio::detail
