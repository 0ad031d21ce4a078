// aio::thread_pool and aio::to_thread: run blocking or CPU-heavy work off the loop.
#pragma once

#include <aio/core/detail/promise_base.hpp>
#include <aio/core/error.hpp>

#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

namespace aio {

class event_loop;

namespace detail {

struct job_awaiter_base;

/// A unit of work handed to a pool thread. Heap-allocated because it outlives a cancelled
/// awaiter: the function cannot be interrupted, so the job finishes on its own and is
/// freed by the loop when its completion comes back.
struct thread_job : work_item {
    thread_job* m_job_next = nullptr;
    event_loop* m_loop = nullptr;
    job_awaiter_base* m_awaiter = nullptr; // loop thread only; null once abandoned
    std::exception_ptr m_error;
    void (*m_invoke)(thread_job*) noexcept = nullptr;
    void (*m_destroy)(thread_job*) noexcept = nullptr;
};

template <class R, class F> struct typed_job : thread_job {
    F m_fn;
    std::optional<std::conditional_t<std::is_void_v<R>, bool, R>> m_result;
    explicit typed_job(F&& f) : m_fn(std::move(f)) {
        m_invoke = [](thread_job* j) noexcept {
            auto* self = static_cast<typed_job*>(j);
            try {
                if constexpr (std::is_void_v<R>) {
                    self->m_fn();
                    self->m_result.emplace(true);
                } else {
                    self->m_result.emplace(self->m_fn());
                }
            } catch (...) {
                self->m_error = std::current_exception();
            }
        };
        m_destroy = [](thread_job* j) noexcept { delete static_cast<typed_job*>(j); };
    }
};

class pool_impl;

struct job_awaiter_base : parking {
    thread_job* m_job;
    pool_impl* m_pool;
    bool m_owned = false; // the job came back and is ours to free
    job_awaiter_base(thread_job* j, pool_impl* p) noexcept : m_job(j), m_pool(p) {}
    /// Movable until awaited (so gather/wait_for can wrap it); the job goes with it.
    job_awaiter_base(job_awaiter_base&& o) noexcept
        : parking(o), m_job(std::exchange(o.m_job, nullptr)), m_pool(o.m_pool) {}
    job_awaiter_base& operator=(const job_awaiter_base&) = delete;
    ~job_awaiter_base();
    bool await_ready() const noexcept { return false; }
    bool await_suspend(std::coroutine_handle<> h);
    void check_result() const;
};

template <class R, class F> struct job_awaiter : job_awaiter_base {
    using job_awaiter_base::job_awaiter_base;
    R await_resume() {
        check_result();
        if constexpr (!std::is_void_v<R>) {
            return std::move(*static_cast<typed_job<R, F>*>(m_job)->m_result);
        }
    }
};

} // namespace detail

/// A fixed set of worker threads. `co_await pool.run(f, args...)` runs `f(args...)` on a
/// worker and resumes the calling task on its loop with the result (or rethrows the
/// exception). If the awaiting task is cancelled it resumes at once with
/// aio::cancelled_error; the function itself cannot be interrupted, runs to the end and
/// its result is discarded — and the loop does not finish (aio::run does not return)
/// before it has. Arguments are moved into the job: pass values, not references to locals.
class thread_pool {
  public:
    /// Starts `threads` workers (0: min(32, hardware threads + 4), asyncio's default).
    explicit thread_pool(std::size_t threads = 0);
    /// Finishes the queued jobs, then joins the workers.
    ~thread_pool();
    thread_pool(const thread_pool&) = delete;
    thread_pool& operator=(const thread_pool&) = delete;

    template <class F, class... Args> [[nodiscard]] auto run(F f, Args... args) {
        auto call = [f = std::move(f), ... a = std::move(args)]() mutable {
            return std::invoke(std::move(f), std::move(a)...);
        };
        using R = std::invoke_result_t<decltype(call)&>;
        using job_t = detail::typed_job<R, decltype(call)>;
        return detail::job_awaiter<R, decltype(call)>(new job_t(std::move(call)), m_impl.get());
    }

    /// Number of worker threads.
    std::size_t size() const noexcept;

  private:
    std::unique_ptr<detail::pool_impl> m_impl;
};

/// The process-wide pool used by to_thread (created on first use, never destroyed).
thread_pool& default_thread_pool();

/// asyncio.to_thread: runs `f(args...)` on the default thread pool and awaits the result.
///
///     int r = co_await aio::to_thread([] { return heavy(); });
template <class F, class... Args> [[nodiscard]] auto to_thread(F f, Args... args) {
    return default_thread_pool().run(std::move(f), std::move(args)...);
}

/// Schedules `fn` on `loop` from any thread, waking it if it waits for I/O.
void call_soon_threadsafe(event_loop& loop, std::function<void()> fn);

} // namespace aio
