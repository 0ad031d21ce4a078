// aio::net::stream.
//
// Design (see also docs/design/net.md):
// * A stream is a pointer to a reference-counted stream_state. The stream object holds one
//   reference; every running call (read, write, close, ...) holds one; the background
//   flusher holds one. So the state, its buffers and its transport outlive every operation
//   that uses them, whatever the user does with the stream object meanwhile.
// * Reading: one reader at a time (m_reading). Bytes come from the transport into
//   m_in; read_line/read_until scan only the bytes not scanned before and stop reading once
//   the limit is passed (asyncio's readuntil rules), so the buffer is bounded by the limit
//   plus one read.
// * Writing: when nothing is queued the writer sends straight from the caller's buffer
//   ("inline"), like asyncio's write() trying send() first. What the kernel does not take
//   is queued in m_pending once it fits under the high-water mark, and a background task
//   (the flusher, a root task) sends it: m_pending becomes m_sending, so appends never move
//   memory that a send in flight reads. A write that would take the queue above the
//   high-water mark waits (m_changed) until the queue drained to the low-water mark.
// * Closing: abort() interrupts every call in flight (cancel_io / cancelling the flusher);
//   each call, when it leaves, calls maybe_release(), and the last one releases the
//   transport. close() drains, interrupts a pending reader, closes the transport
//   gracefully, and falls back to abort() if it is cancelled.
#include "net/fd_transport.hpp"
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

incomplete_read_error::incomplete_read_error(std::string partial, std::size_t expected)
    : error("aio::net::stream: the stream ended after " + std::to_string(partial.size()) +
            " byte(s)" +
            (expected ? " of the " + std::to_string(expected) + " expected" : std::string())),
      m_partial(std::move(partial)), m_expected(expected) {}

namespace detail {

namespace {

constexpr std::size_t min_read = 16 * 1024;
constexpr std::size_t max_read = 1024 * 1024;

stream_state* need_state(stream_core* s, const char* fn) {
    return static_cast<stream_state*>(need(s, fn));
}

/// Marks the reader busy for the duration of a call.
class read_scope {
  public:
    read_scope(stream_state* s, const char* fn) : m_s(s) {
        if (s->m_reading) {
            throw invalid_state_error(std::string("aio::net::stream::") + fn +
                                      ": another task is already reading from this stream");
        }
        s->m_reading = true;
    }
    ~read_scope() {
        m_s->m_reading = false;
        m_s->maybe_release();
        if (m_s->m_closing)
            m_s->changed(); // close() waits for the reader to leave
    }
    read_scope(const read_scope&) = delete;
    read_scope& operator=(const read_scope&) = delete;

