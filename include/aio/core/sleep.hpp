// aio::sleep: suspend the calling task for a duration.
#pragma once

#include <aio/core/detail/loop_core.hpp>

#include <chrono>

namespace aio {

namespace detail {
struct sleep_awaiter : parking, timer_node {
    // Until the timer is armed, m_deadline holds the delay (saves a field in every frame).
    explicit sleep_awaiter(clock::duration d) noexcept { m_deadline = clock::time_point(d); }
    sleep_awaiter(clock::duration d, aio::source_location where) noexcept : sleep_awaiter(d) {
        note_await(this, where); // debug mode: dump_tasks shows this line
    }
    bool await_ready() const noexcept { return false; }
    bool await_suspend(std::coroutine_handle<> h);
    void await_resume() const {
        throw_if_cancelled();
        // sleep(0) is a yield: a cancel requested while queued takes effect here.
        if (m_task->cancel_pending())
            throw_if_cancelled_now();
    }
    [[noreturn]] static void throw_if_cancelled_now();
};
} // namespace detail

/// Suspends only the calling task for `d` (asyncio.sleep). `sleep(0s)` yields once: every
/// other ready task runs before this one resumes. Throws aio::cancelled_error if the task is
/// cancelled while sleeping. Timers are kept in a heap inside the loop; arming one
/// allocates nothing.
template <class Rep, class Period>
[[nodiscard]] detail::sleep_awaiter
sleep(std::chrono::duration<Rep, Period> d,
      aio::source_location where = aio::source_location::current()) noexcept {
    return detail::sleep_awaiter(std::chrono::duration_cast<detail::clock::duration>(d), where);
}

/// Sleeps until the loop clock reaches `deadline`.
[[nodiscard]] detail::sleep_awaiter sleep_until(std::chrono::steady_clock::time_point deadline);

} // namespace aio
