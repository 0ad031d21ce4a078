// aio::lock (asyncio.Lock).
#pragma once

#include <aio/core/task.hpp>
#include <aio/sync/detail/wait_list.hpp>

#include <exception>
#include <utility>

namespace aio {

/// RAII ownership of a lock or a semaphore permit, returned by scoped(): released by
/// the destructor (or release()). Movable, not copyable.
template <class Mutex> class [[nodiscard]] scoped_release {
  public:
    explicit scoped_release(Mutex* m) noexcept : m_mutex(m) {}
    scoped_release(scoped_release&& o) noexcept : m_mutex(std::exchange(o.m_mutex, nullptr)) {}
    scoped_release& operator=(scoped_release&& o) noexcept {
        if (this != &o) {
            release();
            m_mutex = std::exchange(o.m_mutex, nullptr);
        }
        return *this;
    }
    ~scoped_release() { release(); }
    void release() {
        if (m_mutex)
            std::exchange(m_mutex, nullptr)->release();
    }

  private:
    Mutex* m_mutex;
};

/// A non-reentrant mutual-exclusion lock for tasks. Fair: waiters acquire in FIFO order
/// (release hands the lock straight to the first waiter). Loop thread only.
///
///     aio::lock m;
///     { auto g = co_await m.scoped(); /* critical section */ }
class lock {
  public:
    lock() = default;
    lock(const lock&) = delete;
    lock& operator=(const lock&) = delete;

    struct awaiter : detail::waiter {
        lock* m_lock;
        explicit awaiter(lock* l, aio::source_location where) noexcept : m_lock(l) {
            detail::note_await(this, where); // debug mode: dump_tasks shows this line
        }
        bool await_ready() noexcept {
            if (m_lock->m_locked)
                return false;
            m_lock->m_locked = true;
            return true;
        }
        bool await_suspend(std::coroutine_handle<> h) { return park_on(m_lock->m_waiters, h); }
        void await_resume() const { throw_if_cancelled(); }
    };
    struct scoped_awaiter : awaiter {
        using awaiter::awaiter;
        scoped_release<lock> await_resume() const {
            throw_if_cancelled();
            return scoped_release<lock>(m_lock);
        }
    };

    /// Waits for the lock and takes it. Throws aio::cancelled_error if cancelled while
    /// waiting (the lock is then not held).
    [[nodiscard]] awaiter
    acquire(aio::source_location where = aio::source_location::current()) noexcept {
        return awaiter(this, where);
    }
    /// acquire() returning a guard that releases on destruction (`async with lock`).
    [[nodiscard]] scoped_awaiter
    scoped(aio::source_location where = aio::source_location::current()) noexcept {
        return scoped_awaiter(this, where);
    }
    /// Releases the lock, handing it to the first waiter. Throws aio::runtime_error if the
    /// lock is not held.
    void release();
    bool locked() const noexcept { return m_locked; }

    // Context-manager protocol for aio::with.
    task<lock&> enter();
    task<void> exit(std::exception_ptr);

  private:
    bool m_locked = false;
    detail::wait_list m_waiters;
};

} // namespace aio
