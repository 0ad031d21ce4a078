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
    if (!begin_park(h, &waiter_cancelled))
        return false;
    m_list = &list;
    list.push_back(*this);
    return true;
}

void wait_list::wake_all() noexcept {
    while (waiter* w = pop_front())
        w->wake();
}

void wait_list::fail_all() noexcept {
    while (waiter* w = pop_front()) {
        w->m_failed = true;
        w->wake();
    }
}

} // namespace aio::detail
