// Private state of aio::event_loop that the public header does not need to see.
#pragma once

#include <aio/core/event_loop.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>

namespace aio::detail {

class trace_recorder;
struct debug_sites;
class cancel_scope;
struct context_data;

/// Gives a new root task its creator's context variables (context.cpp).
void inherit_context(promise_base& child);
/// Drops a finished task's context variables.
void drop_context(promise_base& t) noexcept;

/// Per-loop state of an upper layer (the os layer's signal hub and child reaper). It is
/// destroyed with the loop, after every task has ended and before the backend, so its
/// destructor may still cancel and drain its own backend operations.
struct loop_extension {
    virtual ~loop_extension() = default;
};
/// The debug entry of a task (name, creation site), or null.
const task_debug* debug_info(const promise_base& t) noexcept;

/// Runs one step of a root task (its work_item::m_run); run_once inlines its fast path.
void run_root(work_item* w) noexcept;

/// What a timer_handle sees of its callback: the item while it is pending (null once it
/// ran, was cancelled or the loop freed it).
struct timer_token {
    callback_item* item = nullptr;
    clock::time_point when{};
    bool cancelled = false;
};

/// A heap-allocated callback (call_soon, call_later, call_soon_threadsafe).
struct callback_item : work_item, timer_node {
    std::function<void()> fn;
    std::shared_ptr<timer_token> token; // call_later/call_at only
    /// Frees the item, detaching its timer_handle.
    static void destroy(callback_item* c) noexcept {
        if (c->token)
            c->token->item = nullptr;
        delete c;
    }
};

class loop_impl {
  public:
    explicit loop_impl(event_loop& loop, const run_options& opts);
    ~loop_impl();

    /// One loop turn: wait for I/O or the next timer, fire timers, run the ready tasks.
    void run_once();
    /// Fires the timers whose deadline is not after the loop's clock (m_now).
    void fire_due_timers() noexcept;
    void run_task(promise_base* t) noexcept;
    /// Debug mode: "task 'NAME' (coroutine/creation site) ran for N ms without suspending".
    void report_slow_step(const promise_base& t, clock::duration took) noexcept;
    /// Queues `w` to run on the loop thread; callable from any thread, wakes the loop. Once
    /// it returns the loop may have run `w`, ended and been destroyed: the caller must not
    /// touch the loop again.
    void post_threadsafe(work_item* w) noexcept;

    event_loop& m_loop;
    run_options m_opts;
    std::chrono::nanoseconds m_slow{};
    std::function<void(std::string_view)> m_handler;
    // Work posted from other threads (post_threadsafe: pool jobs, call_soon_threadsafe).
    std::mutex m_mutex;
    work_item* m_posted = nullptr; // intrusive LIFO of posted items, guarded by m_mutex
    // Set by a poster (any thread) when m_posted became non-empty, so that only the first
    // poster wakes the loop; run_once reads it without the mutex on every turn.
    std::atomic<bool> m_remote_pending{false};
    // Threads inside post_threadsafe that published an item and may still touch the loop;
    // ~event_loop waits for zero (see post_threadsafe and docs/design/threads.md).
    std::atomic<int> m_posting{0};
    /// A job went to another thread and will come back through post_threadsafe
    /// (to_thread, the pool); the loop does not end while any is away. Both calls happen on
    /// the loop thread (the return runs as posted work), so the count is a plain one.
    void job_sent() noexcept { ++m_jobs_away; }
    void job_returned() noexcept { --m_jobs_away; }
    std::size_t jobs_away() const noexcept { return m_jobs_away; }
    /// The os layer's per-loop state, or null before its first use (see loop_extension).
    loop_extension* extension() const noexcept { return m_os.get(); }
    loop_extension& set_extension(std::unique_ptr<loop_extension> e) noexcept {
        m_os = std::move(e);
        return *m_os;
    }

    std::size_t m_jobs_away = 0;
    bool m_stop = false;
    std::unique_ptr<trace_recorder> m_trace;
    // Debug mode: coroutine-frame and await sites (diagnostics/debug_sites.hpp).
    std::unique_ptr<debug_sites> m_sites;
    // Set by the SIGUSR1 handler in debug mode: dump_tasks to stderr after this turn.
    std::atomic<bool> m_dump_requested{false};
    std::unique_ptr<loop_extension> m_os; // see extension()
    // Set by the SIGINT handler of run_main (handle_sigint); read on the loop thread.
    std::atomic<bool> m_sigint{false};
    // Names and creation sites of named tasks (and of all tasks in debug/trace mode), kept
    // off the frame so that an unnamed task costs no memory for them.
    std::unordered_map<std::uint32_t, task_debug> m_debug_info;
    // The context variables of the tasks that have any (flag f_has_context), by task id.
    std::unordered_map<std::uint32_t, std::shared_ptr<const context_data>> m_contexts;
    // The fired cancel scopes of each task that has any (cancel_scope.hpp), newest first.
    std::unordered_map<const promise_base*, cancel_scope*> m_fired_scopes;
};

/// True if `handler` is run_main's Ctrl-C handler and no loop has it armed now: a layer
/// that saved it as the previous SIGINT disposition restores SIG_DFL instead.
bool is_stale_sigint_handler(void (*handler)(int)) noexcept;

} // namespace aio::detail
