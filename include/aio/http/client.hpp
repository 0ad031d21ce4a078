// aio::http::client_session: an HTTP/1.1 client with a connection pool (aiohttp.ClientSession).
// Design: docs/design/http.md ("Client"); guide: docs/guide/http.md ("Client").
#pragma once

#include <aio/core/error.hpp>
#include <aio/core/generator.hpp>
#include <aio/core/task.hpp>
#include <aio/http/headers.hpp>
#include <aio/http/url.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace aio::ws {
class websocket;
struct options;
} // namespace aio::ws

namespace aio::http {

namespace detail {
class client_pool;
class body_reader;
} // namespace detail

/// raise_for_status() on a 4xx or 5xx response. what(): "aio: HTTP 404 Not Found for
/// http://127.0.0.1:8080/x".
class status_error : public error {
  public:
    status_error(int status, const std::string& reason, const std::string& url);
    int status() const noexcept { return m_status; }

  private:
    int m_status;
};

/// More redirects than client_options::max_redirects (or request_options::max_redirects).
class too_many_redirects : public error {
  public:
    using error::error;
};

/// A response body larger than the limit (client_options::max_body_size).
class body_too_large : public error {
  public:
    using error::error;
};

/// A request body and its Content-Type: raw bytes, json_body() or form_body(). A value.
class request_body {
  public:
    /// No body.
    request_body() = default;
    /// `data` sent as is with `content_type` ("" sends no Content-Type).
    explicit request_body(std::string data, std::string content_type = "application/octet-stream")
        : m_data(std::move(data)), m_content_type(std::move(content_type)), m_present(true) {}
    const std::string& data() const noexcept { return m_data; }
    const std::string& content_type() const noexcept { return m_content_type; }
    /// True unless default-constructed.
    bool present() const noexcept { return m_present; }

  private:
    std::string m_data;
    std::string m_content_type;
    bool m_present = false;
};

/// `j` serialised, as application/json.
request_body json_body(const nlohmann::json& j);

/// application/x-www-form-urlencoded from name/value pairs, e.g.
/// `form_body("user", "ann", "page", "2")` (an even number of string arguments).
request_body form_body(std::vector<std::pair<std::string, std::string>> fields);
template <class... S>
requires(sizeof...(S) % 2 == 0 && (std::is_convertible_v<S, std::string_view> && ...)) request_body
    form_body(S&&... s) {
    std::vector<std::string> flat{std::string(std::string_view(s))...};
    std::vector<std::pair<std::string, std::string>> f;
    for (std::size_t i = 0; i + 1 < flat.size(); i += 2)
        f.emplace_back(std::move(flat[i]), std::move(flat[i + 1]));
    return form_body(std::move(f));
}

/// Settings of a session (aiohttp's connector and ClientTimeout). Durations of 0 mean none.
struct client_options {
    /// Most connections open at once (in use or idle); a request waits for a slot.
    std::size_t limit = 100;
    /// Most connections to one origin (scheme, host, port); 0 means only `limit` applies.
    std::size_t limit_per_host = 0;
    /// Bound on a whole request: connecting, every redirect, and reading the body.
    std::chrono::milliseconds total_timeout{300000};
    /// Bound on opening a connection (DNS, TCP, TLS).
    std::chrono::milliseconds connect_timeout{0};
    /// Bound on each read from the socket (aiohttp's sock_read).
    std::chrono::milliseconds sock_read_timeout{0};
    /// How long an idle keep-alive connection stays in the pool.
    std::chrono::milliseconds keepalive_timeout{15000};
    /// Redirects followed before too_many_redirects.
    int max_redirects = 10;
    /// Largest decoded body read(), text() or json() accept (body_too_large); 0: no limit.
    std::size_t max_body_size = 64 * 1024 * 1024;
    /// Sends Accept-Encoding and decodes gzip, deflate and br bodies.
    bool auto_decompress = true;
    /// A PEM file of CA certificates trusted for https in addition to the system store.
    const char* ca_file = nullptr;
};
static_assert(std::is_trivially_destructible_v<client_options>);

/// Per-request settings. GCC 12 destroys owning members of an aggregate temporary twice in a
/// co_await expression, so this holds pointers: what they point to must stay valid until the
/// request starts running (fine when it is co_awaited in the same expression); it is copied
/// then.
struct request_options {
    /// Extra header fields (they replace the session's defaults of the same name).
    const http::headers* headers = nullptr;
    /// Query parameters appended to the URL's query.
    const http::query_builder* params = nullptr;
    /// Follow 3xx responses with a Location.
    bool allow_redirects = true;
    /// -1: the session's max_redirects.
    int max_redirects = -1;
};
static_assert(std::is_trivially_destructible_v<request_options>);

/// A response whose head has arrived; the body is read on demand. Move-only.
///
/// The connection stays leased to the response until its body was read completely (then it
/// goes back to the pool) or the response is destroyed (a body not read to its end closes the
/// connection). Threads: loop thread only. Reads may be cancelled; a cancelled or timed-out
/// read closes the connection and later reads throw aio::invalid_state_error.
///
///     auto r = co_await http.get("http://127.0.0.1:8080/");
///     r.raise_for_status();
///     std::string body = co_await r.text();
class client_response {
  public:
    client_response() = default;
    client_response(client_response&&) noexcept;
    client_response& operator=(client_response&&) noexcept;
    ~client_response();

