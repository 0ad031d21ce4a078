// aio::ws::options: limits, subprotocols, compression and keep-alive of a WebSocket.
#pragma once

#include <aio/net/tls.hpp>

#include <chrono>
#include <cstddef>
#include <type_traits>

namespace aio::ws {

/// Options of a WebSocket, for connect(), client_session::ws_connect(), accept() and
/// server::websocket(). Designated initializers read well:
/// `{.max_message_size = 16 << 20, .ping_interval = 20s}`.
///
/// Trivially destructible (GCC 12 destroys owning members of an aggregate temporary twice
/// inside a co_await; DESIGN.md "Spelling"): the strings are `const char*`, copied when the
/// call starts running, so a literal or a string that lives across the co_await is fine.
struct options {
    /// Largest message accepted, after reassembly of fragments and after decompression
    /// (the websockets library's max_size, 1 MiB). A bigger one closes the connection with
    /// 1009 and receive() throws protocol_error. Frames claiming more are refused from
    /// their header, before their payload is read. receive_stream() applies it to each
    /// chunk instead (see message_reader).
    std::size_t max_message_size = 1024 * 1024;
    /// Outgoing messages longer than this are sent as several frames (fragmentation);
    /// 0: one frame per message.
    std::size_t fragment_size = 0;
    /// Offer (client) or accept (server) permessage-deflate (RFC 7692). It is used only
    /// when both sides want it.
    bool compression = true;
    /// Subprotocols, comma-separated, in order of preference ("chat.v2, chat"): a client
    /// offers them (Sec-WebSocket-Protocol); a server picks the first of its list that the
    /// client offered (none if no match: the client then sees subprotocol() == "").
    const char* subprotocols = "";
    /// Client only: the Origin header to send ("" for none).
    const char* origin = "";
    /// Send a ping this often while the connection is open (0: never). If the pong does not
    /// come within ping_timeout the connection is closed with 1011 and receive() throws
    /// connection_closed_error. Pongs are read by receive(), so a task must be receiving.
    std::chrono::milliseconds ping_interval{0};
    std::chrono::milliseconds ping_timeout{20000};
    /// How long close() waits for the peer's close frame before it drops the connection.
    std::chrono::milliseconds close_timeout{10000};
    /// Client only: bound on the TCP connect, TLS and the opening handshake (0: none).
    std::chrono::milliseconds open_timeout{10000};
    /// Client only, wss://: the TLS context (default: tls_context::client(), the system's
    /// CAs). Must outlive the connect call (co_await it in the same expression).
    net::tls_context_ref tls{};
};
static_assert(std::is_trivially_destructible_v<options>);

} // namespace aio::ws
