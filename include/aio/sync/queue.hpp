// aio::queue, aio::priority_queue, aio::lifo_queue (asyncio.Queue and friends).
#pragma once

#include <aio/core/error.hpp>
#include <aio/core/task.hpp>
#include <aio/sync/detail/wait_list.hpp>

#include <algorithm>
#include <cstddef>
#include <deque>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

namespace aio {

/// The bound of a queue without one: `aio::queue<int> q(aio::unbounded);` (asyncio's 0).
inline constexpr std::size_t unbounded = 0;

/// get_nowait() on an empty queue.
class queue_empty_error : public error {
  public:
    queue_empty_error() : error("aio::queue is empty") {}
};
/// put_nowait() on a full queue.
class queue_full_error : public error {
  public:
    queue_full_error() : error("aio::queue is full") {}
};
/// put() after shutdown(), or get() on a shut-down queue that has no items left.
class queue_shutdown_error : public error {
  public:
    queue_shutdown_error() : error("aio::queue is shut down") {}
};

namespace detail {

/// Non-template part: counters, shutdown state, waiter lists, join().
class queue_core {
  public:
    explicit queue_core(std::size_t maxsize) noexcept : m_maxsize(maxsize) {}
    queue_core(const queue_core&) = delete;
    queue_core& operator=(const queue_core&) = delete;

    std::size_t maxsize() const noexcept { return m_maxsize; }
    bool is_shutdown() const noexcept { return m_shutdown; }

    /// Marks one item taken by get() as processed. Throws aio::invalid_state_error if called
    /// more times than items were put.
    void task_done();

    struct join_awaiter : waiter {
        queue_core* m_q;
        explicit join_awaiter(queue_core* q) noexcept : m_q(q) {}
        bool await_ready() const noexcept { return m_q->m_unfinished == 0; }
        bool await_suspend(std::coroutine_handle<> h) { return park_on(m_q->m_joiners, h); }
        void await_resume() const { throw_if_cancelled(); }
    };
    /// Waits until every item put has been marked done with task_done().
    [[nodiscard]] join_awaiter join() noexcept { return join_awaiter(this); }

  protected:
    /// Wakes putters and (if nothing is left to get) getters with queue_shutdown_error.
    void shutdown_core(bool no_items_left, std::size_t dropped) noexcept;

