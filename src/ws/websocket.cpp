// One WebSocket session: receiving (frames -> messages, pings answered), the closing
// handshake, keep-alive pings; sending is in send.cpp. Design: docs/design/ws.md.

#include "ws/utf8.hpp"
#include "ws/ws_state.hpp"

#include <aio/core/error.hpp>
#include <aio/core/event_loop.hpp>
#include <aio/core/sleep.hpp>
#include <aio/core/timeout.hpp>
#include <aio/net/errors.hpp>

#include <utility>

namespace aio::ws {

namespace detail {

namespace {

reader_config reader_for(const ws_setup& s) {
    reader_config c;
    c.expect_masked = !s.client;
    c.deflate = s.deflate.has_value();
    c.max_message_size = s.opts.max_message_size;
    return c;
}

std::unique_ptr<deflater> deflater_for(const ws_setup& s) {
    if (!s.deflate)
        return nullptr;
    const deflate_params& p = *s.deflate;
    return s.client
               ? std::make_unique<deflater>(p.client_max_window_bits, p.client_no_context_takeover)
               : std::make_unique<deflater>(p.server_max_window_bits, p.server_no_context_takeover);
}

} // namespace

std::string closed_message(const char* what, std::uint16_t code) {
    return std::string("aio::ws::websocket::") + what + ": the connection is closed (code " +
           std::to_string(code) + ")";
}

ws_state::ws_state(net::stream owned, ws_setup s)
    : m_owned(std::move(owned)), m_s(&m_owned), m_setup(std::move(s)),
      m_reader(reader_for(m_setup)), m_deflater(deflater_for(m_setup)), m_in(m_setup.buffered),
      m_rng(std::random_device{}()) {
    m_setup.buffered = std::string();
    m_subprotocol = m_setup.subprotocol;
    m_compressed = m_setup.deflate.has_value();
}

ws_state::ws_state(net::stream* borrowed, ws_setup s)
    : m_s(borrowed), m_setup(std::move(s)), m_reader(reader_for(m_setup)),
      m_deflater(deflater_for(m_setup)), m_in(m_setup.buffered), m_rng(std::random_device{}()) {
    m_setup.buffered = std::string();
    m_subprotocol = m_setup.subprotocol;
    m_compressed = m_setup.deflate.has_value();
}

void ws_state::make_key(unsigned char key[4]) {
    // RFC 6455 §5.3 wants unpredictable masks; they matter against proxies fed by browser
    // scripts. A per-connection generator seeded from std::random_device is enough here.
    const std::uint32_t k = m_rng();
    for (int i = 0; i < 4; ++i)
        key[i] = static_cast<unsigned char>(k >> (8 * i));
}

void ws_state::finish(std::uint16_t code, std::string reason) {
    if (m_phase == phase::closed)
        return;
    m_phase = phase::closed;
    m_out.clear(); // a lost connection's corked frames (a close frame flushed them otherwise)
    m_batch = false;
    m_code = code;
    m_reason = std::move(reason);
    m_closed.set();
    m_pong.set(); // a keep-alive waiting for a pong ends
}

void ws_state::lost(const std::string& why) {
    const std::uint16_t code = m_fail_code ? m_fail_code : close_code::abnormal;
    const std::string msg = m_fail_code ? m_fail_reason : "aio::ws: " + why;
    if (m_phase != phase::closed)
        m_pending = std::make_exception_ptr(connection_closed_error(code, msg));
    finish(code, "");
}

task<read_event> ws_state::next_event() {
    for (;;) {
        read_event ev = m_reader.next(m_in.pending());
        if (ev.kind == read_kind::error)
            co_return ev;
        if (ev.kind != read_kind::need_more) {
            m_in.consume(ev.consumed);
            if (ev.kind == read_kind::partial)
                continue;
            m_batch = !m_reader.in_frame() && holds_whole_frame(m_in.pending());
            co_return ev;
        }
        m_batch = false;
        if (!m_out.empty()) {
            try {
                co_await flush_out(); // the echoes of what the last read delivered
            } catch (const connection_closed_error&) {
                // the read below sees the connection's end
            }
        }
        std::size_t n = 0;
        std::string failure;
        try {
            n = co_await m_s->read_into(m_in.room());
        } catch (const io_error& e) {
            failure = e.what();
        } catch (const invalid_state_error& e) {
            failure = e.what();
        }
        if (n == 0) {
            read_event lost_ev;
            lost_ev.kind = read_kind::error;
            lost_ev.code = close_code::abnormal;
            lost_ev.reason = "the peer closed the connection without a close frame";
            if (!m_in.empty() || m_reader.in_frame())
                lost_ev.reason += ", in the middle of a frame";
            else if (m_reader.in_message())
                lost_ev.reason += ", in the middle of a fragmented message";
            if (!failure.empty())
                lost_ev.reason += " (" + failure + ")";
            co_return lost_ev;
        }
        m_in.commit(n);
    }
}

task<void> ws_state::send_close(std::uint16_t code, std::string_view reason) {
    if (m_close_sent)
        co_return;
    m_close_sent = true;
    if (m_phase == phase::open)
        m_phase = phase::closing;
    // 1005 means "no code": the close frame then has no payload.
    const std::string payload =
        code == close_code::no_status ? std::string() : close_payload(code, reason);
    co_await write_control(opcode::close, payload);
}

task<void> ws_state::close_stream() {
    if (!m_s->is_closing())
        co_await m_s->close();
}

task<void> ws_state::on_peer_close(const read_event& ev) {
    if (!m_close_sent) {
        try {
            co_await send_close(ev.code, ""); // echo the code (RFC 6455 §5.5.1)
        } catch (const connection_closed_error&) {
        }
    }
    finish(ev.code, ev.reason);
    co_await close_stream();
}

task<void> ws_state::fail(std::uint16_t code, const std::string& why) {
    m_pending = std::make_exception_ptr(
        protocol_error(code, "aio::ws: " + why + "; closed with " + std::to_string(code)));
    if (!m_close_sent) {
        // The reason is what we tell the peer; a close payload holds at most 123 bytes.
        std::string reason = why.substr(0, 123);
        while (!reason.empty() && !is_valid_utf8(reason))
            reason.pop_back();
        try {
            co_await send_close(code, reason);
        } catch (const connection_closed_error&) {
        }
    }
    finish(code, why);
    co_await close_stream();
}

task<bool> ws_state::on_control(const read_event& ev) {
    switch (ev.kind) {
    case read_kind::ping:
        if (!m_close_sent) {
            try {
                co_await write_control(opcode::pong, std::string(m_reader.payload()));
            } catch (const connection_closed_error&) {
                // the next read sees the connection's end
            }
        }
        co_return true;
    case read_kind::pong:
        if (!m_ping_expect.empty() && m_reader.payload() == m_ping_expect)
            m_pong.set();
        co_return true;
    case read_kind::close:
        co_await on_peer_close(ev);
        co_return false;
    case read_kind::error:
        if (ev.code == close_code::abnormal) {
            lost(ev.reason);
            co_await close_stream();
        } else {
            co_await fail(ev.code, ev.reason);
        }
        co_return false;
    default:
        co_return true;
    }
}

std::optional<message> ws_state::end_of_input() {
    if (m_pending)
        std::rethrow_exception(std::exchange(m_pending, nullptr));
    return std::nullopt;
}

ws_state::entry ws_state::enter_receive(const char* what) {
    if (m_phase == phase::closed) {
        end_of_input(); // throws a pending error, once
        return entry::ended;
    }
    if (m_reading && m_phase == phase::closing)
        return entry::wait_close; // close() is reading the peer's close frame
    if (m_reading)
        throw invalid_state_error(std::string("aio::ws::websocket::") + what +
                                  ": another task is receiving");
    return entry::read;
}

task<std::optional<message>> ws_state::receive() {
    if (const entry e = enter_receive("receive"); e != entry::read) {
        if (e == entry::wait_close)
            co_await m_closed.wait(); // this receive ends with the closing handshake
        co_return std::nullopt;
    }
    flag_guard g(m_reading);
    m_reader.set_streaming(false);
    if (m_stream_open)
        ++m_stream_id; // the streamed message's reader is left: its rest is skipped below
    for (;;) {
        read_event ev = co_await next_event();
        if (ev.kind == read_kind::text || ev.kind == read_kind::binary)
            co_return message{m_reader.take_message(), ev.kind == read_kind::binary};
        if (ev.kind == read_kind::chunk) {
            m_stream_open = !ev.last;
            continue;
        }
        if (!co_await on_control(ev))
            co_return end_of_input();
    }
}

task<void> ws_state::ping(std::string_view payload) {
    if (payload.size() > 125)
        throw net::invalid_argument_error("aio::ws::websocket::ping: payload over 125 bytes");
    if (m_phase != phase::open)
        throw connection_closed_error(m_code, closed_message("ping", m_code));
    co_await write_control(opcode::ping, payload);
}

task<void> ws_state::drain_until_closed() {
    for (;;) {
        read_event ev = co_await next_event();
        if (ev.kind == read_kind::close) {
            co_await on_peer_close(ev);
            co_return;
        }
        if (ev.kind == read_kind::error) {
            if (ev.code == close_code::abnormal) {
                finish(m_code ? m_code : close_code::abnormal, "");
                co_await close_stream();
            } else {
                co_await fail(ev.code, ev.reason);
                m_pending = nullptr; // close() does not throw the peer's violation
            }
            co_return;
        }
        // data after our close frame is dropped (RFC 6455 §1.4: the peer may still send)
    }
}

task<void> ws_state::close(std::uint16_t code, std::string_view reason) {
    if (!is_valid_close_code(code) || code == 1012 || code == 1013 || code == 1014)
        throw net::invalid_argument_error("aio::ws::websocket::close: invalid close code " +
                                          std::to_string(code));
    if (reason.size() > 123 || !is_valid_utf8(reason))
        throw net::invalid_argument_error(
            "aio::ws::websocket::close: the reason must be UTF-8 of at most 123 bytes");
    if (m_phase == phase::closed)
        co_return;
    std::shared_ptr<ws_state> self =
        shared_from_this(); // a background close may outlive the handle
    const std::uint16_t my_code = code;
    if (!m_close_sent) {
        try {
            co_await send_close(code, reason);
        } catch (const connection_closed_error&) {
            // No close frame can go out (the stream failed, or a cancelled write cut a
            // frame in half): drop the connection.
            m_s->abort();
            finish(close_code::abnormal, "");
            co_return;
        }
    }
    bool late = false;
    bool cancelled = false;
    try {
        if (m_reading) {
            // Another task is in receive(): it reads the peer's close frame for us.
            co_await aio::wait_for(m_closed.wait(), m_setup.opts.close_timeout);
        } else {
            flag_guard g(m_reading);
            co_await aio::wait_for(drain_until_closed(), m_setup.opts.close_timeout);
        }
    } catch (const timeout_error&) {
        late = true;
    } catch (const cancelled_error&) {
        cancelled = true;
    }
    if (late || cancelled) {
        m_s->abort();
        finish(my_code, std::string(reason));
        if (cancelled)
            throw cancelled_error();
    }
}

void ws_state::abort() noexcept {
    m_out.clear();
    m_batch = false;
    m_s->abort();
}

task<void> keepalive(std::shared_ptr<ws_state> self) {
    const auto interval = self->m_setup.opts.ping_interval;
    const auto timeout = self->m_setup.opts.ping_timeout;
    unsigned n = 0;
    for (;;) {
        co_await aio::sleep(interval);
        if (self->m_phase != ws_state::phase::open)
            co_return;
        self->m_ping_expect = "aio-keepalive-" + std::to_string(++n);
        self->m_pong.clear();
        try {
            co_await self->write_control(opcode::ping, self->m_ping_expect);
        } catch (const connection_closed_error&) {
            co_return;
        }
        bool late = false;
        try {
            co_await aio::wait_for(self->m_pong.wait(), timeout);
        } catch (const timeout_error&) {
            late = true;
        }
        if (self->m_phase != ws_state::phase::open)
            co_return;
        if (late) {
            self->m_fail_code = close_code::internal_error;
            self->m_fail_reason = "aio::ws: no pong within ping_timeout (" +
                                  std::to_string(timeout.count()) + " ms); closed with 1011";
            try {
                co_await self->send_close(close_code::internal_error, "keepalive ping timeout");
            } catch (const connection_closed_error&) {
            }
            self->m_s->abort(); // a receive() in progress sees the end and throws
            co_return;
        }
    }
}

namespace {
task<void>
close_in_background(std::shared_ptr<ws_state> self, std::uint16_t code, const char* reason) {
    try {
        co_await self->close(code, reason);
    } catch (const cancelled_error&) {
        throw;
    } catch (const std::exception&) {
    }
}
} // namespace

void ws_state::start_keepalive() {
    if (m_setup.opts.ping_interval.count() > 0 && !m_keepalive)
        m_keepalive = aio::create_task(keepalive(shared_from_this()), "aio::ws keepalive");
}

void ws_state::going_away() {
    if (m_phase != phase::open || m_closer)
        return;
    m_closer = aio::create_task(
        close_in_background(shared_from_this(), close_code::going_away, "server shutting down"),
        "aio::ws close");
}

// The handles are dropped once cancelled (or awaited): a handle keeps its task's frame, and
// the frame holds a shared_ptr to this state, so a kept handle would be a reference cycle. A
// task whose handle is dropped still runs to its end (it was cancelled: soon), then frees.
void ws_state::cancel_background() noexcept {
    if (m_keepalive && !m_keepalive->done())
        m_keepalive->cancel();
    if (m_closer && !m_closer->done())
        m_closer->cancel();
    m_keepalive.reset();
    m_closer.reset();
}

task<void> ws_state::stop_background() {
    if (m_keepalive && !m_keepalive->done())
        m_keepalive->cancel();
    if (m_closer && !m_closer->done())
        m_closer->cancel();
    // (A plain array: GCC 12 cannot keep an initializer_list alive across the co_await.)
    std::optional<task_handle<void>>* handles[2] = {&m_keepalive, &m_closer};
    for (auto* h : handles) {
        if (!*h)
            continue;
        task_handle<void> t = **h;
        try {
            co_await t;
        } catch (const std::exception&) {
            // its cancellation, or an error it already reported
        }
        h->reset();
    }
}

} // namespace detail

websocket::websocket(std::shared_ptr<detail::ws_state> s) noexcept : m_s(std::move(s)) {}

websocket& websocket::operator=(websocket&& o) noexcept {
    if (this != &o) {
        websocket old(std::move(*this));
        m_s = std::move(o.m_s);
    }
    return *this;
}

websocket::~websocket() {
    if (!m_s)
        return;
    m_s->cancel_background();
    if (m_s->owns_stream() && m_s->m_phase != detail::ws_state::phase::closed)
        m_s->abort();
}

namespace {
detail::ws_state& need(const std::shared_ptr<detail::ws_state>& s, const char* what) {
    if (!s)
        throw invalid_state_error(std::string("aio::ws::websocket::") + what +
                                  ": an empty websocket (default-constructed or moved from)");
    return *s;
}
} // namespace

task<std::optional<message>> websocket::receive() {
    return need(m_s, "receive").receive();
}
task<void> websocket::send(std::string_view text) {
    return need(m_s, "send").send_message(detail::opcode::text, text);
}
task<void> websocket::send_binary(std::span<const std::byte> data) {
    return need(m_s, "send_binary")
        .send_message(detail::opcode::binary,
                      std::string_view(reinterpret_cast<const char*>(data.data()), data.size()));
}
task<void> websocket::send_binary(std::string_view data) {
    return need(m_s, "send_binary").send_message(detail::opcode::binary, data);
}
task<std::optional<message_reader>> websocket::receive_stream() {
    return need(m_s, "receive_stream").receive_stream();
}
task<void> websocket::send_stream(generator<std::string> chunks, bool binary) {
    return need(m_s, "send_stream").send_stream(std::move(chunks), binary);
}
task<void> websocket::ping(std::string_view payload) {
    return need(m_s, "ping").ping(payload);
}
task<void> websocket::close(std::uint16_t code, std::string_view reason) {
    return need(m_s, "close").close(code, reason);
}
void websocket::abort() noexcept {
    if (m_s)
        m_s->abort();
}
bool websocket::is_open() const noexcept {
    return m_s && m_s->m_phase == detail::ws_state::phase::open;
}
std::uint16_t websocket::close_code() const noexcept {
    return m_s && m_s->m_phase == detail::ws_state::phase::closed ? m_s->m_code : 0;
}
std::string_view websocket::close_reason() const noexcept {
    return m_s ? std::string_view(m_s->m_reason) : std::string_view();
}
std::string_view websocket::subprotocol() const noexcept {
    return m_s ? std::string_view(m_s->m_subprotocol) : std::string_view();
}
bool websocket::compressed() const noexcept {
    return m_s && m_s->m_compressed;
}

} // namespace aio::ws
