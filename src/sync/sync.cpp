// Out-of-line parts of lock, semaphore, condition and barrier.
#include <aio/core/shield.hpp>
#include <aio/sync/barrier.hpp>
#include <aio/sync/condition.hpp>
#include <aio/sync/lock.hpp>
#include <aio/sync/queue.hpp>
#include <aio/sync/semaphore.hpp>

namespace aio {

void lock::release() {
    if (!m_locked)
        throw runtime_error("aio::lock::release: the lock is not acquired");
    // Hand-off: the lock stays taken and now belongs to the first waiter.
    if (!m_waiters.wake_one())
        m_locked = false;
}

task<lock&> lock::enter() {
    co_await acquire();
    co_return *this;
}
task<void> lock::exit(std::exception_ptr) {
    release();
    co_return;
}

void semaphore::release() {
    if (!m_waiters.wake_one())
        ++m_value;
}

task<semaphore&> semaphore::enter() {
    co_await acquire();
    co_return *this;
}
task<void> semaphore::exit(std::exception_ptr) {
    release();
    co_return;
}

void bounded_semaphore::release() {
    if (m_waiters.empty() && m_value >= m_bound) {
        throw invalid_state_error("aio::bounded_semaphore released too many times (bound " +
                                  std::to_string(m_bound) + ")");
    }
    semaphore::release();
}

namespace {
struct cond_awaiter : detail::waiter {
    detail::wait_list* m_list;
    explicit cond_awaiter(detail::wait_list* l) noexcept : m_list(l) {}
    bool await_ready() const noexcept { return false; }
    bool await_suspend(std::coroutine_handle<> h) { return park_on(*m_list, h); }
    void await_resume() const { throw_if_cancelled(); }
};
} // namespace

task<void> condition::wait() {
    if (!m_lock->locked()) {
        throw runtime_error("aio::condition::wait: the lock must be held (acquire it first)");
    }
    m_lock->release();
    std::exception_ptr error;
    try {
        co_await cond_awaiter(&m_waiters);
    } catch (...) {
        error = std::current_exception();
    }
    {
        // The caller holds the lock again on every path out, cancellation included.
        detail::shield_scope shielded;
        co_await m_lock->acquire();
    }
    if (error)
        std::rethrow_exception(error);
}

void condition::notify(std::size_t n) {
    if (!m_lock->locked()) {
        throw runtime_error("aio::condition::notify: the lock must be held");
    }
    while (n-- > 0 && m_waiters.wake_one()) {
    }
}

barrier::barrier(std::size_t parties) : m_parties(parties) {
    if (parties == 0)
        throw invalid_state_error("aio::barrier: parties must be at least 1");
}

bool barrier::awaiter::await_ready() {
    if (m_b->m_broken)
        throw broken_barrier_error();
    m_index = m_b->m_waiters.size();
    if (m_index + 1 < m_b->m_parties)
        return false;
    // Last to arrive: release this round in arrival order.
    std::size_t i = 0;
    while (detail::waiter* w = m_b->m_waiters.pop_front()) {
        static_cast<awaiter*>(w)->m_index = i++;
        w->wake();
    }
    m_index = i;
    return true;
}

bool barrier::awaiter::await_suspend(std::coroutine_handle<> h) {
    return park_on(m_b->m_waiters, h);
}

std::size_t barrier::awaiter::await_resume() const {
    throw_if_cancelled();
    if (m_failed)
        throw broken_barrier_error();
    return m_index;
}

void barrier::abort() noexcept {
    m_broken = true;
    m_waiters.fail_all();
}

void barrier::reset() noexcept {
    m_waiters.fail_all();
    m_broken = false;
}

} // namespace aio


namespace aio::detail {

void queue_core::task_done() {
    if (m_unfinished == 0) {
        throw invalid_state_error("aio::queue::task_done() called more times than items were put");
    }
    if (--m_unfinished == 0)
        m_joiners.wake_all();
}

void queue_core::shutdown_core(bool no_items_left, std::size_t dropped) noexcept {
    m_unfinished -= std::min(dropped, m_unfinished);
    m_putters.fail_all();
    if (no_items_left)
        m_getters.fail_all();
    if (m_unfinished == 0)
        m_joiners.wake_all();
}

} // namespace aio::detail
