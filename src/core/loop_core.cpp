// Timer heap and live-task list of the loop.
#include <aio/core/detail/loop_core.hpp>

namespace aio::detail {

namespace {
bool earlier(const timer_entry& a, const timer_entry& b) noexcept {
    // Sequence numbers wrap; the live timers never span 2^31 of them, so the signed
    // difference orders them.
    return a.deadline < b.deadline ||
           (a.deadline == b.deadline && static_cast<std::int32_t>(a.seq - b.seq) < 0);
}
} // namespace

loop_core::loop_core() = default;
loop_core::~loop_core() {
    // Entries outlive the loop only unregistered: their owners must not touch it.
    for (detached_work* w = m_detached.front(); w; w = m_detached.next(w))
        w->m_dloop = nullptr;
}

void loop_core::register_detached(detached_work* w) noexcept {
    if (w->m_dloop)
        w->m_dloop->unregister_detached(w); // another loop's (never busy there now)
    w->m_dloop = this;
    m_detached.push_back(w);
}

void loop_core::unregister_detached(detached_work* w) noexcept {
    m_detached.remove(w);
    w->m_dloop = nullptr;
}

void loop_core::add_timer(timer_node& t) noexcept {
    t.m_index = static_cast<std::uint32_t>(m_timers.size());
    // amortised: the vector only grows to the peak number of armed timers
    m_timers.push_back(timer_entry{t.m_deadline, m_timer_seq++, &t});
    sift_up(t.m_index);
}

void loop_core::cancel_timer(timer_node& t) noexcept {
    if (!t.armed())
        return;
    const std::uint32_t i = t.m_index;
    t.m_index = timer_node::npos;
    const timer_entry last = m_timers.back();
    m_timers.pop_back();
    if (last.node == &t)
        return;
    m_timers[i] = last;
    last.node->m_index = i;
    sift_up(i);
    sift_down(last.node->m_index);
}

void loop_core::sift_up(std::size_t i) noexcept {
    const timer_entry e = m_timers[i];
    while (i > 0) {
        const std::size_t parent = (i - 1) / 2;
        if (!earlier(e, m_timers[parent]))
            break;
        m_timers[i] = m_timers[parent];
        m_timers[i].node->m_index = static_cast<std::uint32_t>(i);
        i = parent;
    }
    m_timers[i] = e;
    e.node->m_index = static_cast<std::uint32_t>(i);
}

void loop_core::sift_down(std::size_t i) noexcept {
    const std::size_t n = m_timers.size();
    const timer_entry e = m_timers[i];
    for (;;) {
        std::size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && earlier(m_timers[c + 1], m_timers[c]))
            ++c;
        if (!earlier(m_timers[c], e))
            break;
        m_timers[i] = m_timers[c];
        m_timers[i].node->m_index = static_cast<std::uint32_t>(i);
        i = c;
    }
    m_timers[i] = e;
    e.node->m_index = static_cast<std::uint32_t>(i);
}

void loop_core::link_task(promise_base* t) noexcept {
    t->m_index = static_cast<std::uint32_t>(m_tasks.size());
    m_tasks.push_back(t);
}

void loop_core::unlink_task(promise_base* t) noexcept {
    promise_base* last = m_tasks.back();
    m_tasks[t->m_index] = last;
    last->m_index = t->m_index;
    m_tasks.pop_back();
}

} // namespace aio::detail
