// aio::net::stream: a buffered byte stream over a connection (TCP, Unix socket, pipe, TLS).
// asyncio's StreamReader and StreamWriter in one object.
#pragma once

#include <aio/core/task.hpp>
#include <aio/net/address.hpp>
#include <aio/net/detail/stream_core.hpp>
#include <aio/net/errors.hpp>
#include <aio/net/tls.hpp>

#include <chrono>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace aio::net {

namespace detail {
class stream_state;
}

class stream;

/// What stream::read_into returns: awaited (once), it reads into the caller's buffer and
/// yields the byte count, 0 at EOF. On a plain socket or pipe the read runs inside this
/// object, so a hot loop allocates nothing and starts no coroutine frame per read (the
/// reason read_into exists). It can be stored (`auto r = s.read_into(buf);`), moved before
/// it is awaited, passed to gather/wait_for, or converted to task<std::size_t>. Keeps the
/// stream's internals alive (see the class comment of stream).
class [[nodiscard]] read_into_awaitable {
  public:
    read_into_awaitable(read_into_awaitable&& o) noexcept
        : m_s(std::move(o.m_s)), m_buf(o.m_buf), m_slow(std::move(o.m_slow)), m_ready(o.m_ready),
          m_mode(o.m_mode) {}
    read_into_awaitable& operator=(read_into_awaitable&&) = delete;
    ~read_into_awaitable() = default;

    /// Serves the read at once when it can (buffered bytes, EOF, an empty buffer).
    bool await_ready() {
        // Inline: the common case of a hot loop (nothing buffered, the stream open).
        const detail::stream_core* s = m_s.get();
        // (Released implies closing: the slow path checks both.)
        if (s && m_mode == mode::not_awaited && !m_buf.empty() && !s->m_reading &&
            s->m_in.size() == 0 && !s->m_eof && !s->m_closing)
            return false;
        return ready_slow();
    }
    std::coroutine_handle<> await_suspend(std::coroutine_handle<> h);
    std::size_t await_resume() {
        if (m_mode == mode::ready)
            return m_ready;
        // Inline: an in-place read that returned data on an open stream.
        detail::stream_core* s = m_s.get();
        if (m_mode == mode::in_place && s->m_read_result > 0 && !s->m_closing) {
            s->m_reading = false;
            return static_cast<std::size_t>(s->m_read_result);
        }
        return resume_slow();
    }

    /// The same read as a task (costs a coroutine frame).
    operator task<std::size_t>() &&;

  private:
    friend class stream;
    read_into_awaitable(detail::stream_core* s, std::span<std::byte> buf) noexcept
        : m_s(s), m_buf(buf) {}
    bool ready_slow();
    std::size_t resume_slow();
    void end_read() noexcept;

    detail::stream_ref m_s;
    std::span<std::byte> m_buf;
    enum class mode : unsigned char { not_awaited, ready, in_place, slow };

    task<std::size_t> m_slow; // TLS streams: the transport's read_some coroutine
    std::size_t m_ready = 0;
    mode m_mode = mode::not_awaited;
};

/// What stream::write returns: awaited (once), it queues the bytes and returns at once
/// while the queue stays under the high-water mark (the stream's sender hands them to the
/// kernel in the background); otherwise it waits: for the kernel to take the bytes straight
/// from the caller's buffer when nothing else is queued, else for the queue to drain to the
/// low-water mark. No coroutine frame is started unless it waits. It can be stored, moved
/// before it is awaited, passed to gather/wait_for, or converted to task<void>. Keeps the
/// stream's internals alive (see the class comment of stream).
class [[nodiscard]] write_awaitable {
  public:
    write_awaitable(write_awaitable&& o) noexcept
        : m_s(std::move(o.m_s)), m_p(o.m_p), m_n(o.m_n), m_slow(std::move(o.m_slow)),
          m_awaited(o.m_awaited) {}
    write_awaitable& operator=(write_awaitable&&) = delete;
    ~write_awaitable() = default;

    /// Queues the bytes when they fit under the high-water mark (the common case).
    bool await_ready() {
        // Inline: a write that fits under the mark, behind a send in progress (more parts
        // of a message) or starting the idle sender of a plain fd.
        detail::stream_core* s = m_s.get();
        if (s && !m_awaited && m_n != 0 && !s->m_closing && !s->m_eof_requested &&
            !s->m_write_error && s->write_queued() + m_n <= s->m_high) {
            if (s->m_writing) {
                m_awaited = true;
                s->m_pending.append(m_p, m_n); // behind what is queued or being sent inline
                return true;
            }
            if (s->m_send_direct) {
                m_awaited = true;
                s->m_sending.append(m_p, m_n); // the sender is idle: its buffer is empty
                s->start_sender();
                return true;
            }
        }
        return ready_slow();
    }
    std::coroutine_handle<> await_suspend(std::coroutine_handle<> h);
    void await_resume() {
        if (m_slow)
            m_slow.operator co_await().await_resume();
    }

