#include <aio/sync/detail/wait_list.hpp>

namespace aio::detail {

namespace {
void waiter_cancelled(parking* p) noexcept {
    auto* w = static_cast<waiter*>(p);
    w->m_list->remove(*w);
    w->wake_cancelled();
}
} // namespace

bool waiter::park_on(wait_list& list, std::coroutine_handle<> h) {
    if (!begin_park(h, &waiter_cancelled)) return false;
    m_list = &list;
    list.push_back(*this);
    return true;
}

void wait_list::push_back(waiter& w) noexcept {
    w.m_next = nullptr;
    w.m_prev = m_tail;
    (m_tail ? m_tail->m_next : m_head) = &w;
    m_tail = &w;
    ++m_size;
}

void wait_list::remove(waiter& w) noexcept {
    (w.m_prev ? w.m_prev->m_next : m_head) = w.m_next;
    (w.m_next ? w.m_next->m_prev : m_tail) = w.m_prev;
    w.m_prev = w.m_next = nullptr;
    --m_size;
}

waiter* wait_list::pop_front() noexcept {
    waiter* w = m_head;
    if (w) remove(*w);
    return w;
}

bool wait_list::wake_one() noexcept {
    waiter* w = pop_front();
    if (!w) return false;
    w->wake();
    return true;
}

void wait_list::wake_all(bool fail) noexcept {
    while (waiter* w = pop_front()) {
        w->m_failed = fail;
        w->wake();
    }
}

} // namespace aio::detail
