// The os layer's per-loop state, its worker threads, and the operation awaiter.
#include "os/os_state.hpp"
#include "io/sys.hpp"
#include "os/child_reaper.hpp"
#include "os/io_wait.hpp"
#include "os/signal_hub.hpp"

#include <aio/core/event_loop.hpp>

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

namespace aio::detail {

// ---- worker_pool ----

worker_pool::worker_pool(event_loop& loop, unsigned max_threads)
    : m_loop(loop), m_max(max_threads ? max_threads : 1) {}

worker_pool::~worker_pool() {
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_cv.notify_all();
    for (auto& t : m_threads) t.join();
}

void worker_pool::post(io_op& op) {
    // Counted before it is visible to a worker, so the loop cannot end in between.
    m_loop.impl().m_outstanding.fetch_add(1, std::memory_order_acq_rel);
    bool spawn = false;
    {
        std::lock_guard lock(m_mutex);
        m_queue.push_back(&op);
        spawn = m_idle == 0 && m_threads.size() < m_max;
        if (spawn) {
            // Threads inherit the creator's signal mask: block everything while creating.
            sigset_t all, old;
            sigfillset(&all);
            ::pthread_sigmask(SIG_SETMASK, &all, &old);
            try {
                m_threads.emplace_back([this] { run(); });
            } catch (...) {
                spawn = false; // no thread: an existing one (or the first) drains the queue
            }
            ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
        }
    }
    if (!spawn) m_cv.notify_one();
    if (m_threads.empty()) {
        // Could not start any thread: run it here rather than never.
        std::unique_lock lock(m_mutex);
        m_queue.pop_back();
        lock.unlock();
        op.m_result = run_blocking(op);
        m_loop.call_soon_threadsafe([this, o = &op] {
            m_loop.impl().m_outstanding.fetch_sub(1, std::memory_order_acq_rel);
            o->m_complete(o);
        });
    }
}

void worker_pool::run() {
    std::unique_lock lock(m_mutex);
    for (;;) {
        ++m_idle;
        m_cv.wait(lock, [this] { return m_stop || !m_queue.empty(); });
        --m_idle;
        if (m_queue.empty()) return; // stopping
        io_op* op = m_queue.front();
        m_queue.pop_front();
        lock.unlock();
        op->m_result = run_blocking(*op);
        // The op (inside a suspended task's awaiter) stays valid until m_complete runs;
        // m_result written here is read on the loop thread after the queue's mutex
        // hand-over in call_soon_threadsafe (release/acquire).
        event_loop* loop = &m_loop;
        loop->call_soon_threadsafe([loop, op] {
            loop->impl().m_outstanding.fetch_sub(1, std::memory_order_acq_rel);
            op->m_complete(op);
        });
        lock.lock();
    }
}

int run_blocking(io_op& op) noexcept {
    long r = -1;
    switch (op.m_kind) {
    case op_kind::read_at:
        r = sys::pread(op.m_fd, op.m_buf, op.m_len, static_cast<off_t>(op.m_offset));
        break;
    case op_kind::write_at:
        r = sys::pwrite(op.m_fd, op.m_buf, op.m_len, static_cast<off_t>(op.m_offset));
        break;
    case op_kind::read:
        r = sys::read(op.m_fd, op.m_buf, op.m_len);
        break;
    case op_kind::write:
        r = sys::write(op.m_fd, op.m_buf, op.m_len);
        break;
    case op_kind::fsync:
        r = sys::fsync(op.m_fd);
        break;
    case op_kind::openat:
        r = sys::openat(op.m_fd, static_cast<const char*>(op.m_buf), static_cast<int>(op.m_len),
                        static_cast<mode_t>(op.m_offset));
        break;
    default:
        errno = EINVAL;
        break;
    }
    return r < 0 ? -errno : static_cast<int>(r);
}

// ---- os_state ----

os_state::os_state(event_loop& loop)
    : m_loop(loop), m_offload_files(loop.backend_name() == "epoll") {}

os_state::~os_state() {
    // Order: the workers are idle (the loop waited for m_outstanding), then the signal hub
    // and the reaper cancel and drain their own backend operations.
    m_workers.reset();
    m_signals.reset();
    m_reaper.reset();
}

os_state& os_state::of(event_loop& loop) {
    auto& slot = loop.impl().m_os;
    if (!slot) slot = std::make_unique<os_state>(loop);
    return static_cast<os_state&>(*slot);
}

os_state& os_state::get() { return of(get_running_loop()); }

worker_pool& os_state::workers() {
    if (!m_workers) m_workers = std::make_unique<worker_pool>(m_loop);
    return *m_workers;
}

signal_hub& os_state::signals() {
    if (!m_signals) m_signals = std::make_unique<signal_hub>(m_loop);
    return *m_signals;
}

child_reaper& os_state::reaper() {
    if (!m_reaper) m_reaper = std::make_unique<child_reaper>(m_loop);
    return *m_reaper;
}

// ---- op_awaiter ----

namespace {
void op_done(io_op* op) noexcept { static_cast<op_awaiter*>(op)->wake(); }
void op_cancel(parking* p) noexcept {
    // Only a request: the task is woken by the operation's real completion, so the buffer
    // stays valid until then. A worker's blocking call cannot be interrupted; it ends soon.
    auto* a = static_cast<op_awaiter*>(p);
    a->m_cancelled = true;
    if (!a->m_offload) get_running_loop().io().cancel(*a);
}
} // namespace

bool op_awaiter::await_suspend(std::coroutine_handle<> h) {
    if (!begin_park(h, &op_cancel)) return false;
    m_submitted = true;
    m_complete = &op_done;
    if (m_offload) {
        os_state::get().workers().post(*this);
    } else {
        get_running_loop().io().submit(*this);
    }
    return true;
}

bool files_offloaded() { return os_state::get().m_offload_files; }

void throw_os_error(int neg_errno, const std::string& what, const std::string& path) {
    throw io_error(std::error_code(-neg_errno, std::system_category()),
                   "aio: " + what + " '" + path + "'");
}

} // namespace aio::detail
