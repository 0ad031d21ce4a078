// The event loop: one turn = wait for I/O or the next timer through the backend (one
// syscall), fire expired timers, run the cross-thread callbacks, then run the ready work in
// batches (each one what was ready when it began) until nothing is ready, ready_budget
// items ran, or a timer is due (then the next turn polls I/O and fires it). A task that yields
// (sleep(0s)) lets every other ready task and every due timer run first.
#include "core/loop_impl.hpp"
#include "core/run_options.hpp"
#include "core/sigint.hpp"
#include "diagnostics/debug_sites.hpp"
#include "diagnostics/trace.hpp"
#include "io/backend.hpp"

#include <aio/core/event_loop.hpp>
#include <aio/core/sleep.hpp>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include <sched.h>
#include <unistd.h>

namespace aio {

namespace detail {

loop_impl::loop_impl(event_loop& loop, const run_options& opts) : m_loop(loop), m_opts(opts) {
    m_slow = opts.slow_callback_duration;
    if (opts.timeline || env_flag("AIO_TIMELINE") || trace_path()) {
        m_trace = std::make_unique<trace_recorder>();
    }
}

loop_impl::~loop_impl() = default;

void loop_impl::run_task(promise_base* t) noexcept {
    promise_base* prev = t_current;
    t_current = t;
    if (!t->has(promise_base::f_ran)) {
        t->m_flags |= promise_base::f_ran;
        if (t->cancel_pending()) {
            // Cancelled before its first step: the body never runs (asyncio semantics).
            t->m_exception = std::make_exception_ptr(cancelled_error());
            t->finish_root(t->m_link);
            t_current = prev;
            return;
        }
    }
    if (!m_loop.m_debug && !m_trace) {
        t->m_link.resume();
    } else {
        // Keep the frame alive across the step so we can name it afterwards.
        t->add_ref();
        const auto t0 = clock::now();
        if (m_trace)
            m_trace->on_step_begin(*t);
        t->m_link.resume();
        if (m_trace)
            m_trace->on_step_end(t->m_id);
        const auto took = clock::now() - t0;
        if (m_loop.m_debug && took > m_slow) {
            report_slow_step(*t, took);
        }
        t_current = nullptr; // release may run destructors that must not see this task
        t->release();
    }
    t_current = prev;
}

void loop_impl::report_slow_step(const promise_base& t, clock::duration took) noexcept {
    try {
        // The task's coroutine and the user's line that created it (a library-internal
        // start, such as gather's children, has no creation site: line 0), then where it
        // suspended after the step: the blocking code ran in or below those frames.
        std::string where, coroutine;
        if (const task_debug* d = debug_info(t)) {
            if (d->where.line() != 0)
                where = std::string(" (created at ") + d->where.file_name() + ":" +
                        std::to_string(d->where.line()) + ")";
            coroutine = frame_description(d->frame);
        }
        std::string msg =
            "aio: task '" + t.name() + "'" + where + " ran for " +
            std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(took).count()) +
            " ms without suspending (blocking call or CPU-heavy code? use "
            "aio::to_thread)";
        if (!coroutine.empty())
            msg += "; coroutine " + coroutine;
        if (!t.done()) {
            // One line (logs grep it): "...; then waiting at F:L; in f (F:L); in g (F:L)".
            std::string chain = await_chain(t, "");
            for (std::size_t p = 0; (p = chain.find('\n', p)) != std::string::npos;)
                chain.replace(p, 1, "; ");
            if (!chain.empty())
                msg += "; then " + chain.substr(0, chain.size() - 2);
        }
        m_loop.report(msg);
    } catch (...) {
    }
}

namespace {
constexpr int ready_budget = 256;
} // namespace

void loop_impl::run_once() {
    event_loop& L = m_loop;
    backend& io = *L.m_backend;
    std::int64_t timeout = -1;
    const bool remote = m_remote_pending.load(std::memory_order_relaxed);
    if (L.m_head || remote) {
        timeout = 0;
    } else if (!L.m_timers.empty()) {
        const auto now = m_opts.virtual_time ? L.m_now : clock::now();
        const auto d = L.m_timers.front().deadline - now;
        timeout = std::max<std::int64_t>(0, d.count());
    }
    if (m_opts.virtual_time && timeout != 0 && io.inflight() == 0 && jobs_away() == 0 &&
        !L.m_timers.empty()) {
        // Nothing can happen before the next timer: jump the clock there.
        L.m_now = std::max(L.m_now, L.m_timers.front().deadline);
        timeout = 0;
    }
    if (m_opts.virtual_time) {
        // Virtual time never runs slower than real time: time spent blocked on real I/O or
        // thread work advances it too.
        if (timeout != 0 || io.inflight() > 0) {
            const auto t0 = clock::now();
            io.poll(timeout);
            L.m_now += clock::now() - t0;
        }
    } else {
        if (timeout != 0 || io.inflight() > 0)
            io.poll(timeout);
        L.m_now = clock::now();
    }

    fire_due_timers();

    if (m_remote_pending.load(std::memory_order_relaxed) &&
        m_remote_pending.exchange(false, std::memory_order_acq_rel)) {
        work_item* posted = nullptr;
        {
            std::lock_guard lock(m_mutex);
            posted = std::exchange(m_posted, nullptr);
        }
        // Posted items were pushed LIFO; reverse to run them in arrival order.
        work_item* in_order = nullptr;
        while (posted) {
            work_item* next = posted->m_next;
            posted->m_next = in_order;
            in_order = posted;
            posted = next;
        }
        while (in_order) {
            work_item* next = in_order->m_next;
            L.schedule(in_order);
            in_order = next;
        }
    }

    // Run the ready work in batches, FIFO, up to a budget of items per call. A batch is
    // what was ready when it began: work made ready meanwhile (a yield, a wake-up) waits
    // for the next batch, and a timer found due between batches ends the turn, so a due
    // timer never waits behind more than one batch of work (asyncio: one iteration). FIFO keeps
    // asyncio's guarantee that sleep(0s) lets every other ready task run first. I/O is
    // polled when the budget is spent or nothing is ready (tokio polls every 61 tasks):
    // a poll per batch would cost two tasks that hand work back and forth a clock read
    // and a backend call per switch. A root task that already ran, with no debug or trace,
    // is resumed right here (what run_root does first, without the call).
    const bool plain = !L.m_debug && !m_trace;
    promise_base* const outer = t_current;
    int budget = ready_budget;
    while (L.m_head) {
        work_item* batch = L.m_head;
        work_item** const batch_tail = L.m_tail;
        L.m_head = nullptr;
        L.m_tail = &L.m_head;
        for (; batch; --budget) {
            if (budget == 0) {
                // Over budget: the rest of the batch goes back in front of the newer work.
                *batch_tail = L.m_head;
                if (!L.m_head)
                    L.m_tail = batch_tail;
                L.m_head = batch;
                return;
            }
            work_item* w = batch;
            batch = w->m_next;
            if (w->m_run == &run_root && plain) {
                auto* t = static_cast<promise_base*>(w);
                if (t->has(promise_base::f_ran)) [[likely]] {
                    t_current = t;
                    t->m_link.resume();
                    t_current = outer;
                    continue;
                }
            }
            w->m_run(w);
        }
        // A timer due now ends the turn: the next one polls I/O, then fires it (asyncio's
        // order: I/O events, then timers, then the ready work, in every iteration).
        if (!L.m_timers.empty()) {
            if (!m_opts.virtual_time)
                L.m_now = clock::now();
            if (L.m_timers.front().deadline <= L.m_now)
                return;
        }
    }
}

void loop_impl::fire_due_timers() noexcept {
    event_loop& L = m_loop;
    while (!L.m_timers.empty() && L.m_timers.front().deadline <= L.m_now) {
        timer_node* t = L.m_timers.front().node;
        L.cancel_timer(*t);
        t->m_fire(t);
    }
}

void loop_impl::post_threadsafe(work_item* w) noexcept {
    // Once `w` is in the list the loop may take it, run it, end and be destroyed, while
    // this thread still reads the flag and wakes the backend. m_posting keeps the loop
    // alive until then: it is raised in the same critical section that publishes `w` (so
    // before the loop can see `w`), and ~event_loop waits for it to drop to zero. The
    // release decrement is this thread's last access to the loop; the destructor's acquire
    // load orders every access before it. (Waking under the lock instead costs the
    // sequential to_thread round trip an extra context switch: the woken loop blocks on the
    // lock until the poster's syscall returns. See docs/design/threads.md.)
    {
        std::lock_guard lock(m_mutex);
        m_posting.fetch_add(1, std::memory_order_relaxed); // published by the unlock
        w->m_next = m_posted;
        m_posted = w;
    }
    // Release pairs with the acquire in run_once, which then takes the list under the lock.
    if (!m_remote_pending.exchange(true, std::memory_order_acq_rel))
        m_loop.m_backend->wake();
    m_posting.fetch_sub(1, std::memory_order_release);
}

namespace {
void run_callback(work_item* w) noexcept {
    auto* c = static_cast<callback_item*>(w);
    if (c->token)
        c->token->item = nullptr; // running: too late to cancel
    try {
        if (c->fn) // null: cancelled after its timer fired, before it ran
            c->fn();
    } catch (const std::exception& e) {
        static_cast<event_loop*>(t_loop)->report(std::string("aio: exception in callback: ") +
                                                 e.what());
    }
    delete c;
}
void fire_callback(timer_node* t) noexcept {
    auto* c = static_cast<callback_item*>(t);
    t_loop->schedule(c);
}
} // namespace

} // namespace detail

