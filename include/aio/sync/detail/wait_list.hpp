// FIFO list of parked waiters shared by the sync primitives.
//
// Hand-off discipline: a primitive never wakes a waiter "to go and look"; it removes the
// waiter from the list and hands it what it waited for (the lock, a permit, an item) in
// the same step, then wakes it. A cancel that arrives after that finds the task no longer
// parked and only sets the flag, so a cancelled waiter can never swallow a wake-up; a
// cancel that arrives before it removes the waiter from the list, so it is never chosen.
#pragma once

#include <aio/core/detail/loop_core.hpp>

#include <coroutine>
#include <cstddef>

namespace aio::detail {

class wait_list;

struct waiter : parking {
    waiter* m_prev = nullptr;
    waiter* m_next = nullptr;
    wait_list* m_list = nullptr;
    bool m_failed = false; // woken to throw (shutdown, broken barrier)

    /// Parks the current task on `list` (FIFO); false if the task is already cancelled.
    bool park_on(wait_list& list, std::coroutine_handle<> h);
};

class wait_list {
  public:
    bool empty() const noexcept { return m_head == nullptr; }
    std::size_t size() const noexcept { return m_size; }
    waiter* front() const noexcept { return m_head; }
    void push_back(waiter& w) noexcept {
        w.m_next = nullptr;
        w.m_prev = m_tail;
        (m_tail ? m_tail->m_next : m_head) = &w;
        m_tail = &w;
        ++m_size;
    }
    void remove(waiter& w) noexcept {
        (w.m_prev ? w.m_prev->m_next : m_head) = w.m_next;
        (w.m_next ? w.m_next->m_prev : m_tail) = w.m_prev;
        w.m_prev = w.m_next = nullptr;
        --m_size;
    }
    /// Removes and returns the first waiter (or null).
    waiter* pop_front() noexcept {
        waiter* w = m_head;
        if (w)
            remove(*w);
        return w;
    }
    /// Wakes the first waiter; false if there was none.
    bool wake_one() noexcept {
        waiter* w = pop_front();
        if (!w)
            return false;
        w->wake();
        return true;
    }
    /// Wakes every waiter.
    void wake_all() noexcept;
    /// Wakes every waiter marked failed (a closed queue, a broken barrier): its wait throws.
    void fail_all() noexcept;

  private:
    waiter* m_head = nullptr;
    waiter* m_tail = nullptr;
    std::size_t m_size = 0;
};

} // namespace aio::detail
