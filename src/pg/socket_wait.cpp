#include "pg/socket_wait.hpp"

#include <aio/core/detail/loop_core.hpp>

#include <cerrno>

#include <poll.h>

namespace aio::pg::detail {

socket_wait::socket_wait(int fd, bool read, bool write) noexcept : m_want{read, write} {
    for (int i = 0; i < 2; ++i) {
        m_items[i].m_kind = aio::detail::op_kind::poll;
        m_items[i].m_fd = fd;
        m_items[i].m_len = i == 0 ? (POLLIN | POLLPRI | POLLRDHUP) : POLLOUT;
        m_items[i].m_owner = this;
        m_items[i].m_slot = i;
        m_items[i].m_complete = &on_complete;
    }
}

bool socket_wait::await_suspend(std::coroutine_handle<> h) {
    if (!begin_park(h, &on_cancel))
        return false;
    m_backend = &aio::detail::t_loop->io_backend();
    for (int i = 0; i < 2; ++i) {
        if (m_want[i])
            ++m_outstanding;
    }
    for (int i = 0; i < 2; ++i) {
        if (m_want[i])
            m_backend->submit(m_items[i]); // completes later, never inline
    }
    return true;
}

void socket_wait::trigger() noexcept {
    if (m_triggered)
        return;
    m_triggered = true;
    if (!m_backend)
        return; // not submitted yet: nothing to cancel
    for (int i = 0; i < 2; ++i) {
        if (m_want[i] && m_revents[i] == 0)
            m_backend->cancel(m_items[i]);
    }
}

void socket_wait::maybe_wake() noexcept {
    if (m_outstanding == 0 && m_triggered && !m_woken && m_task) {
        m_woken = true;
        wake();
    }
}

void socket_wait::on_complete(aio::detail::io_op* op) noexcept {
    auto* it = static_cast<item*>(op);
    socket_wait* w = it->m_owner;
    --w->m_outstanding;
    if (op->m_result > 0) {
        w->m_revents[it->m_slot] = op->m_result;
    } else if (op->m_result < 0 && op->m_result != -ECANCELED) {
        w->m_error = -op->m_result;
        w->m_revents[it->m_slot] = POLLERR; // let libpq find out what is wrong
    }
    w->trigger();
    w->maybe_wake();
}

void socket_wait::on_cancel(aio::detail::parking* p) noexcept {
    auto* w = static_cast<socket_wait*>(p);
    w->m_cancelled = true;
    w->trigger();
    w->maybe_wake();
}

void socket_wait::interrupt() noexcept {
    trigger();
    maybe_wake();
}

void forget_fd(int fd) noexcept {
    if (fd >= 0 && aio::detail::t_loop)
        aio::detail::t_loop->io_backend().forget_fd(fd);
}

} // namespace aio::pg::detail
