// aio::net::stream: closing (graceful close, linger, abort, release of the transport).
// See stream.cpp for the design.
#include "net/fd_transport.hpp"
#include "net/stream_ops.hpp"
#include "net/stream_state.hpp"

#include <aio/core/shield.hpp>
#include <aio/core/task_handle.hpp>

#include <algorithm>
#include <cstring>
#include <new>
#include <optional>
#include <string>
#include <type_traits>

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

namespace aio::net {

namespace detail {

task<void> wait_released(state_ref r) {
    stream_state* s = r.get();
    while (!s->m_released)
        co_await s->m_changed.wait();
}

task<void> do_close(state_ref r) {
    stream_state* s = r.get();
    if (s->m_closing) {
        co_await wait_released(state_ref(s));
        co_return;
    }
    s->m_closing = true;
    std::exception_ptr cancelled;
    try {
        while (s->m_writing && !s->m_aborted)
            co_await s->m_changed.wait(); // drain
        while (s->m_reading && !s->m_aborted) {
            s->interrupt_read(); // the reader sees EOF
            co_await s->m_changed.wait();
        }
        if (!s->m_aborted && s->m_t) {
            s->m_closing_io = true;
            try {
                co_await s->m_t->close();
            } catch (const cancelled_error&) {
                cancelled = std::current_exception();
            } catch (...) {
                // A failed goodbye still closes: the transport released its resources.
            }
            s->m_closing_io = false;
        }
    } catch (const cancelled_error&) {
        cancelled = std::current_exception();
    }
    s->drop_output();
    s->abort(); // releases now unless a call is still in flight
    if (!s->m_released)
        co_await shield(wait_released(state_ref(s)));
    if (cancelled)
        std::rethrow_exception(cancelled);
}

void stream_state::on_loop_shutdown(aio::detail::detached_work* w) noexcept {
    // No task is left that could wait for the queue: discard it, as for the flusher task.
    static_cast<send_op*>(w)->m_owner->abort();
}

void stream_state::linger() noexcept {
    const bool sending = m_send.m_busy || m_flusher;
    if (m_released || m_aborted || !sending || m_linger.count() <= 0 || !aio::detail::t_loop) {
        abort();
        return;
    }
    // Like close() without a caller to wait: no more writes, readers see EOF, the sender
    // goes on; end_linger() releases the transport when it ends.
    m_closing = true;
    m_lingering = true;
    // Readers see EOF. The fd sender is not one of the fd transport's own operations, so
    // this spares it; a TLS transport's cancel_io would also stop the flusher's write, so
    // there the reader is interrupted when the flusher is done (end_linger).
    if (m_reading && m_fd_t)
        interrupt_read();
    aio::detail::loop_core& loop = *aio::detail::t_loop;
    m_linger_timer.m_deadline =
        loop.refresh_now() + std::chrono::duration_cast<aio::detail::clock::duration>(m_linger);
    loop.add_timer(m_linger_timer);
    changed();
}

void stream_state::stop_lingering() noexcept {
    m_lingering = false;
    aio::detail::t_loop->cancel_timer(m_linger_timer); // no-op when it is the one firing
    m_aborted = true; // nothing left to send: maybe_release() may now close
    if (m_reading)
        interrupt_read(); // the reader sees EOF and leaves, then the transport goes
}

void stream_state::on_linger_timeout(aio::detail::timer_node* t) noexcept {
    static_cast<linger_timer*>(t)->m_owner->abort(); // the sender ends, then end_linger()
}

void stream_state::drop_output() noexcept {
    m_pending.clear();
    if (!m_flusher && !m_send.m_busy) {
        m_sending.clear();
        m_send_pos = 0;
    }
}

void stream_state::abort() noexcept {
    if (m_released)
        return;
    m_closing = true;
    m_aborted = true;
    drop_output();
    if (m_flusher) {
        m_flusher->cancel();
    } else if (m_send.m_busy) {
        m_send.m_backend->cancel(m_send);
    } else if (m_writing && m_t) {
        m_t->cancel_io();
    }
    if (m_reading)
        interrupt_read();
    maybe_release();
    changed();
}

void stream_state::release_if_idle() noexcept {
    if (!m_released && !m_reading && !m_writing && !m_closing_io) {
        m_t.reset();
        m_fd_t = nullptr;
        m_send_direct = false;
        m_released = true;
        changed();
    }
}

} // namespace detail

using detail::state_ref;

} // namespace aio::net
