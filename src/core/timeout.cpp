#include <aio/core/timeout.hpp>

#include <string>

namespace aio::detail {

namespace {
void child_done(completion_waiter* w) noexcept {
    auto* c = static_cast<timeout_core*>(w);
    t_loop->cancel_timer(*c);
    if (c->m_parked)
        c->wake();
}
void timer_fired(timer_node* t) noexcept {
    auto* c = static_cast<timeout_core*>(t);
    c->m_timed_out = true;
    c->m_child->cancel();
}
void caller_cancelled(parking* p) noexcept {
    auto* c = static_cast<timeout_core*>(p);
    c->m_cancelled = true;
    c->m_child->cancel();
}
} // namespace

timeout_core::~timeout_core() {
    if (!m_child)
        return;
    t_loop->cancel_timer(*this);
    if (!m_child->done())
        m_child->remove_waiter(this); // only on abnormal teardown
    m_child->release();
}

void timeout_core::start(promise_base& child) {
    m_child = &child;
    m_notify = &child_done;
    child.add_ref();
    child.start_root({}, aio::source_location::current());
    child.add_waiter(this);
    m_fire = &timer_fired;
    m_deadline = t_loop->refresh_now() + m_delay;
    t_loop->add_timer(*this);
}

bool timeout_core::await_suspend(std::coroutine_handle<> h) {
    const bool cancelled = current().cancel_pending();
    force_park(h, &caller_cancelled);
    m_parked = true;
    if (cancelled)
        caller_cancelled(this);
    return true;
}

void timeout_core::await_resume() {
    throw_if_cancelled();
    if (m_timed_out && m_child->has(promise_base::f_was_cancelled)) {
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(m_delay).count();
        throw timeout_error("aio: operation timed out after " + std::to_string(ms) + " ms");
    }
}

} // namespace aio::detail