  private:
    stream_state* m_s;
};

bool is_operation_canceled(const io_error& e) noexcept {
    return e.code() == std::errc::operation_canceled;
}

/// One read from the transport into the buffer, at most `want` bytes. Returns the count,
/// 0 at EOF (also after abort/close interrupted the read: a closed stream reads as EOF).
task<std::size_t> fill(stream_state* s, std::size_t want) {
    if (s->m_eof)
        co_return 0;
    if (s->m_closing || !s->m_t) {
        s->m_eof = true;
        co_return 0;
    }
    std::span<std::byte> room = s->m_in.prepare(std::min(want, max_read));
    std::size_t n = 0;
    try {
        if (fd_transport* f = s->m_t->as_fd())
            n = co_await f->read_op(room);
        else
            n = co_await s->m_t->read_some(room);
    } catch (const io_error& e) {
        if (!(s->m_closing && is_operation_canceled(e)))
            throw;
    }
    if (n == 0) {
        s->m_eof = true;
    } else {
        s->m_in.commit(n);
    }
    co_return n;
}

task<std::string> do_read(state_ref r, std::size_t n) {
    stream_state* s = r.get();
    read_scope scope(s, "read");
    if (n == 0)
        co_return std::string();
    if (s->m_in.size() == 0)
        co_await fill(s, std::max(n, min_read));
    co_return s->m_in.take(std::min(n, s->m_in.size()));
}

task<std::string> do_read_all(state_ref r) {
    stream_state* s = r.get();
    read_scope scope(s, "read_all");
    while (co_await fill(s, std::max(s->m_in.size(), min_read)) > 0) {
    }
    co_return s->m_in.take(s->m_in.size());
}

task<std::string> do_read_exactly(state_ref r, std::size_t n) {
    stream_state* s = r.get();
    read_scope scope(s, "read_exactly");
    while (s->m_in.size() < n) {
        if (co_await fill(s, std::max(n - s->m_in.size(), min_read)) == 0) {
            throw incomplete_read_error(s->m_in.take(s->m_in.size()), n);
        }
    }
    co_return s->m_in.take(n);
}

/// The limit_overrun_error of read_line/read_until: `found` is the separator's offset when
/// it was found past the limit (nullopt: not found); `fate` says what became of the data.
[[noreturn]] void throw_overrun(const char* fn,
                                std::optional<std::size_t> found,
                                std::size_t limit,
                                const std::string& fate,
                                std::size_t consumed) {
    std::string what = std::string("aio::net::stream::") + fn + ": separator ";
    what += found ? "found after " + std::to_string(*found) + " bytes, beyond" : "not found within";
    what += " the limit (" + std::to_string(limit) + " bytes); " + fate;
    throw limit_overrun_error(what, consumed);
}

/// read_until and read_line, with asyncio's readuntil rules (see stream.hpp): the separator
/// is looked for in everything buffered; one that starts at offset <= limit ends the
/// result; one that starts later is an overrun ("found"); without one, more than
/// limit + len(sep) - 1 buffered bytes are an overrun ("not found"). `line` selects
/// readline's treatment of EOF (return the rest) and of an overrun (discard through the
/// separator if it was found, else everything buffered).
task<std::string> do_read_until(state_ref r, std::string sep, std::size_t limit, bool line) {
    stream_state* s = r.get();
    const char* fn = line ? "read_line" : "read_until";
    read_scope scope(s, fn);
    if (sep.empty()) {
        throw invalid_argument_error("aio::net::stream::read_until: the separator is empty");
    }
    if (limit == 0)
        limit = s->m_limit;
    std::size_t scanned = 0; // the separator does not start before this offset
    while (true) {
        const std::string_view buf = s->m_in.view();
        const std::size_t pos =
            buf.size() >= scanned + sep.size() ? buf.find(sep, scanned) : std::string_view::npos;
        if (pos != std::string_view::npos) {
            const std::size_t end = pos + sep.size();
            if (pos <= limit)
                co_return s->m_in.take(end);
            if (line) {
                s->m_in.consume(end);
                throw_overrun(fn, pos, limit,
                              "the line's " + std::to_string(end) + " bytes were discarded", end);
            }
            throw_overrun(fn, pos, limit, "the data stays buffered", pos);
        }
        // Bytes that cannot hold the start of a separator (the last len(sep) - 1 might).
        scanned = std::max(scanned, buf.size() + 1 - std::min(buf.size() + 1, sep.size()));
        if (scanned > limit) {
            const std::size_t size = buf.size();
            if (line) {
                s->m_in.clear();
                throw_overrun(fn, std::nullopt, limit,
                              "its " + std::to_string(size) + " buffered bytes were discarded",
                              size);
            }
            throw_overrun(fn, std::nullopt, limit,
                          "its " + std::to_string(size) + " bytes stay buffered", scanned);
        }
        // One ordinary read, not capped at the limit: a separator that already arrived just
        // past the limit is seen (so an overlong line is dropped through it), and the buffer
        // stays bounded by the limit plus one read.
        if (co_await fill(s, min_read) == 0) {
            if (line)
                co_return s->m_in.take(s->m_in.size());
            throw incomplete_read_error(s->m_in.take(s->m_in.size()), 0);
        }
    }
}

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

} // namespace

std::span<std::byte> read_buffer::prepare(std::size_t n) {
    if (m_cap - m_end < n) {
        const std::size_t have = size();
        if (m_cap - have >= n && m_begin > 0) {
            std::memmove(m_data.get(), data(), have); // compact
        } else {
            const std::size_t cap = std::max({m_cap * 2, have + n, std::size_t{4096}});
            std::unique_ptr<char[]> grown(new char[cap]);
            if (have)
                std::memcpy(grown.get(), data(), have);
            m_data = std::move(grown);
            m_cap = cap;
        }
        m_begin = 0;
        m_end = have;
    }
    return {reinterpret_cast<std::byte*>(m_data.get() + m_end), n};
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

void stream_core::destroy(stream_core* s) noexcept {
    delete static_cast<stream_state*>(s);
}

void throw_empty_stream(const char* fn) {
    throw invalid_state_error(std::string("aio::net::stream::") + fn +
                              ": empty stream (default-constructed or moved from)");
}

stream_state::stream_state(std::unique_ptr<transport> t, const stream_options& opts, bool tcp)
    : m_t(std::move(t)), m_limit(opts.limit),
      m_low(opts.low_water ? opts.low_water : opts.high_water / 4), m_linger(opts.linger),
      m_tcp(tcp) {
    m_high = opts.high_water;
    set_fd_transport();
    m_send.m_owner = this;
    m_send.m_complete = &on_sent;
    m_reader.m_owner = this;
    m_reader.m_complete = &on_read;
    m_send.m_shutdown = &on_loop_shutdown;
    m_linger_timer.m_owner = this;
    m_linger_timer.m_fire = &on_linger_timeout;
}

stream_state::~stream_state() {
    aio::detail::loop_core::forget_detached(&m_send);
}

void stream_state::throw_not_writable(const char* fn) const {
    if (m_write_error)
        std::rethrow_exception(m_write_error);
    if (m_closing) {
        throw invalid_state_error(std::string("aio::net::stream::") + fn +
                                  ": the stream is closed");
    }
    throw invalid_state_error(std::string("aio::net::stream::") + fn +
                              ": write_eof() was called; the stream cannot send any more");
}

void stream_state::set_fd_transport() noexcept {
    m_fd_t = m_t ? m_t->as_fd() : nullptr;
    if (m_fd_t) {
        // The fds are filled in at each use: a pipe's write_eof() closes its fd.
        m_send.m_kind = m_fd_t->write_kind();
        m_reader.m_kind = m_fd_t->read_kind();
        m_reader.m_drains = m_fd_t->short_read_drains();
    }
    m_send_direct =
        m_fd_t && aio::detail::t_loop && !aio::detail::t_loop->io_backend().can_try_now();
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

void stream_state::on_read(io_op* op) noexcept {
    auto& r = static_cast<reader_op&>(*op);
    r.m_in_flight = false;
    r.m_owner->m_read_result = r.m_result;
    r.wake();
}

void stream_state::on_read_cancel(aio::detail::parking* p) noexcept {
    // Only a request: the task is woken by the op's own completion, so the kernel never
    // writes into a buffer that is gone.
    auto& r = static_cast<reader_op&>(*p);
    r.m_cancelled = true;
    if (r.m_in_flight)
        r.m_backend->cancel(r);
}

void stream_state::interrupt_read() noexcept {
    if (m_reader.m_in_flight)
        m_reader.m_backend->cancel(m_reader);
    else if (m_t)
        m_t->cancel_io();
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

using detail::need_state;
using detail::state_ref;

stream::stream(stream&& o) noexcept : m_s(std::exchange(o.m_s, nullptr)) {}

stream& stream::operator=(stream&& o) noexcept {
    if (this != &o) {
        stream old(std::move(*this));
        m_s = std::exchange(o.m_s, nullptr);
    }
    return *this;
}

stream::stream(detail::stream_state* s) noexcept : m_s(s) {}

detail::stream_state* stream::state() const noexcept {
    return static_cast<detail::stream_state*>(m_s);
}

stream::~stream() {
    if (m_s) {
        state()->linger();
        m_s->release();
    }
}

stream stream::from_fd(int fd, stream_options opts) {
    detail::unique_fd guard(fd);
    struct stat st {};
    if (fd < 0 || ::fstat(fd, &st) < 0) {
        detail::throw_io_error(fd < 0 ? EBADF : errno,
                               "aio::net::stream::from_fd(" + std::to_string(fd) + ")");
    }
    if (opts.limit == 0 || opts.high_water == 0 || opts.low_water > opts.high_water ||
        opts.linger.count() < 0) {
        throw invalid_argument_error(
            "aio::net::stream_options: limit and high_water must be > 0, low_water <= "
            "high_water and linger >= 0");
    }
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags >= 0 && !(flags & O_NONBLOCK))
        ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    const bool sock = S_ISSOCK(st.st_mode);
    bool tcp = false;       // an IP stream socket (set_nodelay applies)
    bool plain_tcp = false; // and TCP itself, not SCTP or MPTCP (see fd_transport)
    if (sock) {
        int domain = 0, type = 0, protocol = 0;
        socklen_t len = sizeof domain;
        ::getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len);
        len = sizeof type;
        ::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len);
        len = sizeof protocol;
        ::getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &protocol, &len);
        tcp = (domain == AF_INET || domain == AF_INET6) && type == SOCK_STREAM;
        plain_tcp = tcp && protocol == IPPROTO_TCP;
    }
    auto t = detail::make_fd_transport(fd, sock, plain_tcp);
    guard.release();
    return stream(new detail::stream_state(std::move(t), opts, tcp));
}

