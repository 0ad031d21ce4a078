// The os layer's per-loop state, its worker threads, and the operation awaiter.
#include "os/os_state.hpp"

#include "io/perform.hpp"
#include "os/child_reaper.hpp"
#include "os/io_wait.hpp"
#include "os/signal_hub.hpp"

#include <aio/core/event_loop.hpp>
#include <aio/core/shield.hpp>
#include <aio/threads/thread_pool.hpp>

#include <cerrno>
#include <csignal>

namespace aio::detail {

int run_blocking(io_op& op) noexcept {
    switch (op.m_kind) {
    case op_kind::read_at:
    case op_kind::write_at:
    case op_kind::read:
    case op_kind::write:
    case op_kind::fsync:
    case op_kind::openat:
        return perform_call(op);
    default:
        return -EINVAL; // not a file operation
    }
}

// ---- os_state ----

os_state::os_state(event_loop& loop)
    : m_loop(loop), m_offload_files(loop.backend_name() == "epoll") {}

os_state::~os_state() {
    // The signal hub and the reaper cancel and drain their own backend operations.
    m_signals.reset();
    m_reaper.reset();
}

os_state& os_state::of(event_loop& loop) {
    loop_impl& impl = loop.impl();
    if (loop_extension* e = impl.extension())
        return static_cast<os_state&>(*e);
    return static_cast<os_state&>(impl.set_extension(std::make_unique<os_state>(loop)));
}

bool os_state::exists(event_loop& loop) noexcept {
    return loop.impl().extension() != nullptr;
}

os_state& os_state::get() {
    return of(get_running_loop());
}

signal_hub& os_state::signals() {
    if (!m_signals)
        m_signals = std::make_unique<signal_hub>(m_loop);
    return *m_signals;
}

child_reaper& os_state::reaper() {
    if (!m_reaper)
        m_reaper = std::make_unique<child_reaper>(m_loop);
    return *m_reaper;
}

// ---- file_op_awaiter ----

namespace {
void op_done(io_op* op) noexcept {
    static_cast<file_op_awaiter*>(op)->wake();
}
void op_cancel(parking* p) noexcept {
    // Only a request: the task is woken by the operation's real completion, so the buffer
    // stays valid until then.
    auto* a = static_cast<file_op_awaiter*>(p);
    a->m_cancelled = true;
    get_running_loop().io().cancel(*a);
}
} // namespace

bool file_op_awaiter::await_suspend(std::coroutine_handle<> h) {
    if (!begin_park(h, &op_cancel))
        return false;
    m_submitted = true;
    m_complete = &op_done;
    get_running_loop().io().submit(*this);
    return true;
}

namespace {
task<int> on_pool(file_op_awaiter* a) {
    co_return co_await to_thread([a] { return run_blocking(*a); });
}
} // namespace

task<int> perform(file_op_awaiter* a) {
    if (!a->m_offload)
        co_return co_await *a;
    if (current().cancel_pending())
        throw cancelled_error(); // never started
    a->m_submitted = true;
    // Shielded: the task resumes only when the blocking call has returned (see io_wait.hpp).
    const int r = co_await shield(on_pool(a));
    a->m_cancelled = current().cancel_pending();
    co_return r;
}

bool files_offloaded() {
    return os_state::get().m_offload_files;
}

void throw_os_error(int neg_errno, const std::string& what, const std::string& path) {
    throw io_error(std::error_code(-neg_errno, std::system_category()),
                   "aio: " + what + " '" + path + "'");
}

} // namespace aio::detail
