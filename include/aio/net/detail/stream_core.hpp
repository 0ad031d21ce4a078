// The part of a stream's state that the inline fast paths of stream.hpp touch: the
// reference count, the read buffer, the send queue and the flags they test. The rest of
// the state (transport, sender, wait lists) is private to the library
// (src/net/stream_state.hpp derives from this). Not part of the public API.
#pragma once

#include <cstddef>
#include <cstring>
#include <exception>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>

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

/// Bytes waiting to be sent: an append-only block that keeps its capacity when cleared
/// (a stream that sends the same size of message again and again allocates once).
class byte_queue {
  public:
    const char* data() const noexcept { return m_data.get(); }
    char* data() noexcept { return m_data.get(); }
    std::size_t size() const noexcept { return m_size; }
    bool empty() const noexcept { return m_size == 0; }
    void clear() noexcept { m_size = 0; }
    void append(const char* p, std::size_t n) {
        if (m_cap - m_size < n)
            grow(m_size + n);
        std::memcpy(m_data.get() + m_size, p, n);
        m_size += n;
    }
    /// Inserts [p, p + n) before the queued bytes.
    void prepend(const char* p, std::size_t n);
    void swap(byte_queue& o) noexcept {
        std::swap(m_data, o.m_data);
        std::swap(m_size, o.m_size);
        std::swap(m_cap, o.m_cap);
    }

  private:
    void grow(std::size_t need);
    std::unique_ptr<char[]> m_data;
    std::size_t m_size = 0;
    std::size_t m_cap = 0;
};

class stream_core {
  public:
    stream_core() noexcept = default;
    stream_core(const stream_core&) = delete;
    stream_core& operator=(const stream_core&) = delete;

    void add_ref() noexcept { ++m_refs; }
    void release() noexcept {
        if (--m_refs == 0)
            destroy(this);
    }

    /// Bytes queued for sending (the part of m_sending not yet sent + m_pending).
    std::size_t write_queued() const noexcept {
        return (m_sending.size() - m_send_pos) + m_pending.size();
    }

    unsigned m_refs = 1;

    // Reading (one reader at a time).
    read_buffer m_in;
    bool m_reading = false;
    bool m_eof = false;
    int m_read_result = 0; // of the last in-place read: bytes (>= 0) or -errno

    // Writing. m_writing: a writer (an inline write, the sender, a shutdown) is using the
    // transport's write side. m_sending is only touched by the sender while it runs; new
    // data goes to m_pending (or straight to m_sending when the sender is idle).
    bool m_writing = false;
    bool m_eof_requested = false;
    bool m_send_direct = false; // an idle write may start the sender itself (see start_sender)
    std::exception_ptr m_write_error; // the first send failure, thrown by later calls
    std::size_t m_high = 0;
    byte_queue m_sending;
    std::size_t m_send_pos = 0;
    byte_queue m_pending;

    // Closing.
    bool m_closing = false;  // close() or abort() started: no more writes
    bool m_aborted = false;  // in-flight calls are being interrupted; release when idle
    bool m_released = false; // the transport is gone

    /// With the sender idle and the bytes in m_sending: marks the stream writing and starts
    /// the sender of a plain fd (write() calls it itself when m_send_direct: a plain fd on
    /// a backend that batches its operations, so nothing is tried at once).
    void start_sender() noexcept;

  protected:
    ~stream_core() = default;

  private:
    static void destroy(stream_core* s) noexcept; // deletes the stream_state
};

/// A counted reference to a stream's state: what every call and every awaitable returned by
/// a stream holds for its duration, so the state outlives it whatever happens to the stream.
class stream_ref {
  public:
    stream_ref() noexcept = default;
    explicit stream_ref(stream_core* s) noexcept : m_s(s) { m_s->add_ref(); }
    stream_ref(stream_ref&& o) noexcept : m_s(std::exchange(o.m_s, nullptr)) {}
    stream_ref(const stream_ref&) = delete;
    stream_ref& operator=(const stream_ref&) = delete;
    stream_ref& operator=(stream_ref&&) = delete;
    ~stream_ref() {
        if (m_s)
            m_s->release();
    }
    stream_core* get() const noexcept { return m_s; }
    stream_core* operator->() const noexcept { return m_s; }
    explicit operator bool() const noexcept { return m_s != nullptr; }

  private:
    stream_core* m_s = nullptr;
};

/// Throws invalid_state_error for a call on an empty stream ("aio::net::stream::<fn>: ...").
[[noreturn]] void throw_empty_stream(const char* fn);

inline stream_core* need(stream_core* s, const char* fn) {
    if (!s) [[unlikely]]
        throw_empty_stream(fn);
    return s;
}

} // namespace aio::net::detail
