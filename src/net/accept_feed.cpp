// accept_feed: io_uring multishot accept (see the header).
//
// Protocol with the backend: every completion carries m_more; the operation stays armed
// (and in flight) until a completion without it. A completion with an fd queues it (or
// closes it at once once a stop was requested); a last completion with an error records it
// for the accept task (not after a stop: that is our own -ECANCELED).
#include "net/accept_feed.hpp"

#include "net/primitives.hpp"

namespace aio::net::detail {

accept_feed::accept_feed(int listen_fd) noexcept {
    m_kind = aio::detail::op_kind::accept_multi;
    m_fd = listen_fd;
    m_complete = &on_complete;
}

accept_feed::~accept_feed() {
    close_ready();
}

int accept_feed::take() noexcept {
    if (m_ready.empty())
        return -1;
    const int fd = m_ready.front();
    m_ready.pop_front();
    return fd;
}

void accept_feed::close_ready() noexcept {
    for (int fd : m_ready)
        close_fd(fd);
    m_ready.clear();
}

void accept_feed::arm() noexcept {
    m_backend = &aio::detail::t_loop->io_backend(); // a task is running: so is its loop
    m_armed = true;
    m_stopping = false;
    m_backend->submit(*this);
}

void accept_feed::stop() noexcept {
    if (m_armed && !m_stopping) {
        m_stopping = true;
        m_backend->cancel(*this);
    }
}

void accept_feed::on_complete(io_op* op) noexcept {
    auto* f = static_cast<accept_feed*>(op);
    const int res = f->m_result;
    if (!f->m_more)
        f->m_armed = false;
    if (res >= 0) {
        if (f->m_stopping)
            close_fd(res); // closing: nobody will take it
        else
            f->m_ready.push_back(res);
    } else if (!f->m_more && !f->m_stopping) {
        f->m_error = res;
    }
    awaiter* w = f->m_waiter;
    if (!w)
        return;
    // next() wakes for an fd or the end; a stopping feed (cancel, drain) only at the end.
    if (!f->m_armed || (!f->m_stopping && !f->m_ready.empty())) {
        f->m_waiter = nullptr;
        w->wake();
    }
}

void accept_feed::on_cancel(aio::detail::parking* p) noexcept {
    // Only a request: the task is woken by the operation's last completion, so the kernel
    // never completes into a frame that is gone.
    auto* a = static_cast<awaiter*>(p);
    a->m_cancelled = true;
    a->m_feed->stop();
}

bool accept_feed::awaiter::await_ready() const noexcept {
    if (m_drain)
        return !m_feed->m_armed;
    return !m_feed->m_ready.empty() || m_feed->m_error != 0;
}

bool accept_feed::awaiter::await_suspend(std::coroutine_handle<> h) {
    accept_feed* f = m_feed;
    if (m_drain) {
        f->stop();
        force_park(h, &on_cancel);
    } else if (!begin_park(h, &on_cancel)) {
        // Already cancelled: nothing may be left in flight, so drain first.
        if (!f->m_armed)
            return false;
        f->stop();
        force_park(h, &on_cancel);
    } else if (!f->m_armed) {
        f->arm();
    }
    f->m_waiter = this;
    return true;
}

void accept_feed::awaiter::await_resume() {
    if (m_drain || m_cancelled) {
        m_feed->close_ready();
        if (!m_drain)
            throw_if_cancelled();
    }
}

} // namespace aio::net::detail
