// The internals of aio::net::stream (see the design block in stream.cpp and
// docs/design/net.md). Private; the TLS and HTTP layers include it.
#pragma once

#include "net/io.hpp"
#include "net/transport.hpp"

#include <aio/core/detail/promise_base.hpp>
#include <aio/net/stream.hpp>

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
        if (m_begin == m_end) m_begin = m_end = 0;
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
        if (--m_refs == 0) delete this;
    }

    /// Bytes queued for sending (the part of m_sending not yet sent + m_pending).
    std::size_t write_queued() const noexcept {
        return (m_sending.size() - m_send_pos) + m_pending.size();
    }
    /// Throws the stored send error, or invalid_state_error once writing is over.
    void check_writable(const char* fn) const;
    /// Starts the background sender for m_pending (m_writing must already be true).
    void start_flusher();
    /// Drops queued output that no operation is using.
    void drop_output() noexcept;
    /// See stream::abort.
    void abort() noexcept;
    /// Releases the transport once aborted and no call is in flight on it.
    void maybe_release() noexcept;
    /// Wakes every task waiting for a change of state.
    void changed() noexcept { m_changed.wake_all(); }

    /// The TLS seam: replaces the transport (e.g. by a TLS transport wrapping the old one)
    /// and returns the old one. Precondition: no read or write in flight and nothing queued
    /// (call after drain(), from the task that owns the stream).
    std::unique_ptr<transport> exchange_transport(std::unique_ptr<transport> t) noexcept {
        std::swap(m_t, t);
        return t;
    }
    /// The TLS seam: bytes already read from the old transport and not yet consumed (they
    /// belong to the TLS handshake); the buffer is emptied.
    std::string take_buffered() { return m_in.take(m_in.size()); }

    std::unique_ptr<transport> m_t;
    std::size_t m_limit;
    std::size_t m_high;
    std::size_t m_low;
    unsigned m_refs = 1;
    bool m_tcp = false;

    // Reading (one reader at a time).
    read_buffer m_in;
    bool m_eof = false;
    bool m_reading = false;

    // Writing. m_writing: a writer (an inline write, the flusher, a shutdown) is using the
    // transport's write side. m_sending is only touched by the flusher while its send is in
    // flight; new data goes to m_pending.
    std::string m_sending;
    std::size_t m_send_pos = 0;
    std::string m_pending;
    bool m_writing = false;
    aio::detail::promise_base* m_flusher = nullptr;
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
