// LISTEN/NOTIFY on a connection: channel subscriptions and the wait for a channel's next
// notification (the pump collects them; see conn_state.hpp for the design).
#include "pg/conn_state.hpp"

#include <aio/core/detail/loop_core.hpp>

#include <algorithm>

namespace aio::pg::detail {

void conn_state::subscribe(const std::string& channel) {
    ++m_channels[channel];
}

void conn_state::unsubscribe(const std::string& channel) noexcept {
    auto it = m_channels.find(channel);
    if (it != m_channels.end() && --it->second == 0)
        m_channels.erase(it);
}

namespace {
struct notify_awaiter : aio::detail::parking {
    conn_state* m_state;
    bool await_ready() const noexcept { return false; }
    bool await_suspend(std::coroutine_handle<> h) {
        if (!begin_park(h, &on_cancel))
            return false;
        m_state->m_notify_waiters.push_back(this);
        return true;
    }
    void await_resume() const { throw_if_cancelled(); }
    static void on_cancel(aio::detail::parking* p) noexcept {
        auto* a = static_cast<notify_awaiter*>(p);
        auto& w = a->m_state->m_notify_waiters;
        w.erase(std::remove(w.begin(), w.end(), p), w.end());
        a->wake_cancelled();
    }
};
} // namespace

task<notification> conn_state::next_notification(const std::string& channel) {
    for (;;) {
        auto it = std::find_if(m_notifications.begin(), m_notifications.end(),
                               [&](const notification& n) { return n.channel == channel; });
        if (it != m_notifications.end()) {
            notification n = std::move(*it);
            m_notifications.erase(it);
            co_return n;
        }
        if (broken())
            throw_broken();
        notify_awaiter a;
        a.m_state = this;
        co_await a;
    }
}

} // namespace aio::pg::detail