    std::size_t m_maxsize;
    std::size_t m_unfinished = 0;
    bool m_shutdown = false;
    wait_list m_getters;
    wait_list m_putters;
    wait_list m_joiners;
};

template <class T> struct fifo_store {
    std::deque<T> items;
    void push(T&& v) { items.push_back(std::move(v)); }
    T pop() {
        T v = std::move(items.front());
        items.pop_front();
        return v;
    }
};
template <class T> struct lifo_store {
    std::vector<T> items;
    void push(T&& v) { items.push_back(std::move(v)); }
    T pop() {
        T v = std::move(items.back());
        items.pop_back();
        return v;
    }
};
template <class T, class Compare> struct priority_store {
    // A min-heap: get() returns the smallest item first, as asyncio.PriorityQueue does.
    std::vector<T> items;
    struct greater {
        bool operator()(const T& a, const T& b) const { return Compare{}(b, a); }
    };
    void push(T&& v) {
        items.push_back(std::move(v));
        std::push_heap(items.begin(), items.end(), greater{});
    }
    T pop() {
        std::pop_heap(items.begin(), items.end(), greater{});
        T v = std::move(items.back());
        items.pop_back();
        return v;
    }
};

template <class T, class Store> class basic_queue : public queue_core {
  public:
    /// `maxsize` items at most (aio::unbounded for no bound).
    explicit basic_queue(std::size_t maxsize) : queue_core(maxsize) {}

    struct get_awaiter : waiter {
        basic_queue* m_q;
        std::optional<T> m_item;
        explicit get_awaiter(basic_queue* q) noexcept : m_q(q) {}
        bool await_ready() {
            if (!m_q->m_store.items.empty()) {
                m_item.emplace(m_q->take());
                return true;
            }
            if (m_q->m_shutdown)
                throw queue_shutdown_error();
            return false;
        }
        bool await_suspend(std::coroutine_handle<> h) { return park_on(m_q->m_getters, h); }
        T await_resume() {
            throw_if_cancelled();
            if (m_failed)
                throw queue_shutdown_error();
            return std::move(*m_item);
        }
    };

    struct put_awaiter : waiter {
        basic_queue* m_q;
        std::optional<T> m_item;
        put_awaiter(basic_queue* q, T&& v) : m_q(q), m_item(std::move(v)) {}
        bool await_ready() {
            if (m_q->m_shutdown)
                throw queue_shutdown_error();
            if (m_q->full())
                return false;
            m_q->add(std::move(*m_item));
            return true;
        }
        bool await_suspend(std::coroutine_handle<> h) { return park_on(m_q->m_putters, h); }
        void await_resume() const {
            throw_if_cancelled();
            if (m_failed)
                throw queue_shutdown_error();
        }
    };

    /// Removes and returns an item, waiting while the queue is empty. Throws
    /// queue_shutdown_error once the queue is shut down and empty; aio::cancelled_error if
    /// cancelled while waiting (no item is then taken).
    [[nodiscard]] get_awaiter get() noexcept { return get_awaiter(this); }
    /// Adds an item, waiting while the queue is full. Throws queue_shutdown_error after
    /// shutdown(); if cancelled while waiting, the item is not added.
    [[nodiscard]] put_awaiter put(T v) { return put_awaiter(this, std::move(v)); }

    /// Returns an item now or throws queue_empty_error (queue_shutdown_error if shut down).
    T get_nowait() {
        if (m_store.items.empty()) {
            if (m_shutdown)
                throw queue_shutdown_error();
            throw queue_empty_error();
        }
        return take();
    }
    /// Adds an item now or throws queue_full_error (queue_shutdown_error if shut down).
    void put_nowait(T v) {
        if (m_shutdown)
            throw queue_shutdown_error();
        if (full())
            throw queue_full_error();
        add(std::move(v));
    }

    /// Shuts the queue down: put() throws from now on; get() throws once the queue is
    /// empty. With `immediate`, the remaining items are dropped (and count as done).
    void shutdown(bool immediate = false) {
        m_shutdown = true;
        std::size_t dropped = 0;
        if (immediate) {
            dropped = m_store.items.size();
            m_store.items.clear();
        }
        shutdown_core(m_store.items.empty(), dropped);
    }

    std::size_t qsize() const noexcept { return m_store.items.size(); }
    bool empty() const noexcept { return m_store.items.empty(); }
    bool full() const noexcept {
        return m_maxsize != unbounded && m_store.items.size() >= m_maxsize;
    }

  private:
    // A new item goes to the first waiting getter directly (the store is empty then), else
    // into the store.
    void add(T&& v) {
        ++m_unfinished;
        if (waiter* w = m_getters.pop_front()) {
            static_cast<get_awaiter*>(w)->m_item.emplace(std::move(v));
            w->wake();
            return;
        }
        m_store.push(std::move(v));
    }
    // Taking an item frees a slot: the first waiting putter's item moves in.
    T take() {
        T v = m_store.pop();
        if (waiter* w = m_putters.pop_front()) {
            auto* p = static_cast<put_awaiter*>(w);
            ++m_unfinished;
            m_store.push(std::move(*p->m_item));
            w->wake();
        }
        return v;
    }

    Store m_store;
};

} // namespace detail

/// A FIFO queue for tasks (asyncio.Queue). The bound is always stated:
/// `aio::queue<int> q(100);` or `aio::queue<int> q(aio::unbounded);`. Loop thread only.
///
///     co_await q.put(1); int x = co_await q.get(); q.task_done(); co_await q.join();
template <class T> class queue : public detail::basic_queue<T, detail::fifo_store<T>> {
  public:
    using detail::basic_queue<T, detail::fifo_store<T>>::basic_queue;
};

/// A queue that returns the smallest item first (asyncio.PriorityQueue); `Compare` orders
/// items like std::less.
template <class T, class Compare = std::less<T>>
class priority_queue : public detail::basic_queue<T, detail::priority_store<T, Compare>> {
  public:
    using detail::basic_queue<T, detail::priority_store<T, Compare>>::basic_queue;
};

/// A queue that returns the most recently added item first (asyncio.LifoQueue).
template <class T> class lifo_queue : public detail::basic_queue<T, detail::lifo_store<T>> {
  public:
    using detail::basic_queue<T, detail::lifo_store<T>>::basic_queue;
};

} // namespace aio
