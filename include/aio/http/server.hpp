// aio::http::server: an HTTP/1.1 server with a router and middleware (aiohttp.web).
// Design: docs/design/http.md ("Server"); guide: docs/guide/http.md.
#pragma once

#include <aio/core/task.hpp>
#include <aio/http/parser.hpp>
#include <aio/http/request.hpp>
#include <aio/http/response.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>

namespace aio::ws {
class websocket;
struct options;
} // namespace aio::ws

namespace aio::http {

namespace detail {
class server_state;
}

/// A WebSocket handler (server::websocket): runs once per accepted WebSocket connection,
/// with the upgrade request (Origin, cookies, route parameters) and the open socket.
using websocket_handler = std::function<task<void>(request&, ws::websocket&)>;

/// A request handler: called once per matching request, on the loop thread. A coroutine
/// lambda stored here should not capture what may die before the server (the lambda object
/// itself lives as long as the server, so its captures do too).
using handler = std::function<task<response>(request&)>;

/// The rest of the chain after a middleware: the next middleware, or the router.
/// Copyable; valid while the request is. Call it at most once per request.
class next_handler {
  public:
    next_handler(const detail::server_state* s, std::size_t index) noexcept : m_s(s), m_i(index) {}
    [[nodiscard]] task<response> operator()(request& req) const;

  private:
    const detail::server_state* m_s;
    std::size_t m_i;
};

/// A middleware: sees every request before the router, in registration order (the first
/// registered is the outermost), and may answer itself or call `next(req)`.
///
///     app.use([](aio::http::request& req, aio::http::next_handler next) ->
///     aio::task<aio::http::response> {
///         auto r = co_await next(req);
///         r.headers.set("X-Served-By", "aiocpp");
///         co_return r;
///     });
using middleware = std::function<task<response>(request&, next_handler)>;

/// Limits and timeouts of a server (aiohttp's client_max_size, keepalive_timeout...).
/// Trivially destructible (GCC 12: see aio::net::server_options).
struct server_options {
    /// Largest request body read() accepts (413 beyond; aiohttp: 1 MiB).
    std::size_t max_body_size = 1024 * 1024;
    /// Limits of the request head (414 / 431 beyond).
    parser_limits limits{};
    /// The whole head of a request must arrive within this, counted from its first byte
    /// (or from the connection's start for its first request); else 408 and the
    /// connection is closed, so a slow client cannot hold a connection (slowloris).
    std::chrono::milliseconds header_timeout{10000};
    /// An idle keep-alive connection is closed after this (aiohttp: 75 s).
    std::chrono::milliseconds keep_alive_timeout{75000};
    /// Reading a body (after its head) must not pause longer than this between reads; else
    /// read() throws http_exception(408).
    std::chrono::milliseconds body_timeout{60000};
};
static_assert(std::is_trivially_destructible_v<server_options>);

/// Options of server::listen (see aio::net::server_options).
struct listen_options {
    int backlog = 100;
    bool reuse_address = true;
    /// SO_REUSEPORT: servers on several loops (threads) listen on one port and the kernel
    /// spreads connections between them.
    bool reuse_port = false;
};
static_assert(std::is_trivially_destructible_v<listen_options>);

/// An HTTP/1.1 server: routes requests by method and path to handlers, through
/// middleware, over aio::net streams. Keep-alive, pipelining (answers in order),
/// `Expect: 100-continue`, HTTP/1.0 clients, HEAD, chunked request bodies.
///
/// - Routes: `{name}` matches one path segment, `{name...}` (last only) the rest of the path,
///   slashes included (possibly empty); other segments match literally. Segments are
///   compared percent-decoded. First registered match wins. A path that matches with another
///   method gets 405 with `Allow`; no match, 404. A HEAD request uses the GET route when there
///   is no HEAD route.
/// - Errors: a handler's exception becomes a 500 (reported through the loop's exception
///   handler) and an http_exception its status; the connection and the server go on. A
///   malformed request gets the parser's status (400/414/431/501/505) and the connection is
///   closed.
/// - Threads: one loop; every call on that loop's thread. For several threads, create one
///   server per loop with listen_options::reuse_port.
/// - Lifetime: route()/use() before listen(); destroying the server closes it (connections
///   still open are aborted when their handler returns).
///
///     aio::http::server app;
///     app.route("GET", "/users/{id}", [](aio::http::request& req) ->
///     aio::task<aio::http::response> {
///         co_return aio::http::response::text(200, "user " + std::string(req.param("id")));
///     });
///     co_await app.listen("127.0.0.1", 0);   // app.port()
///     co_await app.serve_forever();           // until app.close() / shutdown()
class server {
  public:
    explicit server(server_options options = {});
    ~server();
    server(server&&) noexcept;
    server& operator=(server&&) noexcept;
    server(const server&) = delete;
    server& operator=(const server&) = delete;

    /// Adds a route. Throws std::invalid_argument for a malformed pattern (not starting
    /// with '/', `{name...}` not last, an unclosed brace).
    void route(std::string_view method, std::string_view pattern, handler h);
    /// Adds a WebSocket route (GET `pattern` with `Upgrade: websocket`; RFC 6455): the
    /// handshake is checked and answered with 101, then `h` runs with the open socket; when
    /// it returns the socket is closed (1000; 1011 if it threw). A plain GET on the pattern
    /// gets 426, a malformed handshake 400. The route goes through the middleware like any
    /// other. The server counts the connection; close()/shutdown() closes it with 1001.
    /// Defined by the ws layer: include <aio/ws/websocket.hpp> to call it (docs/guide/ws.md).
    void websocket(std::string_view pattern, websocket_handler h);
    /// The same with options (limits, subprotocols, compression, keep-alive pings).
    void websocket(std::string_view pattern, websocket_handler h, const ws::options& o);
    /// Adds a middleware (runs in registration order, outermost first).
    void use(middleware m);

    /// Starts listening on host:port (0: the kernel picks, see port()). Throws aio::io_error.
    [[nodiscard]] task<void>
    listen(std::string host, std::uint16_t port, listen_options options = {});
    /// The bound port (after listen()).
    std::uint16_t port() const noexcept;
    /// Waits until close() or shutdown() stops the server; if cancelled, closes it.
    [[nodiscard]] task<void> serve_forever();
    /// Stops accepting, closes idle keep-alive connections, and makes busy ones close after
    /// their current response. Does not wait. Idempotent.
    void close() noexcept;
    /// close(), then waits for in-flight requests to finish, at most `deadline`; handlers still
    /// running then are cancelled (and awaited).
    [[nodiscard]] task<void> shutdown(std::chrono::milliseconds deadline);
    /// Connections currently open.
    std::size_t connections() const noexcept;

  private:
    std::shared_ptr<detail::server_state> m_s;
};

} // namespace aio::http
