#include <aio/core/timeout.hpp>

#include <string>

namespace aio::detail {

namespace {
void deadline_passed(timer_node* t) noexcept {
    static_cast<timeout_scope*>(t)->fire();
}
} // namespace

timeout_scope::timeout_scope(clock::time_point deadline)
    : m_delay(deadline - t_loop->refresh_now()) {
    m_scope.enter();
    m_fire = &deadline_passed;
    arm(deadline);
}

void timeout_scope::arm(clock::time_point when) {
    m_when = when;
    if (when <= t_loop->now()) {
        m_scope.fire();
        return;
    }
    m_deadline = when;
    t_loop->add_timer(*this);
}

void timeout_scope::reschedule(std::optional<clock::time_point> when) {
    if (m_scope.fired())
        throw invalid_state_error(
            "aio::timeout_handle::reschedule: the deadline has already passed and the body is "
            "being cancelled");
    if (armed())
        t_loop->cancel_timer(*this);
    m_when.reset();
    if (when) {
        m_delay = *when - t_loop->refresh_now();
        arm(*when);
    }
}

timeout_scope::~timeout_scope() {
    if (armed())
        t_loop->cancel_timer(*this);
}

void timeout_scope::rethrow_cancelled() {
    if (armed())
        t_loop->cancel_timer(*this);
    // Ours only if this scope fired and nothing outside it (the task, an enclosing scope)
    // is cancelled too: then the enclosing code gets the cancellation (asyncio uncancel()).
    if (m_scope.exit() && !current().cancel_pending())
        throw_timeout(m_delay);
    throw;
}

void timeout_scope::throw_timeout(clock::duration d) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
    throw timeout_error("aio: operation timed out after " + std::to_string(ms) + " ms");
}

} // namespace aio::detail
