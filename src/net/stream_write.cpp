// aio::net::stream: the write path (inline sends, the queue and its backpressure, the
// sender and the flusher, drain, write_eof). See stream.cpp for the design.
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

namespace {

/// The background sender of a transport that is not a plain fd (TLS): sends m_sending, then
/// m_pending (swapped into m_sending), until nothing is left.
/// Its parameter's destructor does the bookkeeping, so it also runs if the task is
/// cancelled before its first step (the body then never runs).
struct flusher_guard {
    stream_state* m_s;
    explicit flusher_guard(stream_state* s) noexcept : m_s(s) {}
    flusher_guard(flusher_guard&& o) noexcept : m_s(std::exchange(o.m_s, nullptr)) {}
    ~flusher_guard() {
        if (!m_s)
            return;
        stream_state* s = m_s;
        s->m_flusher = nullptr;
        s->m_writing = false;
        s->end_linger();
        if (s->m_aborted || s->m_write_error)
            s->drop_output();
        s->changed();
        s->maybe_release();
        s->release();
    }
};

task<void> flush(flusher_guard g) {
    stream_state* s = g.m_s;
    try {
        while (!s->m_aborted) {
            if (s->m_send_pos == s->m_sending.size()) {
                s->m_sending.clear();
                s->m_send_pos = 0;
                if (s->m_pending.empty())
                    break;
                s->m_sending.swap(s->m_pending);
            }
            const byte_queue& out = s->m_sending;
            const auto* p = reinterpret_cast<const std::byte*>(out.data()) + s->m_send_pos;
            s->m_send_pos += co_await s->m_t->write_some({p, out.size() - s->m_send_pos});
            if (s->write_queued() <= s->m_low)
                s->changed();
        }
    } catch (const cancelled_error&) {
        // abort() or the loop's shutdown: what is queued is discarded (guard).
        s->m_closing = true;
        s->m_aborted = true;
    } catch (...) {
        if (!s->m_aborted)
            s->m_write_error = std::current_exception();
    }
}

task<void> do_write(state_ref r, const char* p, std::size_t n) {
    stream_state* s = r.get();
    while (true) {
        s->check_writable("write");
        if (n == 0)
            co_return;
        if (!s->m_writing && s->m_pending.empty())
            break; // send inline
        if (s->write_queued() + n <= s->m_high) {
            s->m_pending.append(p, n);
            co_return;
        }
        co_await s->m_changed.wait(); // backpressure: nothing was accepted yet
    }

    // Inline: send from the caller's buffer; queue the rest once it fits under the mark.
    s->m_writing = true;
    std::size_t sent = 0;
    std::exception_ptr error;
    bool cancelled = false;
    try {
        while (sent < n) {
            const std::span<const std::byte> rest(reinterpret_cast<const std::byte*>(p) + sent,
                                                  n - sent);
            if (fd_transport* f = s->m_t->as_fd())
                sent += co_await f->write_op(rest);
            else
                sent += co_await s->m_t->write_some(rest);
            if (sent < n && !s->m_aborted && (n - sent) + s->m_pending.size() <= s->m_high) {
                // Others may have queued meanwhile: our bytes go first.
                s->m_pending.prepend(p + sent, n - sent);
                sent = n;
            }
        }
    } catch (const cancelled_error&) {
        cancelled = true;
        error = std::current_exception();
    } catch (...) {
        error = std::current_exception();
    }

    if (!error) {
        if (!s->m_pending.empty() && !s->m_aborted) {
            s->start_flusher(); // it now owns m_writing
            co_return;
        }
        s->m_writing = false;
        if (s->m_aborted)
            s->drop_output();
        s->changed();
        s->maybe_release();
        co_return;
    }

    s->m_writing = false;
    if (cancelled) {
        if (sent > 0 && sent < n && !s->m_write_error) {
            s->m_write_error = std::make_exception_ptr(invalid_state_error(
                "aio::net::stream::write: an earlier write was cancelled after sending " +
                std::to_string(sent) + " of its " + std::to_string(n) +
                " bytes; the peer saw a partial message, so the stream cannot be written to"));
            s->drop_output();
        } else if (!s->m_pending.empty() && !s->m_aborted) {
            s->m_writing = true;
            s->start_flusher(); // other writers' data was accepted: send it
        }
    } else if (s->m_aborted) {
        error = std::make_exception_ptr(
            invalid_state_error("aio::net::stream::write: the stream was closed while writing"));
    } else {
        s->m_write_error = error;
        s->drop_output();
    }
    if (s->m_aborted)
        s->drop_output();
    s->changed();
    s->maybe_release();
    std::rethrow_exception(error);
}

} // namespace

