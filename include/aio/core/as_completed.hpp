// aio::as_completed: iterate over tasks in the order they finish.
#pragma once

#include <aio/core/task.hpp>
#include <aio/core/task_handle.hpp>

#include <cstddef>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

namespace aio {

namespace detail {

class completion_queue;

struct completion_slot : completion_waiter {
    completion_queue* m_queue = nullptr;
    promise_base* m_task = nullptr;
};

/// Non-template engine: watches a set of started tasks and queues them as they finish.
class completion_queue : public parking {
  public:
    explicit completion_queue(std::size_t n);
    ~completion_queue();
    completion_queue(const completion_queue&) = delete;
    completion_queue& operator=(const completion_queue&) = delete;

    void watch(std::size_t i, promise_base& t);
    /// Index of the next finished task, or npos when all have been handed out. Parks.
    struct next_awaiter {
        completion_queue* q;
        bool await_ready() const noexcept { return !q->m_done.empty() || q->m_pending == 0; }
        bool await_suspend(std::coroutine_handle<> h);
        std::size_t await_resume();
    };
    next_awaiter next() noexcept { return {this}; }
    void on_done(completion_slot& s) noexcept;

    static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  private:
    std::unique_ptr<completion_slot[]> m_slots;
    std::size_t m_count;
    std::size_t m_pending = 0;
    std::deque<std::size_t> m_done;
    bool m_waiting = false;
    friend struct next_awaiter;
};

} // namespace detail

/// Async iterator returned by aio::as_completed. Each next() yields the handle of the next
/// task to finish (already done: awaiting it returns its value or throws its exception at
/// once), then std::nullopt. Destroying the iterator cancels the tasks not yet finished,
/// so "first result wins" needs no cleanup code.
template <class T> class as_completed_iterator {
  public:
    explicit as_completed_iterator(std::vector<task<T>> tasks)
        : m_queue(std::make_unique<detail::completion_queue>(tasks.size())) {
        m_handles.reserve(tasks.size());
        for (std::size_t i = 0; i < tasks.size(); ++i) {
            m_handles.push_back(create_task(std::move(tasks[i])));
            m_queue->watch(i, *m_handles.back().get());
        }
    }
    as_completed_iterator(as_completed_iterator&&) noexcept = default;
    ~as_completed_iterator() {
        for (auto& h : m_handles)
            h.cancel();
    }

    /// The next finished task's handle, or std::nullopt when all were handed out.
    task<std::optional<task_handle<T>>> next() {
        const std::size_t i = co_await m_queue->next();
        if (i == detail::completion_queue::npos)
            co_return std::nullopt;
        co_return m_handles[i];
    }

  private:
    // Declared first so it is destroyed last: the queue's destructor still looks at the
    // tasks, whose frames the handles keep alive.
    std::vector<task_handle<T>> m_handles;
    std::unique_ptr<detail::completion_queue> m_queue;
};

/// asyncio.as_completed: starts every task now and yields them as they finish.
///
///     auto it = aio::as_completed(std::move(downloads));
///     while (auto h = co_await it.next()) std::cout << co_await *h << "\n";
template <class T> as_completed_iterator<T> as_completed(std::vector<task<T>> tasks) {
    return as_completed_iterator<T>(std::move(tasks));
}

} // namespace aio
