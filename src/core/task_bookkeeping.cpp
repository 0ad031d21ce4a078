// asyncio's Task bookkeeping on task_ref: cancel(msg), set_name, exception(),
// add_done_callback, all_tasks(); and the message a cancelled_error takes from its task.
#include "core/loop_impl.hpp"

#include <aio/core/event_loop.hpp>
#include <aio/core/task_handle.hpp>

namespace aio::detail {

namespace {

/// The task's debug entry, created if it has none (an unnamed task in a release loop).
task_debug& debug_entry(promise_base& t) {
    auto& m = static_cast<event_loop*>(t_loop)->impl().m_debug_info;
    if (t.has(promise_base::f_has_debug))
        return m[t.m_id];
    t.m_flags |= promise_base::f_has_debug;
    return m.emplace(t.m_id, task_debug{}).first->second;
}

/// A done callback waiting for its task: freed once it has run (or with the loop).
struct done_callback : completion_waiter {
    promise_base* task = nullptr;
    std::function<void(task_ref)> fn;
};

void schedule_done_callback(done_callback* c) {
    // Through call_soon, as asyncio: the callback runs at a loop turn of its own, after the
    // task's awaiters were woken, and its exception goes to the loop's handler.
    static_cast<event_loop*>(t_loop)->call_soon(
        [ref = task_ref(c->task), fn = std::move(c->fn)] { fn(ref); });
    delete c;
}

void on_task_done(completion_waiter* w) noexcept {
    auto* c = static_cast<done_callback*>(w);
    try {
        schedule_done_callback(c);
    } catch (const std::exception& e) { // std::bad_alloc
        static_cast<event_loop*>(t_loop)->report(
            std::string("aio: cannot schedule a done callback: ") + e.what());
        delete c;
    }
}

loop_core& loop_for(const char* what) {
    if (!t_loop)
        throw runtime_error(std::string("aio::") + what +
                            ": no event loop runs on this thread (call it from a task)");
    return *t_loop;
}

} // namespace

void throw_result_not_ready(const char* what) {
    throw invalid_state_error(std::string("aio::task_handle::") + what +
                              "(): the task has not finished yet (co_await it, or check "
                              "done() first)");
}

} // namespace aio::detail

namespace aio {

namespace {
/// The message of the running task's cancel(message), or asyncio's default.
std::string cancel_message() {
    using detail::promise_base;
    const promise_base* t = detail::t_current;
    if (t && t->has(promise_base::f_cancel_msg)) {
        if (const detail::task_debug* d = detail::debug_info(*t); d && !d->cancel_message.empty())
            return d->cancel_message;
    }
    return "task was cancelled";
}
} // namespace

cancelled_error::cancelled_error() : error(cancel_message()) {}

bool task_ref::cancel(std::string_view message) {
    if (!m_p || m_p->done())
        return false;
    if (!message.empty() && !m_p->has(detail::promise_base::f_cancel_msg)) {
        detail::loop_for("task_ref::cancel");
        detail::debug_entry(*m_p).cancel_message = std::string(message);
        m_p->m_flags |= detail::promise_base::f_cancel_msg;
    }
    m_p->cancel();
    return true;
}

void task_ref::set_name(std::string_view name) {
    if (!m_p)
        throw invalid_state_error("aio::task_ref::set_name: an empty task_ref has no task");
    detail::loop_for("task_ref::set_name");
    detail::debug_entry(*m_p).name = std::string(name);
}

std::exception_ptr task_ref::exception() const {
    if (!m_p)
        throw invalid_state_error("aio::task_ref::exception: an empty task_ref has no task");
    if (!m_p->done())
        detail::throw_result_not_ready("exception");
    if (m_p->has(detail::promise_base::f_was_cancelled))
        m_p->rethrow_if_failed(); // the cancelled_error, with its message
    m_p->m_flags |= detail::promise_base::f_retrieved;
    return m_p->exception();
}

void task_ref::add_done_callback(std::function<void(task_ref)> fn) const {
    if (!m_p)
        throw invalid_state_error(
            "aio::task_ref::add_done_callback: an empty task_ref has no task");
    if (!fn)
        throw std::invalid_argument("aio::task_ref::add_done_callback: empty callback");
    detail::loop_for("task_ref::add_done_callback");
    auto* c = new detail::done_callback;
    c->task = m_p;
    c->fn = std::move(fn);
    c->m_notify = &detail::on_task_done;
    if (m_p->done()) {
        try {
            detail::schedule_done_callback(c);
        } catch (...) {
            delete c;
            throw;
        }
        return;
    }
    m_p->add_waiter(c);
}

std::vector<task_ref> all_tasks() {
    auto& loop = static_cast<event_loop&>(detail::loop_for("all_tasks"));
    std::vector<task_ref> out;
    for (detail::promise_base* t : loop.live_roots())
        if (!t->done())
            out.emplace_back(t);
    return out;
}

} // namespace aio
