// aio::net::stream: the read path (buffer fills, read/read_line/read_until rules,
// read_into). See stream.cpp for the design.
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

incomplete_read_error::incomplete_read_error(std::string partial, std::size_t expected)
    : error("aio::net::stream: the stream ended after " + std::to_string(partial.size()) +
            " byte(s)" +
            (expected ? " of the " + std::to_string(expected) + " expected" : std::string())),
      m_partial(std::move(partial)), m_expected(expected) {}

namespace detail {

namespace {

constexpr std::size_t min_read = 16 * 1024;
constexpr std::size_t max_read = 1024 * 1024;

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

} // namespace

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

namespace {

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

} // namespace

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

} // namespace detail

using detail::state_ref;

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

} // namespace aio::net
