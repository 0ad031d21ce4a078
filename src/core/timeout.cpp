#include <aio/core/timeout.hpp>

#include <string>

namespace aio::detail {

namespace {
void deadline_passed(timer_node* t) noexcept {
    static_cast<timeout_scope*>(t)->fire();
}
} // namespace

timeout_scope::timeout_scope(clock::duration d) : m_delay(d) {
    m_scope.enter();
    if (d <= clock::duration::zero()) {
        m_scope.fire();
        return;
    }
    m_fire = &deadline_passed;
    m_deadline = t_loop->refresh_now() + d;
    t_loop->add_timer(*this);
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
