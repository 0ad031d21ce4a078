// aio::http::request: one request as a server handler sees it (aiohttp.web.Request).
#pragma once

#include <aio/core/task.hpp>
#include <aio/http/headers.hpp>
#include <aio/http/parser.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace aio::net {
class stream;
}

namespace aio::http {

namespace detail {
class connection;
}

class request;

/// A connection handed over to another protocol after a `101 Switching Protocols` response
/// (request::upgrade; aio::ws builds on it). Valid while the upgrade handler runs; the server
/// closes the stream when the handler returns. Loop thread only.
class upgraded_connection {
  public:
    /// The request that asked for the upgrade (valid while the upgrade handler runs).
    request& req() const noexcept;
    /// The connection's stream, after the 101 response was written.
    net::stream& stream() const noexcept;
    /// The bytes the server had read past the request head (the new protocol's first
    /// bytes); returns them once, "" afterwards.
    std::string take_buffered();
    /// True once the server is closing (close(), shutdown(), destruction).
    bool server_closing() const noexcept;
    /// Calls `f` (once, on the loop thread, synchronously inside server::close()) when the
    /// server starts closing while the upgrade handler runs; the protocol should then end
    /// its session (WebSocket: close code 1001). Replaces an earlier callback.
    void on_server_close(std::function<void()> f);

  private:
    friend class detail::connection;
    explicit upgraded_connection(detail::connection& c, request& r) noexcept : m_c(c), m_req(r) {}
    detail::connection& m_c;
    request& m_req;
};

/// What runs on an upgraded connection (see request::upgrade).
using upgrade_handler = std::function<task<void>(upgraded_connection&)>;

/// One request received by aio::http::server, handed to middleware and the handler by
/// reference. The head is copied out of the connection's buffer (the fields below own their
/// bytes); the body is read on demand with read()/text(), from the same connection.
///
/// - Body: read() returns the whole body (Content-Length or chunked framing, decoded),
///   at most server_options::max_body_size bytes, else it throws http_exception(413), which
///   the server answers with 413. On `Expect: 100-continue` the server sends
///   `100 Continue` when the body is first read, not before. The body is read once and kept:
///   a second read() returns it again. A handler that does not read it is fine: the server
///   discards it before the next request.
/// - Lifetime: valid until the handler's task (the whole middleware chain) completes; do
///   not keep references to it in tasks that outlive the handler.
/// - Threads: the loop thread of the server that received it.
///
///     app.route("POST", "/echo/{name}", [](aio::http::request& req) ->
///     aio::task<aio::http::response> {
///         std::string body = co_await req.text();
///         co_return aio::http::response::text(200, std::string(req.param("name")) + ": " + body);
///     });
class request {
  public:
    /// The method as sent ("GET"; case-sensitive).
    std::string method;
    /// The request-target as sent, percent-encoded ("/a%20b?q=1").
    std::string target;
    /// The percent-decoded path of the target, without the query ("/a b").
    std::string path;
    /// The raw query, without '?' ("" if none).
    std::string raw_query;
    http_version version;
    /// The header fields (case-insensitive lookup: headers.get("content-type")).
    http::headers headers;
    /// True if the client asked to keep the connection open after this request.
    bool keep_alive = true;

    /// The value of the route parameter `{name}` (or `{name...}`), percent-decoded; "" if the
    /// route has no such parameter.
    std::string_view param(std::string_view name) const noexcept;
    /// The first value of query parameter `name`, percent-decoded ('+' is a space, as in
    /// HTML forms); nullopt if absent ("?q" and "?q=" give ""). Throws http_exception(400)
    /// for a malformed escape (so an uncaught one answers 400).
    std::optional<std::string> query(std::string_view name) const;

    /// The whole body (see the class comment); "" for a request without one. Throws
    /// http_exception (413: too large; 400: malformed chunked coding or the client closed
    /// early; 408: the body stalled for server_options::body_timeout), aio::io_error.
    [[nodiscard]] task<std::string> read();
    /// The body as text: the same bytes as read() (no charset conversion).
    [[nodiscard]] task<std::string> text();

    /// Asks the server to hand the connection over to another protocol (WebSocket) after
    /// this request: the handler then returns a response with status 101 (its headers say
    /// which protocol, e.g. `Upgrade: websocket`); the server writes that head (no body, no
    /// Content-Length), runs `h` with the connection, and closes the connection when `h`
    /// returns. Middleware still sees the request and the 101 response (and may replace it:
    /// a response other than 101 cancels the upgrade). A 101 without upgrade() is a 500.
    void upgrade(upgrade_handler h) { m_upgrade = std::move(h); }

    /// Route parameters, in pattern order (set by the router).
    std::vector<std::pair<std::string, std::string>> params;

    request() = default;
    explicit request(detail::connection* c) noexcept : m_conn(c) {}

  private:
    friend class detail::connection;
    detail::connection* m_conn = nullptr;
    std::optional<std::string> m_body;
    upgrade_handler m_upgrade;
};

} // namespace aio::http