task<void> write_bytes(state_ref r, const char* p, std::size_t n) {
    return do_write(std::move(r), p, n);
}

task<void> do_drain(state_ref r) {
    stream_state* s = r.get();
    while (true) {
        if (s->m_write_error)
            std::rethrow_exception(s->m_write_error);
        if (!s->m_writing && s->m_pending.empty())
            co_return;
        if (s->m_aborted)
            co_return;
        co_await s->m_changed.wait();
    }
}

task<void> do_write_eof(state_ref r) {
    stream_state* s = r.get();
    s->check_writable("write_eof");
    s->m_eof_requested = true; // later writes are refused; queued data is still sent
    co_await do_drain(state_ref(s));
    while (s->m_writing && !s->m_aborted)
        co_await s->m_changed.wait();
    if (s->m_aborted || !s->m_t)
        co_return;
    s->m_writing = true;
    std::exception_ptr error;
    try {
        co_await s->m_t->shutdown();
    } catch (...) {
        error = std::current_exception();
    }
    s->m_writing = false;
    s->changed();
    s->maybe_release();
    if (error)
        std::rethrow_exception(error);
}

void byte_queue::grow(std::size_t need) {
    const std::size_t cap = std::max({m_cap * 2, need, std::size_t{1024}});
    std::unique_ptr<char[]> grown(new char[cap]);
    if (m_size)
        std::memcpy(grown.get(), m_data.get(), m_size);
    m_data = std::move(grown);
    m_cap = cap;
}

void byte_queue::prepend(const char* p, std::size_t n) {
    if (m_cap - m_size < n)
        grow(m_size + n);
    if (m_size)
        std::memmove(m_data.get() + n, m_data.get(), m_size);
    std::memcpy(m_data.get(), p, n);
    m_size += n;
}

void stream_state::start_flusher() {
    if (m_fd_t) {
        // The sender was idle, so m_sending is empty unless the caller just filled it.
        if (m_sending.empty())
            m_sending.swap(m_pending);
        start_sender();
        return;
    }
    add_ref(); // the sender's reference, dropped when it ends
    auto h = create_task(flush(flusher_guard(this)));
    m_flusher = h.get();
}

void stream_core::start_sender() noexcept {
    auto* s = static_cast<stream_state*>(this);
    m_writing = true;
    add_ref(); // the sender's reference, dropped when it ends
    aio::detail::loop_core& loop = *aio::detail::t_loop; // called by a running task
    stream_state::send_op& op = s->m_send;
    op.m_fd = s->m_fd_t->native_handle();
    op.m_backend = &loop.io_backend();
    loop.begin_detached(&op);
    s->submit_send();
}

void stream_state::store_send_error(int err, op_kind kind) noexcept {
    if (m_aborted || m_write_error)
        return; // an abort's -ECANCELED is no error; the first failure is the one reported
    try {
        m_write_error = make_io_error(err, io_what(kind));
    } catch (...) {
        m_write_error = std::current_exception(); // bad_alloc: still a failure to report
    }
}