namespace {
[[noreturn]] void throw_nested_run() {
    throw runtime_error("aio::run() cannot be called while an event loop is running on this "
                        "thread; co_await the task instead");
}
} // namespace

event_loop::event_loop(const run_options& opts) {
    if (detail::t_loop)
        throw_nested_run(); // before building a ring for nothing
    std::string note;
    m_backend = detail::make_backend(opts.backend, &note, detail::batch_window_us(opts));
    if (!m_backend) {
        throw runtime_error(
            "aio: unknown I/O backend '" +
            std::string(opts.backend.empty() ? std::getenv("AIO_BACKEND") : opts.backend) +
            "' (expected io_uring or epoll)");
    }
    m_io = m_backend.get();
    m_impl = std::make_unique<detail::loop_impl>(*this, opts);
    m_debug = opts.debug || detail::env_flag("AIO_DEBUG");
    if (m_debug)
        m_impl->m_sites = std::make_unique<detail::debug_sites>();
    m_trace = m_impl->m_trace != nullptr;
    m_virtual = opts.virtual_time;
    m_now = detail::clock::now();
    // Like CPython: a write to a closed pipe or socket is an EPIPE error, not a process kill.
    struct sigaction sa {};
    if (::sigaction(SIGPIPE, nullptr, &sa) == 0 && sa.sa_handler == SIG_DFL) {
        std::signal(SIGPIPE, SIG_IGN);
    }
    if (m_debug && !note.empty())
        report(note);
}

