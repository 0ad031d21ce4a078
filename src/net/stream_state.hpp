// The internals of aio::net::stream (see the design block in stream.cpp and
// docs/design/net.md). Private; the TLS and HTTP layers include it.
#pragma once

#include "net/io.hpp"
#include "net/transport.hpp"

#include <aio/core/detail/loop_core.hpp>
#include <aio/core/detail/promise_base.hpp>
#include <aio/net/stream.hpp>

#include <chrono>
#include <cstring>
#include <exception>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace aio::net::detail {

/// The read buffer: a contiguous window [begin, end) in a block that grows by doubling and
/// is compacted (moved to the front) before it grows. Never shrinks below what is buffered.
class read_buffer {
  public:
    std::size_t size() const noexcept { return m_end - m_begin; }
    const char* data() const noexcept { return m_data.get() + m_begin; }
    std::string_view view() const noexcept { return {data(), size()}; }
    std::size_t capacity() const noexcept { return m_cap; }
    void consume(std::size_t n) noexcept {
        m_begin += n;
        if (m_begin == m_end)
            m_begin = m_end = 0;
    }
    std::string take(std::size_t n) {
        std::string s(data(), n);
        consume(n);
        return s;
    }
    void clear() noexcept { m_begin = m_end = 0; }
    /// A writable span of exactly n bytes at the end of the buffered data.
    std::span<std::byte> prepare(std::size_t n);
    void commit(std::size_t n) noexcept { m_end += n; }

  private:
    std::unique_ptr<char[]> m_data;
    std::size_t m_cap = 0;
    std::size_t m_begin = 0;
    std::size_t m_end = 0;
};

class stream_state {
  public:
    stream_state(std::unique_ptr<transport> t, const stream_options& opts, bool tcp);
    ~stream_state();
    stream_state(const stream_state&) = delete;
    stream_state& operator=(const stream_state&) = delete;

    void add_ref() noexcept { ++m_refs; }
    void release() noexcept {
        if (--m_refs == 0)
            delete this;
    }

    /// Bytes queued for sending (the part of m_sending not yet sent + m_pending).
    std::size_t write_queued() const noexcept {
        return (m_sending.size() - m_send_pos) + m_pending.size();
    }
    /// Throws the stored send error, or invalid_state_error once writing is over.
    void check_writable(const char* fn) const {
        if (m_write_error || m_closing || m_eof_requested) [[unlikely]]
            throw_not_writable(fn);
    }
    [[noreturn]] void throw_not_writable(const char* fn) const;
    /// Starts the background sender for m_sending and m_pending (m_writing must already be
    /// true): the in-place send operation on a plain fd, else the flusher task.
    void start_flusher();
    /// Drops queued output that no operation is using.
    void drop_output() noexcept;
    /// See stream::abort.
    void abort() noexcept;
    /// The stream object is gone: sends what is queued in the background (up to m_linger),
    /// then releases the transport; aborts at once when nothing is being sent.
    void linger() noexcept;
    /// Releases the transport once aborted and no call is in flight on it.
    void maybe_release() noexcept;
    /// Wakes every task waiting for a change of state.
    void changed() noexcept { m_changed.wake_all(); }

    /// The TLS seam: replaces the transport (e.g. by a TLS transport wrapping the old one)
    /// and returns the old one. Precondition: no read or write in flight and nothing queued
    /// (call after drain(), from the task that owns the stream).
    std::unique_ptr<transport> exchange_transport(std::unique_ptr<transport> t) noexcept {
        std::swap(m_t, t);
        m_fd_t = m_t ? m_t->as_fd() : nullptr;
        return t;
    }
    /// The TLS seam: bytes already read from the old transport and not yet consumed (they
    /// belong to the TLS handshake); the buffer is emptied.
    std::string take_buffered() { return m_in.take(m_in.size()); }

    std::unique_ptr<transport> m_t;
    fd_transport* m_fd_t = nullptr; // m_t when it is a plain fd (the hot paths' shortcut)
    std::size_t m_limit;
    std::size_t m_high;
    std::size_t m_low;
    std::chrono::milliseconds m_linger;
    unsigned m_refs = 1;
    bool m_tcp = false;

    // Reading (one reader at a time).
    read_buffer m_in;
    bool m_eof = false;
    bool m_reading = false;

    // Writing. m_writing: a writer (an inline write, the sender, a shutdown) is using the
    // transport's write side. m_sending is only touched by the sender while it runs; new
    // data goes to m_pending (or straight to m_sending when the sender is idle).
    std::string m_sending;
    std::size_t m_send_pos = 0;
    std::string m_pending;
    bool m_writing = false;
    aio::detail::promise_base* m_flusher = nullptr; // the sender of a non-fd transport (TLS)
    /// The sender of a plain fd: one send operation at a time, driven by its completion
    /// callback (no task, no coroutine frame); registered with the loop as detached work.
    struct send_op : io_op, aio::detail::detached_work {
        stream_state* m_owner = nullptr;
        aio::detail::backend* m_backend = nullptr;
        bool m_busy = false;
    };
    send_op m_send;
    /// Armed while lingering (see linger()); firing aborts.
    struct linger_timer : aio::detail::timer_node {
        stream_state* m_owner = nullptr;
    };
    linger_timer m_linger_timer;
    bool m_lingering = false;
    /// The sender ended: a lingering stream is now released.
    void end_linger() noexcept;
    static void on_linger_timeout(aio::detail::timer_node* t) noexcept;
    /// With the sender idle: sends [p, p + n) at once if the backend does that without
    /// waiting (epoll). Returns true when nothing is left for the queue (all sent, or the
    /// send failed and the error is stored); else advances p and n past what was sent.
    bool try_send_now(const char*& p, std::size_t& n);
    /// Keeps the first send failure (errno `err` of a `kind` op) for drain() and later
    /// writes; ignored once aborted.
    void store_send_error(int err, op_kind kind) noexcept;
    /// Sends the next part of the queue with m_send, or ends the sender.
    void send_next() noexcept;
    void end_sender() noexcept;
    static void on_sent(io_op* op) noexcept;
    static void on_loop_shutdown(aio::detail::detached_work* w) noexcept;
    std::exception_ptr m_write_error;
    bool m_eof_requested = false;

    // Closing.
    bool m_closing = false;    // close() or abort() started: no more writes
    bool m_aborted = false;    // in-flight calls are being interrupted; release when idle
    bool m_closing_io = false; // a graceful transport close() is running
    bool m_released = false;   // the transport is gone

    wait_list m_changed;
};

} // namespace aio::net::detail