bool stream_state::try_send_now(const char*& p, std::size_t& n) {
    io_op& op = m_send; // idle: the sender's op serves as the attempt's description
    op.m_fd = m_fd_t->native_handle();
    op.m_buf = const_cast<char*>(p);
    op.m_len = std::min(n, fd_transport::max_chunk);
    if (!aio::detail::t_loop->io_backend().try_now(op))
        return false;
    if (op.m_result < 0) {
        // As if the background send had failed: reported by drain() and later writes.
        store_send_error(-op.m_result, op.m_kind);
        drop_output();
        changed();
        return true;
    }
    const auto sent = static_cast<std::size_t>(op.m_result);
    p += sent;
    n -= sent;
    return n == 0;
}

void stream_state::submit_send() noexcept {
    m_send.m_buf = m_sending.data() + m_send_pos;
    m_send.m_len = std::min(m_sending.size() - m_send_pos, fd_transport::max_chunk);
    m_send.m_busy = true;
    m_send.m_backend->submit(m_send);
}

void stream_state::on_sent(io_op* op) noexcept {
    auto& so = static_cast<send_op&>(*op);
    stream_state* s = so.m_owner;
    so.m_busy = false;
    if (const int r = so.m_result; r < 0) [[unlikely]] {
        s->store_send_error(-r, so.m_kind);
        s->end_sender();
        return;
    }
    s->m_send_pos += static_cast<std::size_t>(so.m_result);
    if (s->m_send_pos == s->m_sending.size()) {
        s->m_sending.clear();
        s->m_send_pos = 0;
        if (s->m_pending.empty()) [[likely]] {
            // All sent (the common case): the sender ends; drain() is woken.
            if (s->m_lingering || s->m_aborted || s->m_write_error) [[unlikely]] {
                s->end_sender();
                return;
            }
            aio::detail::t_loop->end_detached(&so);
            s->m_writing = false;
            s->changed();
            s->release(); // the sender's reference: may delete the state
            return;
        }
        s->m_sending.swap(s->m_pending);
    }
    if (s->m_aborted) {
        s->end_sender();
        return;
    }
    if (s->write_queued() <= s->m_low)
        s->changed();
    s->submit_send();
}

void stream_state::end_sender() noexcept {
    aio::detail::t_loop->end_detached(&m_send);
    m_writing = false;
    end_linger();
    if (m_aborted || m_write_error)
        drop_output();
    maybe_release();
    changed();
    release(); // the sender's reference: may delete this
}

} // namespace detail

using detail::state_ref;

// ---- write_awaitable ----
//
// await_ready serves every write that fits under the high-water mark: the bytes are copied
// to the queue and the sender (started if idle) hands them to the kernel. Only a write that
// does not fit runs do_write (inline zero-copy send, or the backpressure wait).

namespace {
task<void> await_write(write_awaitable a) {
    co_await a;
}
} // namespace

write_awaitable::operator task<void>() && {
    return await_write(std::move(*this));
}

bool write_awaitable::ready_slow() {
    auto* s = static_cast<detail::stream_state*>(m_s.get());
    if (!s || m_awaited) {
        throw invalid_state_error(
            "aio::net::stream::write: this write was already awaited (or moved from)");
    }
    m_awaited = true;
    s->check_writable("write");
    if (m_n == 0)
        return true;
    if (s->write_queued() + m_n > s->m_high)
        return false;
    if (s->m_writing) {
        s->m_pending.append(m_p, m_n); // behind what is queued or being sent inline
        return true;
    }
    const char* p = m_p;
    std::size_t n = m_n;
    if (s->m_fd_t && aio::detail::t_loop->io_backend().can_try_now() && s->try_send_now(p, n))
        return true;           // the kernel took it all (or failed: the error is stored)
    s->m_sending.append(p, n); // the sender is idle, so its buffer is empty
    s->m_writing = true;
    s->start_flusher();
    return true;
}

std::coroutine_handle<> write_awaitable::await_suspend(std::coroutine_handle<> h) {
    m_slow = detail::do_write(state_ref(static_cast<detail::stream_state*>(m_s.get())), m_p, m_n);
    return m_slow.operator co_await().await_suspend(h);
}

} // namespace aio::net
