// aio::ws::connect and aio::ws::accept: open a WebSocket as a client, or serve the handshake
// on a stream you accepted yourself.
#pragma once

#include <aio/core/task.hpp>
#include <aio/http/headers.hpp>
#include <aio/net/stream.hpp>
#include <aio/ws/options.hpp>
#include <aio/ws/websocket.hpp>

#include <string>

namespace aio::ws {

/// Connects to a ws:// or wss:// URL (http:// and https:// are taken as ws:// and wss://)
/// and runs the opening handshake (RFC 6455 §4.1): offers options::subprotocols and, if
/// options::compression, permessage-deflate; checks the server's answer (status 101,
/// Upgrade, Connection, Sec-WebSocket-Accept, the subprotocol and extension it chose).
/// `extra_headers` are sent with the request (cookies, Authorization...).
///
/// Throws aio::http::invalid_url, handshake_error (an answer other than a valid 101),
/// aio::io_error subclasses, aio::net::tls_error, aio::timeout_error
/// (options::open_timeout). Cancellation closes the connection.
///
///     auto ws = co_await aio::ws::connect("ws://127.0.0.1:8080/chat", {.subprotocols = "chat"});
[[nodiscard]] task<websocket>
connect(std::string url, options opts = {}, http::headers extra_headers = {});

/// Serves the opening handshake on `s` (a connection you accepted, e.g. from
/// aio::net::start_server, possibly TLS): reads the request head, checks it, answers 101 and
/// returns the open websocket, which owns the stream. A request that is not a valid
/// WebSocket handshake is answered with 400 (426 for a wrong version or a plain request)
/// and handshake_error is thrown; the stream is closed.
[[nodiscard]] task<websocket> accept(net::stream s, options opts = {});

} // namespace aio::ws