task<std::string> stream::read(std::size_t n) {
    return detail::do_read(state_ref(need_state(m_s, "read")), n);
}
task<std::string> stream::read_all() {
    return detail::do_read_all(state_ref(need_state(m_s, "read_all")));
}
task<std::string> stream::read_exactly(std::size_t n) {
    return detail::do_read_exactly(state_ref(need_state(m_s, "read_exactly")), n);
}
task<std::string> stream::read_line() {
    return detail::do_read_until(state_ref(need_state(m_s, "read_line")), "\n", 0, true);
}
task<std::string> stream::read_until(std::string_view separator, std::size_t limit) {
    return detail::do_read_until(state_ref(need_state(m_s, "read_until")), std::string(separator),
                                 limit, false);
}

// ---- read_into_awaitable ----
//
// No frame of its own: the synchronous cases are served by await_ready; otherwise a plain
// fd is read with the state's embedded operation (m_reader: the task parks on it, its
// completion stores the result in m_read_result, which the inline await_resume reads), and
// a TLS stream awaits the transport's read_some coroutine.

namespace {
task<std::size_t> await_read_into(read_into_awaitable a) {
    co_return co_await a;
}
} // namespace

read_into_awaitable::operator task<std::size_t>() && {
    return await_read_into(std::move(*this));
}

