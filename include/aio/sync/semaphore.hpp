// aio::semaphore and aio::bounded_semaphore (asyncio.Semaphore / BoundedSemaphore).
#pragma once

#include <aio/core/task.hpp>
#include <aio/sync/detail/wait_list.hpp>
#include <aio/sync/lock.hpp>

#include <cstddef>
#include <exception>

namespace aio {

/// A counter of permits. acquire() takes one, waiting (FIFO) while none is left;
/// release() returns one, handing it straight to the first waiter. Loop thread only.
///
///     aio::semaphore sem(10);
///     { auto permit = co_await sem.scoped(); co_await fetch(url); }
class semaphore {
  public:
    /// `value` permits to start with.
    explicit semaphore(std::size_t value) noexcept : m_value(value) {}
    semaphore(const semaphore&) = delete;
    semaphore& operator=(const semaphore&) = delete;
    virtual ~semaphore() = default;

    struct awaiter : detail::waiter {
        semaphore* m_sem;
        explicit awaiter(semaphore* s) noexcept : m_sem(s) {}
        bool await_ready() noexcept {
            if (m_sem->m_value == 0 || !m_sem->m_waiters.empty())
                return false;
            --m_sem->m_value;
            return true;
        }
        bool await_suspend(std::coroutine_handle<> h) { return park_on(m_sem->m_waiters, h); }
        void await_resume() const { throw_if_cancelled(); }
    };
    struct scoped_awaiter : awaiter {
        using awaiter::awaiter;
        scoped_release<semaphore> await_resume() const {
            throw_if_cancelled();
            return scoped_release<semaphore>(m_sem);
        }
    };

    /// Takes a permit, waiting while none is available. Throws aio::cancelled_error if
    /// cancelled while waiting (no permit is then held).
    [[nodiscard]] awaiter acquire() noexcept { return awaiter(this); }
    /// acquire() returning a guard that releases on destruction.
    [[nodiscard]] scoped_awaiter scoped() noexcept { return scoped_awaiter(this); }
    /// Returns a permit.
    virtual void release();
    /// True when acquire() would wait.
    bool locked() const noexcept { return m_value == 0 || !m_waiters.empty(); }
    std::size_t value() const noexcept { return m_value; }

    task<semaphore&> enter();
    task<void> exit(std::exception_ptr);

  protected:
    std::size_t m_value;
    detail::wait_list m_waiters;
};

/// A semaphore that refuses to be released more often than acquired: release() beyond the
/// initial value throws aio::invalid_state_error (asyncio raises ValueError).
class bounded_semaphore : public semaphore {
  public:
    explicit bounded_semaphore(std::size_t value) noexcept : semaphore(value), m_bound(value) {}
    void release() override;

  private:
    std::size_t m_bound;
};

} // namespace aio
