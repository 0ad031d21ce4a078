// Streaming messages: receive_stream() / message_reader (a message frame by frame, never
// reassembled) and send_stream() (a message whose frames go out as its source yields them).
// Design: docs/design/ws.md ("Streaming").

#include "ws/utf8.hpp"
#include "ws/ws_state.hpp"

#include <aio/core/error.hpp>
#include <aio/core/shield.hpp>
#include <aio/core/timeout.hpp>
#include <aio/net/errors.hpp>

#include <exception>
#include <utility>

namespace aio::ws {

namespace detail {

task<std::optional<message_reader>> ws_state::receive_stream() {
    if (const entry e = enter_receive("receive_stream"); e != entry::read) {
        if (e == entry::wait_close)
            co_await m_closed.wait();
        co_return std::nullopt;
    }
    flag_guard g(m_reading);
    m_reader.set_streaming(true);
    const bool skipping = m_stream_open; // the rest of a left reader's message
    if (skipping)
        ++m_stream_id;
    for (;;) {
        read_event ev = co_await next_event();
        if (ev.kind == read_kind::chunk) {
            if (skipping && m_stream_open) {
                m_stream_open = !ev.last;
                continue;
            }
            m_stream_open = !ev.last;
            co_return message_reader(shared_from_this(), ++m_stream_id, m_reader.message_binary(),
                                     m_reader.take_message(), ev.last);
        }
        if (ev.kind == read_kind::text || ev.kind == read_kind::binary) {
            // A message that began reassembled (a receive() cancelled mid-message): whole.
            co_return message_reader(shared_from_this(), ++m_stream_id,
                                     ev.kind == read_kind::binary, m_reader.take_message(), true);
        }
        if (!co_await on_control(ev)) {
            end_of_input();
            co_return std::nullopt;
        }
    }
}

task<std::optional<std::string>> ws_state::next_chunk(std::uint64_t id, bool& last) {
    if (id != m_stream_id)
        throw invalid_state_error("aio::ws::message_reader::next: a later receive() or "
                                  "receive_stream() skipped the rest of this message");
    if (m_phase == phase::closed) {
        end_of_input();
        throw connection_closed_error(m_code, "aio::ws::message_reader::next: the connection "
                                              "closed in the middle of the message (code " +
                                                  std::to_string(m_code) + ")");
    }
    if (m_reading)
        throw invalid_state_error("aio::ws::message_reader::next: another task is receiving");
    flag_guard g(m_reading);
    for (;;) {
        read_event ev = co_await next_event();
        if (ev.kind == read_kind::chunk) {
            m_stream_open = !ev.last;
            last = ev.last;
            co_return m_reader.take_message();
        }
        if (!co_await on_control(ev)) {
            end_of_input();
            throw connection_closed_error(
                m_code, "aio::ws::message_reader::next: the connection closed in the middle of "
                        "the message (code " +
                            std::to_string(m_code) + ")");
        }
    }
}

task<void> ws_state::fail_stream(const std::string& why) {
    // The peer saw part of a message that will never end: the only way out is to close.
    // Shielded, so that a cancelled send_stream still says why; bounded by close_timeout.
    try {
        co_await aio::shield(
            aio::wait_for(send_close(close_code::internal_error, why), m_setup.opts.close_timeout));
    } catch (const std::exception&) {
        m_s->abort(); // a frame was cut in half, or the peer does not read: drop it
        finish(close_code::abnormal, "");
    }
}

task<void> ws_state::send_stream(generator<std::string> chunks, bool binary) {
    const char* what = binary ? "send_stream (binary)" : "send_stream";
    if (m_phase != phase::open)
        throw connection_closed_error(m_code ? m_code : close_code::normal,
                                      "aio::ws::websocket::send_stream: the connection is closed");
    co_await wait_send_turn();
    if (m_phase != phase::open)
        throw connection_closed_error(m_code ? m_code : close_code::internal_error,
                                      "aio::ws::websocket::send_stream: the connection is closed");
    std::shared_ptr<ws_state> self = shared_from_this(); // the frames outlive a dropped handle
    m_sending_stream = true;
    m_send_turn.clear();
    bool started = false;
    std::exception_ptr failed;
    try {
        utf8_validator utf8;
        std::string out;
        unsigned char key[4];
        for (;;) {
            std::optional<std::string> chunk = co_await chunks.next();
            if (chunk && chunk->empty())
                continue;
            if (chunk && !binary && !utf8.feed(*chunk))
                throw net::invalid_argument_error(
                    "aio::ws::websocket::send_stream: the text is not valid UTF-8");
            if (!chunk && !binary && !utf8.complete())
                throw net::invalid_argument_error("aio::ws::websocket::send_stream: the text "
                                                  "ends in the middle of a UTF-8 sequence");
            if (m_phase != phase::open)
                throw connection_closed_error(m_code ? m_code : close_code::abnormal,
                                              std::string("aio::ws::websocket::") + what +
                                                  ": the connection closed mid-message");
            const opcode op =
                started ? opcode::continuation : (binary ? opcode::binary : opcode::text);
            out.clear();
            if (m_setup.client)
                make_key(key);
            // Every chunk goes out as a frame at once; an empty final frame ends the message.
            append_frame(out, op, !chunk, false, chunk ? std::string_view(*chunk) : "",
                         m_setup.client ? key : nullptr);
            started = true;
            co_await write_bytes(std::move(out));
            if (!chunk)
                break;
        }
    } catch (...) {
        failed = std::current_exception();
    }
    m_sending_stream = false;
    m_send_turn.set();
    if (!failed)
        co_return;
    if (started && m_phase == phase::open) {
        std::string why = "message stream failed";
        try {
            std::rethrow_exception(failed);
        } catch (const cancelled_error&) {
            why = "message stream cancelled";
        } catch (...) {
        }
        co_await fail_stream(why);
    }
    std::rethrow_exception(failed);
}

} // namespace detail

message_reader::message_reader(std::shared_ptr<detail::ws_state> s,
                               std::uint64_t id,
                               bool binary,
                               std::string first,
                               bool done) noexcept
    : m_s(std::move(s)), m_id(id), m_binary(binary), m_done(done), m_first(std::move(first)) {}

task<std::optional<std::string>> message_reader::next() {
    if (m_first)
        co_return std::exchange(m_first, std::nullopt);
    if (m_done)
        co_return std::nullopt;
    bool last = false;
    for (;;) {
        std::optional<std::string> chunk = co_await m_s->next_chunk(m_id, last);
        if (last)
            m_done = true;
        if (!chunk->empty() || last) {
            if (chunk->empty())
                co_return std::nullopt; // the message's empty final frame
            co_return chunk;
        }
    }
}

} // namespace aio::ws
