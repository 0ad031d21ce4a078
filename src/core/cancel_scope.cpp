// Fired cancel scopes, kept per task by the loop (see include/aio/core/detail/cancel_scope.hpp).
#include "core/loop_impl.hpp"

#include <aio/core/detail/cancel_scope.hpp>

namespace aio::detail {

namespace {
std::unordered_map<const promise_base*, cancel_scope*>& fired_scopes() noexcept {
    return static_cast<event_loop*>(t_loop)->impl().m_fired_scopes;
}
} // namespace

void cancel_scope::fire() noexcept {
    if (!m_task || m_fired)
        return;
    m_fired = true;
    cancel_scope*& head = fired_scopes()[m_task];
    m_next_fired = head;
    head = this;
    m_task->m_flags |= promise_base::f_scope_cancel;
    m_task->interrupt();
}

void cancel_scope::forget() noexcept {
    auto& scopes = fired_scopes();
    const auto it = scopes.find(m_task);
    if (it == scopes.end())
        return;
    for (cancel_scope** p = &it->second; *p; p = &(*p)->m_next_fired) {
        if (*p == this) {
            *p = m_next_fired;
            break;
        }
    }
    m_next_fired = nullptr;
    if (!it->second) {
        scopes.erase(it);
        m_task->m_flags &= static_cast<std::uint16_t>(~promise_base::f_scope_cancel);
    }
}

bool promise_base::scope_cancel_pending() const noexcept {
    if (!has(f_scope_cancel) || !t_loop)
        return false;
    const auto& scopes = fired_scopes();
    const auto it = scopes.find(this);
    if (it == scopes.end())
        return false;
    // A fired scope applies unless a shield was raised inside it.
    for (const cancel_scope* s = it->second; s; s = s->m_next_fired) {
        if (m_shield <= s->depth())
            return true;
    }
    return false;
}

} // namespace aio::detail
