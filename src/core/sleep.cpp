#include <aio/core/error.hpp>
#include <aio/core/sleep.hpp>

namespace aio {
namespace detail {

namespace {
void sleep_fire(timer_node* t) noexcept {
    static_cast<sleep_awaiter*>(t)->wake();
}
void sleep_cancel(parking* p) noexcept {
    auto* s = static_cast<sleep_awaiter*>(p);
    t_loop->cancel_timer(*s);
    s->wake_cancelled();
}
} // namespace

bool sleep_awaiter::await_suspend(std::coroutine_handle<> h) {
    if (!begin_park(h, &sleep_cancel))
        return false;
    const clock::duration delay = m_deadline.time_since_epoch();
    if (delay <= clock::duration::zero()) {
        // A yield: back of the ready queue, not parked anywhere cancellable.
        m_task->m_parked = nullptr;
        t_loop->schedule(m_task);
        return true;
    }
    m_deadline = t_loop->refresh_now() + delay;
    m_fire = &sleep_fire;
    t_loop->add_timer(*this);
    return true;
}

void sleep_awaiter::throw_if_cancelled_now() {
    throw cancelled_error();
}

} // namespace detail

detail::sleep_awaiter sleep_until(std::chrono::steady_clock::time_point deadline) {
    return detail::sleep_awaiter(deadline - detail::running_loop_core().refresh_now());
}

} // namespace aio