event_loop::~event_loop() {
    // A thread still inside post_threadsafe finishes (its wake-up included) before the
    // backend goes: it is between publishing an item this loop took and its last access,
    // a few instructions and one eventfd write.
    while (m_impl->m_posting.load(std::memory_order_acquire) != 0)
        ::sched_yield();
    detail::work_item* posted = nullptr;
    {
        std::lock_guard lock(m_impl->m_mutex);
        posted = std::exchange(m_impl->m_posted, nullptr);
    }
    // Callbacks never run (the loop ended first, or they were posted after its last turn)
    // are freed, not leaked.
    const auto free_callbacks = [](detail::work_item* w) {
        while (w) {
            detail::work_item* next = w->m_next;
            if (w->m_run == &detail::run_callback)
                detail::callback_item::destroy(static_cast<detail::callback_item*>(w));
            w = next;
        }
    };
    free_callbacks(std::exchange(m_head, nullptr));
    free_callbacks(posted);
    for (const detail::timer_entry& e : m_timers) {
        detail::timer_node* t = e.node;
        if (t->m_fire == &detail::fire_callback)
            detail::callback_item::destroy(static_cast<detail::callback_item*>(t));
    }
    m_timers.clear();
}

void event_loop::run_main(detail::promise_base* main, const aio::source_location& where) {
    if (detail::t_loop)
        throw_nested_run();
    detail::t_loop = this;
    struct reset {
        ~reset() {
            detail::t_loop = nullptr;
            detail::t_current = nullptr;
        }
    } r;
    detail::debug_sites* const sites = m_impl->m_sites.get();
    detail::t_debug_sites = sites;
    struct reset_sites {
        ~reset_sites() { detail::t_debug_sites = nullptr; }
    } rs;
    detail::sigint_scope sigint(*m_impl);
    detail::dump_signal_scope dump_signal(*m_impl);
    main->start_root("main", where);
    while (!main->done()) {
        m_impl->run_once();
        if (sites) [[unlikely]]
            dump_signal.check();
        if (m_impl->m_stop) {
            m_impl->m_stop = false;
            main->cancel();
        }
        sigint.check(main);
    }
    // asyncio.run: cancel every remaining task and let it unwind; wait for thread work and
    // for detached work, which is told to stop in the same sweep (as a task would be: a
    // shielded task waiting for it must not keep the loop alive).
    while (!m_tasks.empty() || m_impl->jobs_away() > 0 || m_head || m_detached_busy) {
        // cancel() never unlinks synchronously, so indexing stays valid in this loop.
        for (std::size_t i = 0; i < m_tasks.size(); ++i) {
            if (!m_tasks[i]->has(detail::promise_base::f_cancel))
                m_tasks[i]->cancel();
        }
        // A hook may end its own work (and only that) synchronously.
        for (detail::detached_work* w = m_detached.front(); w;) {
            detail::detached_work* next = m_detached.next(w);
            if (w->m_dbusy && !w->m_shutdown_called) {
                w->m_shutdown_called = true;
                w->m_shutdown(w);
            }
            w = next;
        }
        m_impl->run_once();
    }
    if (m_impl->m_trace) {
        if (const char* path = detail::trace_path()) {
            if (!m_impl->m_trace->write_chrome_json(path)) {
                report(std::string("aio: cannot write trace file ") + path);
            }
        }
        if (m_impl->m_opts.timeline || detail::env_flag("AIO_TIMELINE")) {
            m_impl->m_trace->render_timeline(std::cerr);
        }
    }
    sigint.finish(main);
}