bool read_into_awaitable::ready_slow() {
    auto* s = static_cast<detail::stream_state*>(m_s.get());
    if (!s || m_mode != mode::not_awaited) {
        throw invalid_state_error(
            "aio::net::stream::read_into: this read was already awaited (or moved from)");
    }
    if (s->m_reading) {
        throw invalid_state_error(
            "aio::net::stream::read_into: another task is already reading from this stream");
    }
    m_mode = mode::ready;
    if (m_buf.empty())
        return true;
    if (const std::size_t have = s->m_in.size()) {
        m_ready = std::min(have, m_buf.size());
        std::memcpy(m_buf.data(), s->m_in.data(), m_ready);
        s->m_in.consume(m_ready);
        return true;
    }
    if (s->m_eof || s->m_closing || !s->m_t) {
        s->m_eof = true;
        return true;
    }
    return false;
}

std::coroutine_handle<> read_into_awaitable::await_suspend(std::coroutine_handle<> h) {
    auto* s = static_cast<detail::stream_state*>(m_s.get());
    s->m_reading = true;
    if (s->m_fd_t) {
        m_mode = mode::in_place;
        detail::stream_state::reader_op& op = s->m_reader;
        op.m_cancelled = false;
        if (!op.begin_park(h, &detail::stream_state::on_read_cancel)) {
            s->m_read_result = -ECANCELED;
            return h; // the task is cancelled: await_resume throws
        }
        // The fd is read afresh: write_eof() on a pipe closes it (-1: EBADF, never a
        // number reused by another file since).
        op.m_fd = s->m_fd_t->native_handle();
        op.m_buf = m_buf.data();
        op.m_len = std::min(m_buf.size(), detail::fd_transport::max_chunk);
        op.m_backend = &aio::detail::t_loop->io_backend(); // a task is running: so is its loop
        op.m_in_flight = true;
        op.m_backend->submit(op);
        return std::noop_coroutine();
    }
    m_mode = mode::slow;
    m_slow = s->m_t->read_some(m_buf);
    return m_slow.operator co_await().await_suspend(h);
}

