#include <aio/core/as_completed.hpp>

namespace aio::detail {

namespace {
void slot_done(completion_waiter* w) noexcept {
    auto* s = static_cast<completion_slot*>(w);
    s->m_queue->on_done(*s);
}
void next_cancelled(parking* p) noexcept {
    // The consumer stops waiting; the tasks keep running (and stay in the queue).
    auto* q = static_cast<completion_queue*>(p);
    q->wake_cancelled();
}
} // namespace

completion_queue::completion_queue(std::size_t n)
    : m_slots(std::make_unique<completion_slot[]>(n)), m_count(n) {}

completion_queue::~completion_queue() {
    for (std::size_t i = 0; i < m_count; ++i) {
        completion_slot& s = m_slots[i];
        if (s.m_task && !s.m_task->done())
            s.m_task->remove_waiter(&s);
    }
}

void completion_queue::watch(std::size_t i, promise_base& t) {
    completion_slot& s = m_slots[i];
    s.m_queue = this;
    s.m_task = &t;
    s.m_notify = &slot_done;
    ++m_pending;
    if (t.done()) { // already finished: it is the next to hand out
        m_done.push_back(i);
        return;
    }
    t.add_waiter(&s);
}

void completion_queue::on_done(completion_slot& s) noexcept {
    m_done.push_back(static_cast<std::size_t>(&s - m_slots.get()));
    if (m_waiting) {
        m_waiting = false;
        wake();
    }
}

bool completion_queue::next_awaiter::await_suspend(std::coroutine_handle<> h) {
    q->m_cancelled = false;
    if (!q->begin_park(h, &next_cancelled))
        return false;
    q->m_waiting = true;
    return true;
}

std::size_t completion_queue::next_awaiter::await_resume() {
    if (q->m_cancelled) {
        q->m_waiting = false;
        q->m_cancelled = false;
        throw cancelled_error();
    }
    if (q->m_done.empty())
        return npos;
    const std::size_t i = q->m_done.front();
    q->m_done.pop_front();
    --q->m_pending;
    return i;
}

} // namespace aio::detail