void event_loop::call_soon(std::function<void()> fn) {
    auto* c = new detail::callback_item;
    c->fn = std::move(fn);
    c->m_run = &detail::run_callback;
    schedule(c);
}

timer_handle event_loop::call_later(std::chrono::nanoseconds delay, std::function<void()> fn) {
    return call_at(refresh_now() + std::chrono::duration_cast<detail::clock::duration>(delay),
                   std::move(fn));
}

timer_handle event_loop::call_at(std::chrono::steady_clock::time_point when,
                                 std::function<void()> fn) {
    auto token = std::make_shared<detail::timer_token>();
    auto* c = new detail::callback_item;
    c->fn = std::move(fn);
    c->m_run = &detail::run_callback;
    c->m_fire = &detail::fire_callback;
    c->m_deadline = when;
    c->token = token;
    token->item = c;
    token->when = when;
    add_timer(*c);
    return timer_handle(std::move(token));
}

bool timer_handle::cancel() noexcept {
    if (!m_t || !m_t->item)
        return false;
    detail::callback_item* c = std::exchange(m_t->item, nullptr);
    m_t->cancelled = true;
    if (c->armed()) {
        detail::t_loop->cancel_timer(*c);
        delete c;
    } else {
        c->fn = nullptr; // already in the ready queue: run_callback skips it and frees it
    }
    return true;
}

bool timer_handle::cancelled() const noexcept {
    return m_t && m_t->cancelled;
}

std::chrono::steady_clock::time_point timer_handle::when() const noexcept {
    return m_t ? m_t->when : std::chrono::steady_clock::time_point{};
}

void event_loop::call_soon_threadsafe(std::function<void()> fn) {
    auto* c = new detail::callback_item;
    c->fn = std::move(fn);
    c->m_run = &detail::run_callback;
    m_impl->post_threadsafe(c);
}

void event_loop::stop() noexcept {
    m_impl->m_stop = true;
}

std::string_view event_loop::backend_name() const noexcept {
    return m_backend->name();
}

void event_loop::set_exception_handler(std::function<void(std::string_view)> handler) {
    m_impl->m_handler = std::move(handler);
}

void event_loop::report(std::string_view message) noexcept {
    try {
        if (m_impl && m_impl->m_handler) {
            m_impl->m_handler(message);
            return;
        }
    } catch (...) {
    }
    std::fprintf(stderr, "%.*s\n", static_cast<int>(message.size()), message.data());
}

event_loop& get_running_loop() {
    if (!detail::t_loop) {
        throw runtime_error("aio: no running event loop on this thread (start one with aio::run)");
    }
    return *static_cast<event_loop*>(detail::t_loop);
}

} // namespace aio
