// aio::http::server: an HTTP/1.1 server with a router and middleware (aiohttp.web).
// Design: docs/design/http.md ("Server"); guide: docs/guide/http.md.
#pragma once

#include <aio/core/task.hpp>
#include <aio/http/parser.hpp>
#include <aio/http/request.hpp>
#include <aio/http/response.hpp>
#include <aio/net/tls.hpp>

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
    /// At most this many connections at once (0: no limit). At the limit the server stops
    /// accepting (clients wait in the listen backlog) until a connection closes: backpressure,
    /// not refusal. Idle keep-alive connections count, so keep_alive_timeout bounds the wait.
    std::size_t max_connections = 0;
    /// HTTPS: every connection runs a TLS handshake with this server context first
    /// (aio::net::tls_context::server(cert, key)). If the context offers no ALPN protocols,
    /// listen() sets them to {"http/1.1"} (on the context itself, which is shared by its
    /// copies), so clients that offer ALPN negotiate HTTP/1.1. Only referred to: the
    /// context must outlive the listen() call (the server keeps its own copy).
    net::tls_context_ref tls{};
    /// Bound on each connection's TLS handshake.
    std::chrono::milliseconds tls_handshake_timeout{10000};
};
static_assert(std::is_trivially_destructible_v<listen_options>);

/// Options of server::add_static. Trivially destructible (see server_options).
struct static_options {
    /// Served for a request of a directory (its path ending in '/'); nullptr or "": none,
    /// and a directory is answered 403. A directory requested without the trailing slash is
    /// redirected (301) to the path with it, so relative links in the index work.
    const char* index = "index.html";
    /// Cache-Control value sent with every file ("" or nullptr: none).
    const char* cache_control = nullptr;
};
static_assert(std::is_trivially_destructible_v<static_options>);

/// Options of server::serve_until_signal and server::run (web.run_app).
struct run_app_options {
    /// How long in-flight requests may take to finish after the signal; handlers still
    /// running then are cancelled.
    std::chrono::milliseconds shutdown_timeout{10000};
};
static_assert(std::is_trivially_destructible_v<run_app_options>);

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
    /// Serves the files under the folder `root` at URL paths under `prefix` (aiohttp's
    /// add_static): GET and HEAD of `prefix + "/" + relative path`. See docs/guide/http.md
    /// ("Static files") for every rule; in short:
    /// - Confinement: the file is opened relative to `root` with openat2(RESOLVE_BENEATH),
    ///   so neither `..` (also percent-encoded: `%2e%2e`, `%2f`), an absolute path, nor a
    ///   symbolic link pointing out of `root` can escape it (403); symbolic links that stay
    ///   inside are followed. Only regular files are served (a device, a FIFO: 403).
    /// - Directories: static_options::index (403 without one), 301 to add a missing '/'.
    /// - Content-Type from the extension (application/octet-stream when unknown);
    ///   `ETag` ("mtime-size", hex) and `Last-Modified`; `If-None-Match` (then
    ///   `If-Modified-Since`) answers 304; `Range: bytes=a-b` (one range, also `a-` and `-n`)
    ///   answers 206 with `Content-Range`, an unsatisfiable one 416; several ranges are
    ///   answered 200 with the whole file (allowed by RFC 9110 §14.2); `Accept-Ranges: bytes`.
    /// - Sending: the file is opened and examined on the thread pool, and its bytes go out
    ///   with aio::net::stream::sendfile (zero-copy on plain TCP; read and encrypted under
    ///   TLS). One descriptor per request, closed when the response is sent or aborted.
    /// Throws aio::io_error if `root` cannot be opened as a directory now, and
    /// std::invalid_argument for a prefix that does not start with '/' (a trailing '/' is
    /// ignored). Call before listen(), like route().
    ///
    ///     app.add_static("/static", "/srv/www");   // GET /static/css/site.css
    void add_static(std::string_view prefix, std::string root, static_options options = {});
    /// Writes one line per answered request to `sink` (off by default), after the response
    /// is sent, in aiohttp's default format plus the time taken (peer address, time, request
    /// line, status, body bytes sent, Referer, User-Agent, seconds from the end of the head to
    /// the end of the response):
    ///
    ///     127.0.0.1 [05/Dec/2026:17:46:21 +0000] "GET /x HTTP/1.1" 200 13 "-" "curl/8" 0.000412s
    /// Called on the loop
    /// thread: a sink that blocks (a slow file) stalls the server. An empty function turns
    /// the log off.
    ///
    ///     app.access_log([](std::string_view line) { std::cerr << line << '\n'; });
    void access_log(std::function<void(std::string_view)> sink);

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

    /// Serves until SIGINT or SIGTERM arrives, then shuts down gracefully: stops accepting,
    /// closes idle keep-alive connections, lets in-flight requests finish within
    /// options.shutdown_timeout (then cancels them), and returns the signal's number. Call
    /// after listen(). While it waits, those signals do not kill the process nor cancel the
    /// main task (aiocpp's handler takes them). Returns 0 if the server was closed by other
    /// means first (close()/shutdown()).
    [[nodiscard]] task<int> serve_until_signal(run_app_options options = {});
    /// web.run_app: runs a loop on the calling thread (aio::run), listens on host:port and
    /// serves until SIGINT/SIGTERM as serve_until_signal does; returns 0 for a main() to
    /// return. `on_ready` (may be empty) is called once listening, with the bound port (for
    /// port 0). Throws what listen() throws. Must not be called while a loop runs here.
    ///
    ///     int main() {
    ///         aio::http::server app;
    ///         app.add_static("/", "./public");
    ///         return app.run("127.0.0.1", 8080);
    ///     }
    int run(std::string host,
            std::uint16_t port,
            run_app_options options = {},
            std::function<void(std::uint16_t)> on_ready = {});

  private:
    std::shared_ptr<detail::server_state> m_s;
};

} // namespace aio::http
