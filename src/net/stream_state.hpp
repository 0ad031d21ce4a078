// The internals of aio::net::stream (see the design block in stream.cpp and
// docs/design/net.md). Private to the net layer (TLS included).
#pragma once

#include "net/primitives.hpp"
#include "net/transport.hpp"

#include <aio/core/detail/loop_core.hpp>
#include <aio/core/detail/promise_base.hpp>
#include <aio/net/detail/stream_core.hpp>
#include <aio/net/stream.hpp>

#include <chrono>
#include <cstring>
#include <exception>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace aio::net::detail {

class stream_state : public stream_core {
  public:
    stream_state(std::unique_ptr<transport> t, const stream_options& opts, bool tcp);
    ~stream_state();
    stream_state(const stream_state&) = delete;
    stream_state& operator=(const stream_state&) = delete;

    /// Throws the stored send error, or invalid_state_error once writing is over.
    void check_writable(const char* fn) const {
        if (m_write_error || m_closing || m_eof_requested) [[unlikely]]
            throw_not_writable(fn);
    }
    [[noreturn]] void throw_not_writable(const char* fn) const;
    /// Starts the background sender for m_sending and m_pending (m_writing must already be
    /// true, something must be queued and the stream not aborted: every caller checks):
    /// the in-place send operation on a plain fd (stream_core::start_sender), else the
    /// flusher task.
    void start_flusher();
    /// Drops queued output that no operation is using.
    void drop_output() noexcept;
    /// See stream::abort.
    void abort() noexcept;
    /// The stream object is gone: sends what is queued in the background (up to m_linger),
    /// then releases the transport; aborts at once when nothing is being sent.
    void linger() noexcept;
    /// Releases the transport once aborted and no call is in flight on it.
    void maybe_release() noexcept {
        if (m_aborted) [[unlikely]]
            release_if_idle();
    }
    void release_if_idle() noexcept;
    /// Wakes every task waiting for a change of state.
    void changed() noexcept { m_changed.wake_all(); }

    /// The TLS seam: replaces the transport (e.g. by a TLS transport wrapping the old one)
    /// and returns the old one. Precondition: no read or write in flight and nothing queued
    /// (call after drain(), from the task that owns the stream).
    std::unique_ptr<transport> exchange_transport(std::unique_ptr<transport> t) noexcept {
        std::swap(m_t, t);
        set_fd_transport();
        return t;
    }
    /// Caches m_t's fd_transport (if it is one) and fills the fd sender's operation for it.
    void set_fd_transport() noexcept;
    /// The TLS seam: bytes already read from the old transport and not yet consumed (they
    /// belong to the TLS handshake); the buffer is emptied.
    std::string take_buffered() { return m_in.take(m_in.size()); }

    std::unique_ptr<transport> m_t;
    fd_transport* m_fd_t = nullptr; // m_t when it is a plain fd (the hot paths' shortcut)
    std::size_t m_limit;
    std::size_t m_low;
    std::chrono::milliseconds m_linger;
    bool m_tcp = false;

    // Reading and writing: see stream_core for the buffers, the queue and their flags.
    aio::detail::promise_base* m_flusher = nullptr; // the sender of a non-fd transport (TLS)
    /// The sender of a plain fd: one send operation at a time, driven by its completion
    /// callback (no task, no coroutine frame); registered with the loop as detached work.
    struct send_op : io_op, aio::detail::detached_work {
        stream_state* m_owner = nullptr;
        aio::detail::backend* m_backend = nullptr;
        bool m_busy = false;
    };
    send_op m_send;
    /// The read of a plain fd by read_into: one at a time (m_reading), its fixed fields
    /// filled once; the reading task parks on it (read_into_awaitable::await_suspend), and
    /// its completion stores the result in m_read_result and wakes the task.
    struct reader_op : io_op, aio::detail::parking {
        stream_state* m_owner = nullptr;
        aio::detail::backend* m_backend = nullptr;
        bool m_in_flight = false;
    };
    reader_op m_reader;
    static void on_read(io_op* op) noexcept;
    static void on_read_cancel(aio::detail::parking* p) noexcept;
    /// Interrupts a read in flight (m_reader or the transport's): the reader sees EOF.
    void interrupt_read() noexcept;
    /// Armed while lingering (see linger()); firing aborts.
    struct linger_timer : aio::detail::timer_node {
        stream_state* m_owner = nullptr;
    };
    linger_timer m_linger_timer;
    bool m_lingering = false;
    /// The sender ended: a lingering stream is now released.
    void end_linger() noexcept {
        if (m_lingering) [[unlikely]]
            stop_lingering();
    }
    void stop_lingering() noexcept;
    static void on_linger_timeout(aio::detail::timer_node* t) noexcept;
    /// With the sender idle: sends [p, p + n) at once if the backend does that without
    /// waiting (epoll). Returns true when nothing is left for the queue (all sent, or the
    /// send failed and the error is stored); else advances p and n past what was sent.
    bool try_send_now(const char*& p, std::size_t& n);
    /// Keeps the first send failure (errno `err` of a `kind` op) for drain() and later
    /// writes; ignored once aborted.
    void store_send_error(int err, op_kind kind) noexcept;
    /// Sends the next part of m_sending (from m_send_pos) with m_send.
    void submit_send() noexcept;
    void end_sender() noexcept;
    static void on_sent(io_op* op) noexcept;
    static void on_loop_shutdown(aio::detail::detached_work* w) noexcept;

    // Closing (see stream_core for the other flags).
    bool m_closing_io = false; // a graceful transport close() is running

    broadcast_list m_changed;
};

/// A counted reference to a stream's state, taken when a call is made (not when its lazy
/// task starts), so the state outlives the call whatever happens to the stream object
/// (stream_core.hpp's stream_ref, typed for the whole state).
class state_ref {
  public:
    explicit state_ref(stream_state* s) noexcept : m_r(s) {}
    stream_state* operator->() const noexcept { return get(); }
    stream_state* get() const noexcept { return static_cast<stream_state*>(m_r.get()); }

  private:
    stream_ref m_r;
};

} // namespace aio::net::detail
