// aio::run_coroutine_threadsafe: hand a coroutine from any thread to a loop running on
// another, and wait for its result there (asyncio.run_coroutine_threadsafe).
#pragma once

#include <aio/core/event_loop.hpp>
#include <aio/core/task_handle.hpp>

#include <chrono>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <type_traits>
#include <utility>

namespace aio {

void call_soon_threadsafe(event_loop& loop, std::function<void()> fn);

namespace detail {

/// The untyped state shared by a concurrent_future (any thread) and the task on the loop.
/// Fields under m_mutex are shared; m_task is the loop thread's.
class cross_thread_state : public std::enable_shared_from_this<cross_thread_state> {
  public:
    explicit cross_thread_state(event_loop& loop) noexcept : m_loop(&loop) {}

    /// Blocks until done (or `timeout` passes; returns done()).
    void wait();
    bool wait_for(std::chrono::nanoseconds timeout);
    bool done();
    /// Asks the loop to cancel the task. False once done.
    bool cancel();
    /// Throws what the task threw (aio::cancelled_error if it was cancelled).
    void rethrow_if_failed();

    // Loop side.
    /// The loop runs the task now (false: cancelled before it started).
    bool start(task_ref t);
    void finish(std::exception_ptr e);

  protected:
    std::mutex m_mutex;
    std::condition_variable m_cv;
    bool m_done = false;
    bool m_cancel_requested = false;
    std::exception_ptr m_error;
    event_loop* m_loop;
    task_ref m_task; // loop thread only
};

template <class T> class cross_thread_result : public cross_thread_state {
  public:
    using cross_thread_state::cross_thread_state;
    using stored = std::conditional_t<std::is_void_v<T>, char, T>;
    std::optional<stored> m_value; // written by the loop before finish(), read after wait()
};

} // namespace detail

/// What aio::run_coroutine_threadsafe returns to the calling thread (asyncio's
/// concurrent.futures.Future): block on it with get()/wait(), poll done(), cancel().
/// Copies share the state; every member may be called from any thread.
template <class T> class concurrent_future {
  public:
    explicit concurrent_future(std::shared_ptr<detail::cross_thread_result<T>> s) noexcept
        : m_s(std::move(s)) {}

    /// Blocks until the coroutine has finished and returns its result (moved out: call once)
    /// or rethrows its exception (aio::cancelled_error if cancelled). Never call it on the
    /// loop's own thread: that loop could not run the coroutine while it blocks.
    T get() {
        m_s->wait();
        m_s->rethrow_if_failed();
        if constexpr (!std::is_void_v<T>)
            return std::move(*m_s->m_value);
    }
    /// Blocks until done, at most `timeout`; returns done().
    template <class Rep, class Period> bool wait_for(std::chrono::duration<Rep, Period> timeout) {
        return m_s->wait_for(std::chrono::duration_cast<std::chrono::nanoseconds>(timeout));
    }
    void wait() { m_s->wait(); }
    bool done() { return m_s->done(); }
    /// Asks the loop to cancel the coroutine (asynchronously: wait() to see it end). Returns
    /// false if it has already finished. The loop must still be running (asyncio's rule).
    bool cancel() { return m_s->cancel(); }

  private:
    std::shared_ptr<detail::cross_thread_result<T>> m_s;
};

/// asyncio.run_coroutine_threadsafe: from any thread, starts `t` as a task on `loop` (which
/// runs on another thread) and returns a concurrent_future to wait for the result. If the
/// loop ends before the task could start, the future fails with aio::runtime_error.
///
///     std::thread worker([&loop] {
///         auto f = aio::run_coroutine_threadsafe(fetch("x"), loop);
///         std::string page = f.get();
///     });
template <class T> concurrent_future<T> run_coroutine_threadsafe(task<T> t, event_loop& loop) {
    auto state = std::make_shared<detail::cross_thread_result<T>>(loop);
    // Owns the task until the loop starts it; if the loop drops the callback unrun (it was
    // closing), the destructor fails the future so no thread waits forever.
    struct starter {
        std::shared_ptr<detail::cross_thread_result<T>> st;
        task<T> body;
        bool ran = false;
        starter(std::shared_ptr<detail::cross_thread_result<T>> s, task<T> b)
            : st(std::move(s)), body(std::move(b)) {}
        starter(const starter&) = delete;
        starter& operator=(const starter&) = delete;
        ~starter() {
            if (!ran)
                st->finish(
                    std::make_exception_ptr(runtime_error("aio::run_coroutine_threadsafe: the loop "
                                                          "closed before the coroutine started")));
        }
    };
    auto s = std::make_shared<starter>(state, std::move(t));
    call_soon_threadsafe(loop, [s] {
        s->ran = true;
        auto h = create_task(std::move(s->body), "run_coroutine_threadsafe");
        if (!s->st->start(h))
            h.cancel();
        h.add_done_callback([st = s->st, h](task_ref) {
            try {
                if constexpr (std::is_void_v<T>)
                    h.result();
                else
                    st->m_value.emplace(h.result());
                st->finish(nullptr);
            } catch (...) {
                st->finish(std::current_exception());
            }
        });
    });
    return concurrent_future<T>(std::move(state));
}

} // namespace aio