    /// The same write as a task (costs a coroutine frame).
    operator task<void>() &&;

  private:
    friend class stream;
    write_awaitable(detail::stream_core* s, const char* p, std::size_t n) noexcept
        : m_s(s), m_p(p), m_n(n) {}
    bool ready_slow();

    detail::stream_ref m_s;
    const char* m_p;
    std::size_t m_n;
    task<void> m_slow; // a write that has to wait
    bool m_awaited = false;
};

/// Buffer limits of a stream.
struct stream_options {
    /// How far read_line/read_until look for the separator (asyncio's `limit`, 64 KiB):
    /// see read_until for the exact rule. It bounds nothing else: read(n) may return up to
    /// n bytes (as asyncio's read does), read_exactly and read_all as many as asked.
    std::size_t limit = 64 * 1024;
    /// write() waits while more than this many bytes are queued and not yet accepted by
    /// the kernel (asyncio's high-water mark, 64 KiB).
    std::size_t high_water = 64 * 1024;
    /// A waiting write() resumes once the queue is at or below this (0: high_water / 4).
    std::size_t low_water = 0;
    /// How long a stream destroyed with output still queued keeps sending it in the
    /// background before it gives up and closes (see ~stream). 0: discard at once.
    std::chrono::milliseconds linger{30000};
};

/// A connected byte stream. Move-only; owns its socket (or pipe) and closes it.
///
/// Reading: read(n), read_exactly(n), read_line(), read_until(sep), read_into(buf). One task
/// at a time may read (a second concurrent reader gets aio::invalid_state_error). The end of
/// the stream is a value: read() returns "" at EOF.
///
/// Writing: `co_await write(data)` queues the bytes (a copy; on the epoll backend an idle
/// stream first offers them to send() and copies only the rest) and returns at once while
/// the queue stays under the high-water mark, as asyncio's write(); a background sender
/// hands the queue to the kernel. A write that would take the queue over the mark waits instead,
/// so a fast writer cannot outrun a slow peer with unbounded memory (when nothing is
/// queued, such a write is sent from the caller's buffer without a copy). drain() waits
/// until the queue is empty. Several tasks may write; their writes are sent in the order
/// the calls were made.
///
/// Closing: close() sends what is queued, then closes; abort() discards what is queued and
/// closes now. The destructor closes in the background, as asyncio's StreamWriter does when
/// it is dropped: what write() accepted is still sent (for at most stream_options::linger,
/// while the loop runs), then the socket closes; pending reads see EOF. The socket is
/// released as soon as no operation is in flight on it (at once, or after the kernel
/// confirmed a cancellation).
///
/// Errors: OS failures throw aio::io_error subclasses (connection_reset_error,
/// broken_pipe_error, ...); a failure of a background send is thrown by the next write(),
/// drain() or write_eof().
///
/// Cancellation: every call may be cancelled (aio::wait_for, task cancel). A cancelled read
/// keeps any bytes that arrived in the buffer for the next read. A write cancelled before
/// any of its bytes were sent has no effect; one cancelled after sending part of its bytes
/// poisons the stream for writing (later writes throw aio::invalid_state_error), since the
/// peer saw half a message.
///
/// Threads: loop thread only. Lifetimes: the data passed to write() must stay valid until
/// the write is awaited and done (it is copied unless the write has to wait). Awaitables
/// returned by a stream keep its internals alive, so destroying (or moving) the stream
/// while another task awaits one of them is safe: that task sees EOF (reads) or
/// aio::invalid_state_error (writes).
///
///     auto s = co_await aio::net::open_connection("127.0.0.1", port);
///     co_await s.write("hello\n");
///     std::string line = co_await s.read_line();
///     co_await s.close();
class stream {
  public:
    /// An empty stream (no connection); only assignment and destruction are valid.
    stream() noexcept = default;
    stream(stream&& o) noexcept;
    stream& operator=(stream&& o) noexcept;
    stream(const stream&) = delete;
    stream& operator=(const stream&) = delete;
    /// Closes the connection in the background if it is still open: queued output is still
    /// sent (for at most stream_options::linger), unless the stream was aborted.
    ~stream();

