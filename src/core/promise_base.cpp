// Root-task life cycle, cancellation and parking (see the design block in
// include/aio/core/detail/promise_base.hpp).
#include "core/exception_util.hpp"
#include "core/loop_impl.hpp"
#include "diagnostics/trace.hpp"

#include <aio/core/detail/promise_base.hpp>
#include <aio/core/event_loop.hpp>
#include <aio/core/task_handle.hpp>

#include <cstdio>

namespace aio::detail {

namespace {
event_loop* loop_of() noexcept {
    return static_cast<event_loop*>(t_loop);
}
} // namespace

const task_debug* debug_info(const promise_base& t) noexcept {
    if (!t.has(promise_base::f_has_debug) || !t_loop)
        return nullptr;
    auto& m = loop_of()->impl().m_debug_info;
    auto it = m.find(t.m_id);
    return it == m.end() ? nullptr : &it->second;
}

namespace {

void report_message(const std::string& msg) noexcept {
    if (event_loop* l = loop_of()) {
        l->report(msg);
    } else {
        std::fprintf(stderr, "%s\n", msg.c_str());
    }
}
} // namespace

void promise_base::cancel() noexcept {
    if (done())
        return;
    m_flags |= f_cancel;
    interrupt();
}

void promise_base::release() noexcept {
    if (--m_refs != 0)
        return;
    if (m_exception && !has(f_retrieved) && !has(f_was_cancelled)) {
        report_message("aio: Task exception was never retrieved: task '" + name() +
                       "' failed with: " + describe(m_exception));
    }
    if (has(f_has_debug) && t_loop)
        loop_of()->impl().m_debug_info.erase(m_id);
    m_link.destroy();
}

std::string promise_base::name() const {
    if (const task_debug* d = debug_info(*this); d && !d->name.empty())
        return d->name;
    return "Task-" + std::to_string(m_id);
}

void promise_base::add_waiter(completion_waiter* w) noexcept {
    w->m_next = nullptr;
    completion_waiter** p = &m_waiters;
    while (*p)
        p = &(*p)->m_next;
    *p = w;
}

void promise_base::remove_waiter(completion_waiter* w) noexcept {
    for (completion_waiter** p = &m_waiters; *p; p = &(*p)->m_next) {
        if (*p == w) {
            *p = w->m_next;
            return;
        }
    }
}

void run_root(work_item* w) noexcept {
    auto* t = static_cast<promise_base*>(w);
    event_loop* loop = loop_of();
    // Fast path: a task that already ran, no debug or trace: just resume it.
    if (t->has(promise_base::f_ran) && !loop->debug() && !loop->tracing()) {
        promise_base* prev = std::exchange(t_current, t);
        t->m_link.resume();
        t_current = prev;
        return;
    }
    loop->impl().run_task(t);
}

// Inlined into start_root: a call more per spawned task shows in the callgrind counts.
[[gnu::always_inline]] inline void promise_base::register_root(std::string_view name,
                                                               const aio::source_location& where) {
    event_loop* loop = loop_of();
    if (!loop)
        throw_no_running_task();
    // m_link still holds this frame's own handle: it has never been awaited.
    m_flags |= f_root | f_started;
    m_id = loop->m_next_id++;
    ++m_refs;
    if (!name.empty() || loop->debug() || loop->tracing()) {
        task_debug d;
        d.name = std::string(name);
        d.where = where;
        d.frame = m_link.address();
        loop->impl().m_debug_info.emplace(m_id, std::move(d));
        m_flags |= f_has_debug;
    }
    inherit_context(*this);
    loop->link_task(this);
    m_run = &run_root;
    if (loop->m_trace)
        loop->impl().m_trace->on_create(*this);
}

void promise_base::start_root(std::string_view name, const aio::source_location& where) {
    register_root(name, where);
    t_loop->schedule(this);
}

void promise_base::start_eager(std::string_view name, const aio::source_location& where) {
    register_root(name, where);
    event_loop* loop = loop_of();
    promise_base* parent = t_current;
    // The recorder's steps never nest: the caller's step pauses around the eager one.
    trace_recorder* trace = loop->impl().m_trace.get();
    if (trace && parent)
        trace->on_step_end(parent->m_id);
    loop->impl().run_task(this); // the first step, here; t_current is the caller's again
    if (trace && parent)
        trace->on_step_begin(*parent);
}

void promise_base::finish_root(std::coroutine_handle<> self) noexcept {
    m_link = self;
    m_flags |= f_done;
    if (m_exception && is_cancellation(m_exception))
        m_flags |= f_was_cancelled;
    event_loop* loop = loop_of();
    if (loop->m_trace)
        loop->impl().m_trace->on_finish(*this);
    while (completion_waiter* w = m_waiters) {
        m_waiters = w->m_next;
        w->m_notify(w);
    }
    loop->unlink_task(this);
    if (has(f_has_context))
        drop_context(*this);
    release();
}

void parking::force_park(std::coroutine_handle<> h, void (*cancel)(parking*) noexcept) {
    promise_base* t = t_current;
    if (!t)
        throw_no_running_task();
    m_task = t;
    m_cancel = cancel;
    t->m_link = h;
    t->m_parked = this;
}

void parking::throw_if_cancelled() const {
    if (m_cancelled)
        throw cancelled_error();
}

void check_cancelled() {
    if (current().cancel_pending())
        throw cancelled_error();
}

void throw_no_running_task() {
    throw runtime_error("aio: no running event loop or task on this thread (start one with "
                        "aio::run)");
}

namespace {
void handle_on_done(completion_waiter* w) noexcept {
    static_cast<handle_awaiter*>(w)->wake();
}
void handle_on_cancel(parking* p) noexcept {
    // Propagate to the awaited task (asyncio semantics) and keep waiting for it to end.
    static_cast<handle_awaiter*>(p)->m_target->cancel();
}
} // namespace

bool handle_awaiter::await_suspend(std::coroutine_handle<> h) {
    // Park even when already cancelled: the cancel must reach the awaited task, and we
    // wait for it to end (as gather and task_group do).
    const bool cancelled = current().cancel_pending();
    force_park(h, &handle_on_cancel);
    m_notify = &handle_on_done;
    m_target->add_waiter(this);
    if (cancelled)
        m_target->cancel();
    return true;
}

} // namespace aio::detail

namespace aio {

bool task_ref::cancelled() const noexcept {
    return m_p && m_p->done() && m_p->has(detail::promise_base::f_was_cancelled);
}

task_ref current_task() {
    return task_ref(&detail::current());
}

} // namespace aio
