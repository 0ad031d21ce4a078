// aio::ws::message_reader: one received message, read frame by frame (websocket::receive_stream).
#pragma once

#include <aio/core/task.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace aio::ws {

namespace detail {
class ws_state;
}

/// A message being received in chunks, without buffering it whole (the websockets library's
/// `recv_streaming()`): returned by websocket::receive_stream(). Each chunk is the payload of
/// one frame, or a piece of a frame bigger than 64 KiB (or options::max_message_size) as its
/// bytes arrive (inflated when the message is compressed; a text message's chunks may cut a
/// UTF-8 sequence, the message as a whole is checked). Any message and frame size is
/// accepted; options::max_message_size bounds each chunk instead.
///
/// - next() returns the next chunk, std::nullopt after the last one. Pings that arrive
///   between the frames are answered inside next().
/// - Errors: as websocket::receive() (protocol_error, connection_closed_error); a connection
///   that closes before the message's end throws connection_closed_error from next(), even
///   after a closing handshake, since the message is incomplete.
/// - A reader left before its end: the next receive() or receive_stream() skips the rest of
///   its message; next() on the old reader then throws aio::invalid_state_error.
/// - Cancellation: a cancelled next() loses nothing; the next call goes on.
/// - Threads: the websocket's loop thread. It keeps the connection's state alive.
///
///     while (auto r = co_await ws.receive_stream())
///         while (auto chunk = co_await r->next()) file.write(*chunk);
class message_reader {
  public:
    message_reader(std::shared_ptr<detail::ws_state> s,
                   std::uint64_t id,
                   bool binary,
                   std::string first,
                   bool done) noexcept;

    /// The next chunk of the message; std::nullopt after its last one.
    [[nodiscard]] task<std::optional<std::string>> next();
    /// True for a binary message, false for text.
    bool binary() const noexcept { return m_binary; }
    /// True once next() returned the last chunk.
    bool done() const noexcept { return m_done && !m_first; }

  private:
    std::shared_ptr<detail::ws_state> m_s;
    std::uint64_t m_id;
    bool m_binary;
    bool m_done;
    std::optional<std::string> m_first;
};

} // namespace aio::ws