    /// Adopts an open file descriptor: a socket (read with recv/send) or anything else
    /// readable/writable such as a pipe (read/write). The fd is made non-blocking and is
    /// owned by the stream from now on (closed even if this throws). Throws aio::io_error
    /// (EBADF) for an invalid fd. Must be called on a thread running a loop.
    static stream from_fd(int fd, stream_options opts = {});

    /// Up to `n` bytes: what is buffered, else what one read from the OS returns; "" at
    /// EOF (or when n == 0).
    [[nodiscard]] task<std::string> read(std::size_t n);
    /// Everything until EOF (unbounded: use only for peers you trust).
    [[nodiscard]] task<std::string> read_all();
    /// Exactly `n` bytes; throws aio::net::incomplete_read_error (holding what arrived) if
    /// the stream ends first.
    [[nodiscard]] task<std::string> read_exactly(std::size_t n);
    /// A line including its "\n" (the last line may lack it; "" at EOF): read_until("\n")
    /// with the stream's limit, except for what happens at EOF and on an overrun (as
    /// asyncio's readline). At EOF the rest is returned instead of incomplete_read_error.
    /// On an overrun it throws aio::net::limit_overrun_error after discarding the long line:
    /// through its "\n" if that is already buffered (the next read_line returns the next
    /// line), else everything buffered. In that second case the line's "\n" had not
    /// arrived within the limit plus one read, and the rest of the line, when it comes, is
    /// what the next read_line returns; a protocol that must never see such a tail treats
    /// the overrun as the end of the conversation. consumed() is the discarded byte count.
    [[nodiscard]] task<std::string> read_line();
    /// Data up to and including `separator`. The rules are asyncio's readuntil, with
    /// `limit` (0: the stream's limit) and L = separator.size():
    /// * the separator is looked for in everything buffered, from the front;
    /// * if it starts at an offset <= limit, the data through it is returned (so a result
    ///   holds at most limit + L bytes: with "\n", a line of exactly `limit` bytes plus
    ///   its "\n" is accepted, one byte more is an overrun);
    /// * if it starts later, limit_overrun_error ("separator found ... beyond the limit")
    ///   with consumed() = its offset;
    /// * if it is not buffered and more than limit + L - 1 bytes are, limit_overrun_error
    ///   ("separator not found within the limit") with consumed() = the buffered bytes
    ///   minus L - 1 (those could start a separator);
    /// * else one more read from the OS (up to 16 KiB), so the buffer never holds more than
    ///   limit + L - 1 plus one read; at EOF throws incomplete_read_error with the rest
    ///   (the buffer is then empty).
    /// After an overrun the data stays buffered: read it with read(n) or read_exactly().
    /// The separator is copied: it need not outlive the call. Throws
    /// invalid_argument_error for an empty separator.
    [[nodiscard]] task<std::string> read_until(std::string_view separator, std::size_t limit = 0);
    /// Reads up to buf.size() bytes into `buf` (from the buffer first, else straight from
    /// the OS without copying); returns 0 at EOF. The allocation-free read for hot loops.
    /// `buf` must stay valid until the task completes.
    [[nodiscard]] read_into_awaitable read_into(std::span<std::byte> buf) {
        return read_into_awaitable(detail::need(m_s, "read_into"), buf);
    }
    [[nodiscard]] read_into_awaitable read_into(std::span<char> buf) {
        return read_into_awaitable(detail::need(m_s, "read_into"), std::as_writable_bytes(buf));
    }

    /// Sends `data` (see the class comment for buffering and backpressure). Throws a stored
    /// background send error, or aio::invalid_state_error after close()/write_eof().
    write_awaitable write(std::string_view data) {
        return write_awaitable(detail::need(m_s, "write"), data.data(), data.size());
    }
    write_awaitable write(std::span<const std::byte> data) {
        return write_awaitable(detail::need(m_s, "write"),
                               reinterpret_cast<const char*>(data.data()), data.size());
    }
    /// Sends `count` bytes of the open file `fd` starting at `offset` (the file's own position
    /// is not used or moved), after what is already queued; returns the bytes sent, fewer
    /// than `count` only if the file ends first. Zero-copy on a plain socket or pipe: the
    /// kernel moves the pages (sendfile(2)); on a TLS stream the bytes are read (pread) and
    /// written through TLS. The file is read on the thread pool, never on the loop thread,
    /// and the wait for the socket is an ordinary backend wait, so backpressure holds. The
    /// caller keeps owning `fd` (the call works on a duplicate, so closing `fd` early is safe).
    /// Throws aio::io_error (sending or reading the file failed), invalid_state_error (the
    /// stream is closing); do not write() from other tasks while it runs. Cancellation: the
    /// bytes already handed to the kernel stay sent, and the stream is poisoned for writing
    /// as after a partly sent write().
    ///
    ///     auto f = co_await aio::file::open("big.iso");
    ///     co_await s.write(head);
    ///     co_await s.sendfile(f.native_handle(), 0, f.size());
    [[nodiscard]] task<std::uint64_t> sendfile(int fd, std::uint64_t offset, std::uint64_t count);
    /// Waits until every queued byte was accepted by the kernel; throws a send error.
    [[nodiscard]] task<void> drain();
    /// Sends what is queued, then half-closes (the peer reads EOF; this side can still
    /// read). For a pipe this closes it.
    [[nodiscard]] task<void> write_eof();
    /// Sends what is queued, then closes the connection and waits until the socket is
    /// released. Send errors are not thrown here (use drain() to see them). If cancelled
    /// (e.g. by wait_for against a peer that never reads), it aborts: queued data is
    /// discarded and the socket is still released before cancelled_error is thrown.
    [[nodiscard]] task<void> close();
    /// Closes now: discards queued data, makes pending reads return EOF and pending writes
    /// throw; the socket is released once no operation is in flight on it.
    void abort() noexcept;
    /// Waits until the connection is closed (by close() or abort()) and its socket released.
    [[nodiscard]] task<void> wait_closed();

