#include <aio/core/gather.hpp>

namespace aio::detail {

namespace {
void slot_done(completion_waiter* w) noexcept {
    auto* s = static_cast<gather_slot*>(w);
    s->m_core->on_child_done(*s);
}
void gather_cancel(parking* p) noexcept {
    // Cancel every child; the caller resumes when the last one has finished.
    auto* g = static_cast<gather_core*>(p);
    g->m_cancelled = true;
    g->cancel_children();
}
} // namespace

gather_core::~gather_core() {
    for (std::size_t i = 0; i < m_count; ++i) {
        promise_base* c = m_slots[i].m_child;
        if (!c)
            continue;
        if (!c->done())
            c->remove_waiter(&m_slots[i]); // only on abnormal teardown
        c->release();
    }
}

void gather_core::start(std::size_t i, promise_base& child, bool running) {
    gather_slot& s = m_slots[i];
    s.m_core = this;
    s.m_child = &child;
    s.m_notify = &slot_done;
    child.add_ref();
    ++m_remaining;
    if (!running) {
        child.start_root({}, aio::source_location{}); // no user site: reports name the coroutine
    } else if (child.done()) {
        on_child_done(s); // a handle of a finished task: settled already
        return;
    }
    child.add_waiter(&s);
}

bool gather_core::await_suspend(std::coroutine_handle<> h) {
    // Park even when already cancelled: the children must be cancelled and awaited.
    const bool cancelled = current().cancel_pending();
    force_park(h, &gather_cancel);
    m_parked = true;
    if (m_first_error != static_cast<std::size_t>(-1))
        cancel_children(); // a handle's task had failed before the later children started
    if (cancelled) {
        m_cancelled = true;
        cancel_children();
    }
    return true;
}

void gather_core::await_resume() {
    throw_if_cancelled();
    if (!m_settled && m_first_error != static_cast<std::size_t>(-1)) {
        m_slots[m_first_error].m_child->rethrow_if_failed();
    }
}

void gather_core::on_child_done(gather_slot& s) noexcept {
    if (!m_settled && s.m_child->exception() && m_first_error == static_cast<std::size_t>(-1)) {
        m_first_error = static_cast<std::size_t>(&s - m_slots);
        cancel_children();
    }
    if (--m_remaining == 0 && m_parked)
        wake();
}

void gather_core::cancel_children() noexcept {
    for (std::size_t i = 0; i < m_count; ++i) {
        if (promise_base* c = m_slots[i].m_child; c && !c->done())
            c->cancel();
    }
}

} // namespace aio::detail