std::size_t read_into_awaitable::resume_slow() {
    auto* s = static_cast<detail::stream_state*>(m_s.get());
    std::size_t n = 0;
    if (m_mode == mode::in_place) {
        const int r = s->m_read_result;
        if (r < 0) {
            if (s->m_reader.m_cancelled) {
                end_read();
                throw cancelled_error();
            }
            if (!(s->m_closing && r == -ECANCELED)) {
                end_read();
                detail::throw_io_error(-r, detail::io_what(s->m_reader.m_kind));
            }
            // close()/abort() interrupted the read: a closed stream reads as EOF.
        } else {
            n = static_cast<std::size_t>(r);
        }
    } else {
        try {
            n = m_slow.operator co_await().await_resume();
        } catch (const io_error& e) {
            if (!(s->m_closing && detail::is_operation_canceled(e))) {
                end_read();
                throw;
            }
        } catch (...) {
            end_read();
            throw;
        }
    }
    if (n == 0)
        s->m_eof = true;
    end_read();
    return n;
}

void read_into_awaitable::end_read() noexcept {
    auto* s = static_cast<detail::stream_state*>(m_s.get());
    s->m_reading = false;
    s->maybe_release();
    if (s->m_closing)
        s->changed(); // close() waits for the reader to leave
}
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

task<void> stream::drain() {
    return detail::do_drain(state_ref(need_state(m_s, "drain")));
}
task<void> stream::write_eof() {
    return detail::do_write_eof(state_ref(need_state(m_s, "write_eof")));
}
task<void> stream::close() {
    return detail::do_close(state_ref(need_state(m_s, "close")));
}
void stream::abort() noexcept {
    if (m_s)
        state()->abort();
}
task<void> stream::wait_closed() {
    return detail::wait_released(state_ref(need_state(m_s, "wait_closed")));
}

bool stream::is_closing() const noexcept {
    return m_s && m_s->m_closing;
}
bool stream::at_eof() const noexcept {
    // A closing stream reads as EOF at once (fill), as asyncio's does (bpo-35065).
    return !m_s || ((m_s->m_eof || m_s->m_closing) && m_s->m_in.size() == 0);
}
std::size_t stream::buffered() const noexcept {
    return m_s ? m_s->m_in.size() : 0;
}
std::size_t stream::write_buffer_size() const noexcept {
    return m_s ? m_s->write_queued() : 0;
}

void stream::set_write_buffer_limits(std::size_t high, std::size_t low) {
    detail::stream_state* s = need_state(m_s, "set_write_buffer_limits");
    if (low == 0)
        low = high / 4;
    if (high == 0 || low > high) {
        throw invalid_argument_error("aio::net::stream::set_write_buffer_limits: need 0 < low <= "
                                     "high, got high=" +
                                     std::to_string(high) + " low=" + std::to_string(low));
    }
    s->m_high = high;
    s->m_low = low;
    s->changed();
}

int stream::native_handle() const noexcept {
    const detail::stream_state* s = state();
    return s && s->m_t ? s->m_t->native_handle() : -1;
}

namespace {
address sock_name(const stream& s, bool peer, const char* fn) {
    const int fd = s.native_handle();
    std::optional<address> a =
        fd < 0 ? (errno = EBADF, std::nullopt) : detail::socket_address(fd, peer);
    if (!a)
        detail::throw_io_error(errno, std::string("aio::net::stream::") + fn);
    return *a;
}
} // namespace

address stream::peer_address() const {
    return sock_name(*this, true, "peer_address");
}
address stream::local_address() const {
    return sock_name(*this, false, "local_address");
}

void stream::set_nodelay(bool on) {
    const int fd = native_handle();
    const int v = on ? 1 : 0;
    if (fd < 0 || !state()->m_tcp) {
        detail::throw_io_error(fd < 0 ? EBADF : EOPNOTSUPP,
                               "aio::net::stream::set_nodelay: not a TCP stream");
    }
    if (::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, sizeof v) < 0) {
        detail::throw_io_error(errno, "aio::net::stream::set_nodelay");
    }
}

} // namespace aio::net
