#include <aio/core/task_group.hpp>

#include <optional>

namespace aio {

struct task_group::child : detail::completion_waiter {
    task_group* group = nullptr;
    detail::promise_base* task = nullptr;
    child* prev = nullptr;
    child* next = nullptr;
};

struct child_access {
    static void done(detail::completion_waiter* w) noexcept {
        auto* c = static_cast<task_group::child*>(w);
        c->group->on_child_done(*c);
    }
};

struct task_group::join_awaiter : detail::parking {
    task_group* g;
    explicit join_awaiter(task_group* grp) : g(grp) {}
    bool await_ready() const noexcept { return g->m_running == 0; }
    bool await_suspend(std::coroutine_handle<> h) {
        const bool cancelled = detail::current().cancel_pending();
        force_park(h, [](parking* p) noexcept {
            auto* self = static_cast<join_awaiter*>(p);
            self->m_cancelled = true;
            self->g->cancel();
        });
        g->m_joiner = this;
        if (cancelled) {
            m_cancelled = true;
            g->cancel();
        }
        return true;
    }
    void await_resume() {
        g->m_joiner = nullptr;
        if (g->m_errors.empty()) // children's errors win over a cancel (asyncio)
            throw_if_cancelled();
    }
};

task_group::~task_group() {
    // Children still running are cancelled and detached from this group's bookkeeping.
    while (child* c = m_children) {
        m_children = c->next;
        c->task->remove_waiter(c);
        c->task->cancel();
        c->task->release();
        delete c;
    }
}

void task_group::check_open() const {
    if (m_closed)
        throw invalid_state_error("aio::task_group: spawn after the group was joined");
}

void task_group::adopt(detail::promise_base& t) {
    auto* c = new child;
    c->group = this;
    c->task = &t;
    c->m_notify = &child_access::done;
    t.add_ref();
    t.add_waiter(c);
    c->next = m_children;
    if (m_children)
        m_children->prev = c;
    m_children = c;
    ++m_running;
}

void task_group::on_child_done(child& c) noexcept {
    detail::promise_base* t = c.task;
    if (t->exception() && !t->has(detail::promise_base::f_was_cancelled)) {
        const bool first = m_errors.empty();
        m_errors.push_back(t->exception());
        t->m_flags |= detail::promise_base::f_retrieved; // the group reports it
        if (first) {
            cancel();
            m_body.fire(); // under aio::with: the body stops too
        }
    }
    (c.prev ? c.prev->next : m_children) = c.next;
    if (c.next)
        c.next->prev = c.prev;
    t->release();
    delete &c;
    if (--m_running == 0 && m_joiner)
        m_joiner->wake();
}

void task_group::cancel() noexcept {
    for (child* c = m_children; c; c = c->next)
        c->task->cancel();
}

task<void> task_group::wait_children() {
    co_await join_awaiter(this);
    m_closed = true;
}

task<void> task_group::join() {
    co_await wait_children();
    if (!m_errors.empty())
        throw task_group_error(std::move(m_errors));
}

task<task_group&> task_group::enter() {
    m_body.enter();
    co_return *this;
}

task<void> task_group::exit(std::exception_ptr e) {
    const std::uint16_t depth = m_body.depth();
    const bool entered = m_body.active();
    m_body.exit(); // a cancelled_error our scope caused (a child failed) ends here
    bool cancellation = false;
    if (e) {
        try {
            std::rethrow_exception(e);
        } catch (const cancelled_error&) {
            cancellation = true; // ours, or the task's: never one of the group's errors
        } catch (...) {
        }
        cancel();
    }
    {
        // aio::with runs exit shielded; the join is cancel-safe (a cancel cancels the
        // children and still waits for them), so it runs at the body's shield depth.
        std::optional<detail::unshield_scope> unshield;
        if (entered)
            unshield.emplace(depth);
        co_await wait_children();
    }
    if (m_errors.empty())
        co_return; // with() rethrows the body's exception, if any
    if (e && !cancellation)
        m_errors.push_back(e);
    throw task_group_error(std::move(m_errors));
}

} // namespace aio
