// aio::event_loop and aio::run: the engine that runs tasks (asyncio's event loop).
#pragma once

#include <aio/core/detail/loop_core.hpp>
#include <aio/core/source_location.hpp>
#include <aio/core/task.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace aio {

namespace detail {
class backend;
class loop_impl;
} // namespace detail

/// Options of aio::run and aio::event_loop.
struct run_options {
    /// Debug mode (also AIO_DEBUG=1): reports slow task steps (> slow_callback_duration)
    /// with the task's name and creation site, never-awaited tasks and unretrieved
    /// exceptions.
    bool debug = false;
    std::chrono::milliseconds slow_callback_duration{100};
    /// Virtual time for tests: when nothing is ready and no I/O or thread work is in flight
    /// the clock jumps to the next timer instead of waiting, so `sleep(1h)` returns at
    /// once, in order; time spent blocked on real I/O or threads advances it as well.
    bool virtual_time = false;
    /// I/O backend: "" (default: $AIO_BACKEND, else io_uring if usable, else epoll),
    /// "io_uring" or "epoll".
    std::string_view backend = {};
    /// Completion batching: 0 (the default) is off, unless AIO_IO_BATCH_US is set (to 30,
    /// say). It trades latency for CPU. While the loop is busy (a trial wait, 1 in 128,
    /// collects 8+ completions), each wait for I/O is held open this long once a completion
    /// is there, so one kernel entry serves many messages, as a network card's interrupt
    /// moderation does; it stops when held waits collect fewer than 4. Each message waits up
    /// to the window longer, so clients that wait for every answer see lower throughput at
    /// moderate concurrency: docs/guide/core.md has the figures. io_uring on Linux 6.12+
    /// only; ignored elsewhere. More than 10000 µs is refused.
    std::chrono::microseconds io_batch_window{0};
    /// Print a terminal timeline of every task to stderr when the loop ends (also
    /// AIO_TIMELINE=1): a learner sees which tasks overlapped. AIO_TRACE=file.json writes
    /// the same events as a Chrome trace (open it in Perfetto).
    bool timeline = false;
    /// Ctrl-C handling (asyncio.run in Python 3.11): when the loop runs on the process's main
    /// thread and SIGINT has its default disposition, the first SIGINT cancels the main task,
    /// so its cleanup (catch blocks, `with` exits, destructors) runs; SIGINT then gets its
    /// default disposition back, so a second Ctrl-C ends the process at once. If the main
    /// task then ends by that cancellation, stdio is flushed and SIGINT is raised again
    /// after every task has finished, so the process exits "killed by SIGINT" (status 130 in
    /// a shell), the Unix convention for interrupted programs (CPython does the same). A
    /// main task that catches the cancellation and returns normally returns normally.
    /// A handler installed with aio::add_signal_handler(SIGINT) or awaited with
    /// aio::signal_received(SIGINT) takes precedence. False: SIGINT is left alone.
    bool handle_sigint = true;
};

namespace detail {
struct callback_item;
struct timer_token;
} // namespace detail

/// A callback scheduled with event_loop::call_later / call_at (asyncio's TimerHandle).
/// Copyable; an empty handle (default) does nothing. Loop thread only.
class timer_handle {
  public:
    timer_handle() noexcept = default;
    explicit timer_handle(std::shared_ptr<detail::timer_token> t) noexcept : m_t(std::move(t)) {}
    /// Stops the callback from running. Returns false if it already ran (or was cancelled).
    bool cancel() noexcept;
    /// True once cancel() stopped it.
    bool cancelled() const noexcept;
    /// When it is (or was) due, on the loop's clock.
    std::chrono::steady_clock::time_point when() const noexcept;

  private:
    std::shared_ptr<detail::timer_token> m_t;
};

/// The event loop. One per thread at most; aio::run creates and destroys one for you.
/// All methods must be called on the loop's thread unless they say otherwise.
class event_loop : public detail::loop_core {
  public:
    explicit event_loop(const run_options& opts = {});
    ~event_loop();
    event_loop(const event_loop&) = delete;
    event_loop& operator=(const event_loop&) = delete;

    /// Runs `t` to completion and returns its result; then cancels and awaits every task
    /// still alive (as asyncio.run does). Throws aio::runtime_error when called while a loop
    /// already runs on this thread.
    template <class T>
    T run_until_complete(task<T> t, aio::source_location where = aio::source_location::current()) {
        auto h = t.release();
        detail::promise_base& p = h.promise();
        p.add_ref(); // ours: the frame, and so the result, outlives the task
        p.m_flags |= detail::promise_base::f_started;
        struct guard {
            detail::promise_base& p;
            ~guard() { p.release(); }
        } g{p};
        run_main(&p, where);
        return h.promise().take();
    }

    /// Schedules `fn` to run at the next loop turn.
    void call_soon(std::function<void()> fn);
    /// Like call_soon, from any thread; wakes the loop if it is waiting for I/O.
    void call_soon_threadsafe(std::function<void()> fn);
    /// Runs `fn` after `delay` (asyncio's call_later); the handle can cancel it.
    timer_handle call_later(std::chrono::nanoseconds delay, std::function<void()> fn);
    /// Runs `fn` at `when` on the loop's clock (asyncio's call_at; see time()).
    timer_handle call_at(std::chrono::steady_clock::time_point when, std::function<void()> fn);
    /// The loop's clock (asyncio's loop.time()): steady_clock, or the virtual clock when the
    /// loop runs with one. Deadlines for call_at and aio::timeout_at are on it.
    std::chrono::steady_clock::time_point time() noexcept { return refresh_now(); }
    /// Stops run_until_complete after the current turn (the main task is cancelled).
    void stop() noexcept;

    /// Name of the I/O backend in use: "io_uring" or "epoll".
    std::string_view backend_name() const noexcept;
    /// Replaces the handler of errors nobody can catch (unretrieved task exceptions,
    /// exceptions of call_soon callbacks, debug reports). Default: print to stderr.
    void set_exception_handler(std::function<void(std::string_view)> handler);
    /// Reports a message through the exception handler.
    void report(std::string_view message) noexcept;

    detail::backend& io() noexcept { return *m_backend; }
    detail::loop_impl& impl() noexcept { return *m_impl; }

  private:
    void run_main(detail::promise_base* main, const aio::source_location& where);
    std::unique_ptr<detail::backend> m_backend;
    std::unique_ptr<detail::loop_impl> m_impl;
    friend class detail::loop_impl;
};

/// The loop running on this thread; throws aio::runtime_error if there is none.
event_loop& get_running_loop();

/// Runs `main` on a new event loop on the calling thread and returns its result (or
/// rethrows its exception); every task still alive at the end is cancelled and awaited
/// (asyncio.run). Throws aio::runtime_error if a loop already runs on this thread:
/// inside a coroutine, co_await the task instead.
///
///     aio::task<int> amain() { co_await aio::sleep(10ms); co_return 0; }
///     int main() { return aio::run(amain()); }
template <class T>
T run(task<T> main,
      const run_options& opts = {},
      aio::source_location where = aio::source_location::current()) {
    event_loop loop(opts);
    return loop.run_until_complete(std::move(main), where);
}

} // namespace aio