    /// True after close() or abort() started.
    bool is_closing() const noexcept;
    /// True when the buffer is empty and no more data can come: a read returned "" (the
    /// peer's EOF), or close()/abort() started (reads then return "" at once, as asyncio's
    /// reader after close, bpo-35065). The peer's EOF is noticed only when a read from the OS
    /// returns nothing: read() returned "", read_line() a last line without "\n", or
    /// read_exactly()/read_until() threw incomplete_read_error. After the peer's last
    /// complete line at_eof() stays false until the next read says so.
    bool at_eof() const noexcept;
    /// Bytes read from the OS and not yet returned to the caller.
    std::size_t buffered() const noexcept;
    /// Bytes queued for sending and not yet accepted by the kernel.
    std::size_t write_buffer_size() const noexcept;
    /// Changes the write queue's marks (low 0: high / 4). Throws invalid_argument_error if
    /// low > high.
    void set_write_buffer_limits(std::size_t high, std::size_t low = 0);

    /// The remote endpoint (getpeername). Throws aio::io_error for a pipe or a closed stream.
    address peer_address() const;
    /// The local endpoint (getsockname).
    address local_address() const;
    /// Sets TCP_NODELAY (disables Nagle's algorithm; on by default for TCP streams).
    /// Throws aio::io_error for a stream that is not a TCP socket.
    void set_nodelay(bool on);
    /// The OS file descriptor (-1 once closed); still owned by the stream.
    int native_handle() const noexcept;

    /// Upgrades the connection to TLS in place (asyncio's StreamWriter.start_tls): queued
    /// output is drained, then the handshake runs over the connection; afterwards every
    /// read and write of this stream is encrypted, and close() sends close_notify.
    /// The role follows the context: a client context (tls_context::client()) makes this
    /// the client side, and `server_hostname` is sent as SNI and checked against the
    /// peer's certificate (required while the context checks hostnames); a server context
    /// serves the handshake (`server_hostname` is ignored).
    /// Bytes already read into the stream's buffer are handed to TLS (the peer may have
    /// sent its first handshake flight together with the last plaintext message).
    /// Throws tls_error when the handshake fails, io_error on a connection failure,
    /// cancelled_error when cancelled; in each case the connection is aborted (its socket
    /// is released) because its byte stream is no longer usable. Throws
    /// invalid_state_error (the stream untouched) when a read is in flight, the stream is
    /// closed or already speaks TLS. Must not be called concurrently with other calls.
    ///
    ///     co_await s.write("STARTTLS\r\n");
    ///     co_await s.read_line();                          // "220 go ahead"
    ///     co_await s.start_tls(aio::net::tls_context::client(), "mail.example.org");
    [[nodiscard]] task<void> start_tls(tls_context ctx, std::string server_hostname = {});
    /// What the TLS handshake negotiated (version, cipher, ALPN protocol, SNI, peer
    /// certificate); std::nullopt for a stream that does not speak TLS or whose connection
    /// is already released (after close() or abort()).
    std::optional<net::tls_info> tls() const;

    /// True unless default-constructed or moved from.
    explicit operator bool() const noexcept { return m_s != nullptr; }

    /// Internals, for the library's own layers (TLS, HTTP). Not part of the public API.
    detail::stream_state* state() const noexcept;
    explicit stream(detail::stream_state* s) noexcept;

  private:
    detail::stream_core* m_s = nullptr;
};

} // namespace aio::net
