// aio::barrier (asyncio.Barrier).
#pragma once

#include <aio/core/error.hpp>
#include <aio/sync/detail/wait_list.hpp>

#include <cstddef>

namespace aio {

/// Thrown by barrier::wait() when the barrier is aborted or reset while tasks wait.
class broken_barrier_error : public error {
  public:
    broken_barrier_error() : error("aio::barrier is broken (aborted or reset)") {}
};

/// Lets `parties` tasks wait for each other: wait() returns once `parties` tasks are
/// waiting, giving each a distinct arrival index 0..parties-1, then the barrier is ready
/// for the next round. Loop thread only.
class barrier {
  public:
    /// Throws aio::invalid_state_error if parties == 0.
    explicit barrier(std::size_t parties);
    barrier(const barrier&) = delete;
    barrier& operator=(const barrier&) = delete;

    struct awaiter : detail::waiter {
        barrier* m_b;
        std::size_t m_index = 0;
        explicit awaiter(barrier* b) noexcept : m_b(b) {}
        bool await_ready();
        bool await_suspend(std::coroutine_handle<> h);
        std::size_t await_resume() const;
    };
    /// Waits for the other parties; returns this task's arrival index. Throws
    /// broken_barrier_error if the barrier is or becomes broken, aio::cancelled_error if
    /// cancelled (the task then no longer counts as waiting).
    [[nodiscard]] awaiter wait() noexcept { return awaiter(this); }
    /// Breaks the barrier: current and future waiters throw broken_barrier_error.
    void abort() noexcept;
    /// Breaks the current round (waiters throw) and makes the barrier usable again.
    void reset() noexcept;
    std::size_t parties() const noexcept { return m_parties; }
    std::size_t n_waiting() const noexcept { return m_waiters.size(); }
    bool broken() const noexcept { return m_broken; }

  private:
    std::size_t m_parties;
    bool m_broken = false;
    detail::wait_list m_waiters;
};

} // namespace aio
