// Timer heap and live-task list of the loop.
#include <aio/core/detail/loop_core.hpp>

namespace aio::detail {

namespace {
bool earlier(const timer_node* a, const timer_node* b) noexcept {
    // Sequence numbers wrap; the live timers never span 2^31 of them, so the signed
    // difference orders them.
    return a->m_deadline < b->m_deadline ||
           (a->m_deadline == b->m_deadline &&
            static_cast<std::int32_t>(a->m_seq - b->m_seq) < 0);
}
} // namespace

loop_core::loop_core() = default;
loop_core::~loop_core() = default;

void loop_core::add_timer(timer_node& t) noexcept {
    t.m_seq = m_timer_seq++;
    t.m_index = static_cast<std::uint32_t>(m_timers.size());
    m_timers.push_back(&t); // amortised: the vector only grows to the peak timer count
    sift_up(t.m_index);
}

void loop_core::cancel_timer(timer_node& t) noexcept {
    if (!t.armed()) return;
    const std::uint32_t i = t.m_index;
    t.m_index = timer_node::npos;
    timer_node* last = m_timers.back();
    m_timers.pop_back();
    if (last == &t) return;
    m_timers[i] = last;
    last->m_index = i;
    sift_up(i);
    sift_down(last->m_index);
}

void loop_core::sift_up(std::size_t i) noexcept {
    timer_node* t = m_timers[i];
    while (i > 0) {
        std::size_t parent = (i - 1) / 2;
        if (!earlier(t, m_timers[parent])) break;
        m_timers[i] = m_timers[parent];
        m_timers[i]->m_index = static_cast<std::uint32_t>(i);
        i = parent;
    }
    m_timers[i] = t;
    t->m_index = static_cast<std::uint32_t>(i);
}

void loop_core::sift_down(std::size_t i) noexcept {
    const std::size_t n = m_timers.size();
    timer_node* t = m_timers[i];
    for (;;) {
        std::size_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && earlier(m_timers[c + 1], m_timers[c])) ++c;
        if (!earlier(m_timers[c], t)) break;
        m_timers[i] = m_timers[c];
        m_timers[i]->m_index = static_cast<std::uint32_t>(i);
        i = c;
    }
    m_timers[i] = t;
    t->m_index = static_cast<std::uint32_t>(i);
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
