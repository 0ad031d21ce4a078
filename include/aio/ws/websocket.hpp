// aio::ws::websocket: one WebSocket connection, client or server side (RFC 6455).
// Design: docs/design/ws.md; guide: docs/guide/ws.md.
#pragma once

#include <aio/core/generator.hpp>
#include <aio/core/task.hpp>
#include <aio/http/server.hpp>
#include <aio/ws/errors.hpp>
#include <aio/ws/message_reader.hpp>
#include <aio/ws/options.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace aio::ws {

namespace detail {
class ws_state;
}

/// One received message: text (valid UTF-8, `binary == false`) or binary, whole
/// (fragments are reassembled, compressed messages inflated).
struct message {
    std::string data;
    bool binary = false;
};

/// A WebSocket connection (the websockets library's connection, aiohttp's WebSocketResponse
/// and ClientWebSocketResponse). Obtained from connect(), client_session::ws_connect(),
/// accept(), or handed to a server::websocket() handler.
///
/// - Receiving: receive() returns the next message, std::nullopt once the connection closed
///   with a closing handshake (whichever side began it; close_code() says how). Pings are
///   answered and pongs noted inside receive(). One task at a time may receive.
///   receive_stream() gives a message frame by frame instead (message_reader), for messages
///   too big to hold; send_stream() sends one from an async generator of chunks.
/// - Sending: send(text), send_binary(bytes), ping(); several tasks may send, each message
///   goes out whole (its frames are never interleaved with another message's). A send waits
///   while the connection's send buffer is over its high-water mark (64 KiB): backpressure.
/// - Closing: close(code, reason) sends a close frame and waits (options::close_timeout) for
///   the peer's; it may be called while another task is in receive() (that receive then
///   returns std::nullopt). A server handler's socket is closed by the server after the
///   handler returns. Destroying an open client websocket drops the TCP connection without
///   a close frame (the peer sees 1006): close() it.
/// - Errors: receive() throws protocol_error when the peer broke the protocol (this side
///   closed with 1002, 1007 or 1009), connection_closed_error when the connection ended
///   without a closing handshake ("aio::ws: the peer closed the connection without a close
///   frame, in the middle of a frame"); each once, std::nullopt afterwards. send() after
///   the close throws connection_closed_error; invalid UTF-8 passed to send() throws
///   aio::net::invalid_argument_error.
/// - Cancellation: a cancelled receive() loses nothing (bytes and partial messages stay
///   buffered) and the connection stays usable; a cancelled close() drops the connection.
/// - Threads: the loop thread that made it. Move-only handle.
///
///     auto ws = co_await aio::ws::connect("ws://127.0.0.1:8080/chat");
///     co_await ws.send("hello");
///     while (auto m = co_await ws.receive()) std::cout << m->data << "\n";
///     co_await ws.close();
class websocket {
  public:
    websocket() noexcept = default;
    explicit websocket(std::shared_ptr<detail::ws_state> s) noexcept;
    websocket(websocket&&) noexcept = default;
    websocket& operator=(websocket&&) noexcept;
    websocket(const websocket&) = delete;
    websocket& operator=(const websocket&) = delete;
    ~websocket();

    /// The next message; std::nullopt once closed (see the class comment for errors).
    [[nodiscard]] task<std::optional<message>> receive();
    /// Sends a text message. `text` must be UTF-8 and stay valid until the send completes
    /// (co_await it in the same expression).
    [[nodiscard]] task<void> send(std::string_view text);
    /// Sends a binary message (same lifetime rule).
    [[nodiscard]] task<void> send_binary(std::span<const std::byte> data);
    [[nodiscard]] task<void> send_binary(std::string_view data);
    /// The next message as a stream of chunks, without buffering it (the websockets
    /// library's recv_streaming()); std::nullopt once closed. See message_reader.
    ///
    ///     while (auto r = co_await ws.receive_stream())
    ///         while (auto chunk = co_await r->next()) total += chunk->size();
    [[nodiscard]] task<std::optional<message_reader>> receive_stream();
    /// Sends one message whose parts come from `chunks` (the websockets library's
    /// `send(async_iterator)`): each chunk is sent as a frame as soon as it is yielded, so a
    /// message of any size goes out in bounded memory, at the pace the peer reads it (the
    /// next chunk is pulled only after the previous frame was accepted under the high-water
    /// mark). A final empty frame ends the message. Text (binary == false) is checked as
    /// UTF-8 across the chunks. Streamed messages are sent uncompressed (allowed under
    /// permessage-deflate). Other sends wait until the message is out; pings and pongs may
    /// go between its frames.
    ///
    /// If the source throws, is invalid UTF-8, or the call is cancelled after the first
    /// frame went out, the message cannot be finished: the connection is closed with 1011
    /// (in the background; dropped if a frame was cut in half) and the error is rethrown.
    /// Before the first frame, nothing is sent and the connection stays usable.
    ///
    ///     aio::generator<std::string> parts(aio::file& f) {
    ///         for (std::string b; !(b = co_await f.read(1 << 16)).empty();) co_yield b;
    ///     }
    ///     co_await ws.send_stream(parts(f), true);
    [[nodiscard]] task<void> send_stream(generator<std::string> chunks, bool binary = false);
    /// Sends a ping (payload at most 125 bytes); its pong is noted by receive().
    [[nodiscard]] task<void> ping(std::string_view payload = {});
    /// Starts the closing handshake with `code` (1000, 1001..1003, 1007..1011 or
    /// 3000..4999) and `reason` (UTF-8, at most 123 bytes) and waits for the peer's close
    /// frame (at most options::close_timeout), then closes the connection. Idempotent.
    [[nodiscard]] task<void> close(std::uint16_t code = close_code::normal,
                                   std::string_view reason = {});
    /// Drops the connection now, without a close frame.
    void abort() noexcept;

    /// True until a close frame was sent or received or the connection was lost.
    bool is_open() const noexcept;
    /// The close code once closed (the peer's, or this side's if the peer's never came;
    /// 1005 for a close frame without a code, 1006 for none); 0 while open.
    std::uint16_t close_code() const noexcept;
    /// The close frame's reason ("" if none).
    std::string_view close_reason() const noexcept;
    /// The negotiated subprotocol ("" if none).
    std::string_view subprotocol() const noexcept;
    /// True when permessage-deflate was negotiated.
    bool compressed() const noexcept;

    /// Internals, for the library's own layers. Not part of the public API.
    const std::shared_ptr<detail::ws_state>& state() const noexcept { return m_s; }

  private:
    std::shared_ptr<detail::ws_state> m_s;
};

} // namespace aio::ws