    int status = 0;
    std::string reason;
    http::headers headers;
    /// The final URL (after redirects).
    std::string url;
    /// The URLs of the redirect responses that led here, in order.
    std::vector<std::string> history;

    /// The next piece of the (decoded) body, "" once it ended.
    [[nodiscard]] task<std::string> read_some();
    /// The body as an async generator of pieces (aiohttp's `r.content.iter_any()`); the
    /// response must outlive the generator.
    ///
    ///     auto chunks = r.content();
    ///     while (auto piece = co_await chunks.next()) out.write(*piece);
    [[nodiscard]] generator<std::string> content();
    /// The rest of the body (decoded). Throws body_too_large beyond max_body_size.
    [[nodiscard]] task<std::string> read();
    /// read() as text (the bytes as received; no charset conversion).
    [[nodiscard]] task<std::string> text();
    /// read() parsed as JSON (nlohmann::json::parse_error on bad JSON).
    [[nodiscard]] task<nlohmann::json> json();
    /// Throws status_error for a 4xx or 5xx status.
    void raise_for_status() const;
    /// True once the body was read to its end.
    bool body_done() const noexcept;

    /// Internal: made by client_session.
    explicit client_response(std::unique_ptr<detail::body_reader> body) noexcept;

  private:
    std::unique_ptr<detail::body_reader> m_body;
};

/// An HTTP/1.1 client: a pool of keep-alive connections (TCP or TLS), redirects, cookies,
/// content decoding and timeouts. asyncio's aiohttp.ClientSession.
///
/// - Threads: loop thread only. The session must outlive the requests started on it; the
///   responses may outlive it (their connection is then closed instead of pooled).
/// - Errors: aio::http::invalid_url (before any I/O: malformed, or not http/https with a
///   host), aio::http::invalid_header_error (a method or header that is not valid on the
///   wire, before any I/O), aio::timeout_error (connect, sock_read, total), aio::io_error
///   subclasses, aio::net::tls_error, aio::http::protocol_error (a malformed response),
///   too_many_redirects.
/// - Cancellation: a cancelled request closes its connection; nothing is pooled half-read.
/// - A keep-alive connection that the server closed while it was idle is retried once on a
///   new connection for idempotent methods (GET, HEAD, OPTIONS, PUT, DELETE).
///
///     aio::http::client_session http({.limit_per_host = 8});
///     auto r = co_await http.get("http://127.0.0.1:8080/users/7");
///     nlohmann::json j = co_await r.json();
///     auto p = co_await http.post("http://127.0.0.1:8080/users", aio::http::json_body(j));
class client_session {
  public:
    explicit client_session(client_options options = {});
    client_session(const client_session&) = delete;
    client_session& operator=(const client_session&) = delete;
    ~client_session();

    [[nodiscard]] task<client_response> request(std::string method,
                                                std::string url,
                                                request_options options = {},
                                                request_body body = {});
    [[nodiscard]] task<client_response> get(std::string url, request_options options = {});
    [[nodiscard]] task<client_response> head(std::string url, request_options options = {});
    [[nodiscard]] task<client_response> del(std::string url, request_options options = {});
    [[nodiscard]] task<client_response>
    post(std::string url, request_body body = {}, request_options options = {});
    [[nodiscard]] task<client_response>
    put(std::string url, request_body body = {}, request_options options = {});
    [[nodiscard]] task<client_response>
    patch(std::string url, request_body body = {}, request_options options = {});

    /// Opens a WebSocket (aiohttp's ws_connect): aio::ws::connect() with this session's
    /// default headers and the cookies its jar holds for the URL. Defined by the ws layer:
    /// include <aio/ws/websocket.hpp> to call it (docs/guide/ws.md).
    [[nodiscard]] task<ws::websocket> ws_connect(std::string url);
    [[nodiscard]] task<ws::websocket> ws_connect(std::string url, ws::options o);

    /// Header fields sent with every request (e.g. Authorization, User-Agent).
    http::headers& default_headers() noexcept { return m_default_headers; }
    /// "name=value; ..." that would be sent to `url` now (the cookie jar's view).
    std::string cookies_for(std::string_view url) const;
    /// Connections open now (in use and idle) and idle ones.
    std::size_t open_connections() const noexcept;
    std::size_t idle_connections() const noexcept;
    /// Closes every idle connection (in-use ones close when their response is done).
    void close() noexcept;

  private:
    struct state;
    using time_point = std::chrono::steady_clock::time_point;
    task<client_response> follow(std::string method,
                                 url u,
                                 http::headers hdrs,
                                 request_body body,
                                 bool allow_redirects,
                                 int max_redirects,
                                 std::optional<time_point> deadline);
    task<client_response> send_with_retry(const std::string& method,
                                          const url& u,
                                          const http::headers& hdrs,
                                          const request_body& body,
                                          std::optional<time_point> deadline);
    task<client_response> send_once(const std::string& method,
                                    const url& u,
                                    const http::headers& hdrs,
                                    const request_body& body,
                                    std::optional<time_point> deadline,
                                    bool may_reuse);
    client_options m_options;
    http::headers m_default_headers;
    std::shared_ptr<detail::client_pool> m_pool;
    std::unique_ptr<state> m_state;
};

} // namespace aio::http
