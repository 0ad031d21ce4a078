// Private parts of aio::http::server: the shared state (routes, middleware, listener, open
// connections, Date cache) and one connection's state machine. Design: docs/design/http.md.
#pragma once

#include <aio/http/server.hpp>
#include <aio/net/server.hpp>
#include <aio/net/stream.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace aio::http::detail {

/// Writes the IMF-fixdate of `sec` (seconds since the epoch, UTC) to `out` (at least 29
/// bytes); returns its length.
std::size_t format_http_date(std::int64_t sec, char* out) noexcept;

/// The `Date` header value, formatted at most once a second. One per server, and a server
/// lives on one loop, so there is no process-wide mutable state and no locking.
class date_cache {
  public:
    std::string_view get();

  private:
    std::int64_t m_second = -1;
    char m_text[32] = {};
    std::size_t m_len = 0;
};

/// What the server adds to a response when it writes it.
struct write_context {
    bool head_request = false; ///< send the head only
    bool keep_alive = true;    ///< false: `Connection: close`
    bool http10 = false;       ///< an HTTP/1.0 client kept alive gets `Connection: keep-alive`
    std::string_view date;
};

/// Serialises `r` (status line, fields, framing, body) for the wire into `out` (cleared
/// first; its capacity is reused).
void serialize_response(const response& r, const write_context& ctx, std::string& out);

struct route_segment {
    enum class kind : unsigned char { literal, param, tail };
    kind k = kind::literal;
    std::string text; ///< the literal (decoded), or the parameter's name
};

struct route_entry {
    std::string method;
    std::vector<route_segment> segments;
    handler h;
};

class connection;

/// Who ended first while a streamed body was sent (connection_stream.cpp).
struct stream_race {
    bool body_over = false; ///< the transmit task finished or failed
    bool peer_gone = false; ///< the watcher saw EOF or a reset
};

class server_state {
  public:
    explicit server_state(const server_options& o) : opts(o) {}
    /// The router: fills req.params and runs the handler, or answers 404/405.
    task<response> dispatch(request& req) const;
    /// Stops accepting and wakes idle connections so they close.
    void close() noexcept;

    server_options opts;
    std::vector<route_entry> routes;
    std::vector<middleware> middlewares;
    net::server listener;
    bool listening = false;
    bool closing = false;
    std::set<connection*> connections; // registered by each connection's constructor
    date_cache date;
    /// server::access_log's sink; empty: no access log.
    std::function<void(std::string_view)> access_log;
};

/// One access-log line (aiohttp's default format, plus the time taken):
/// `127.0.0.1 [05/Dec/2026:17:46:21 +0000] "GET /x HTTP/1.1" 200 13 "-" "curl/7.88.1" 0.000412s`
std::string access_log_line(std::string_view peer,
                            const request& req,
                            int status,
                            std::uint64_t body_bytes,
                            double seconds);

/// One accepted connection: reads request heads, runs the chain, writes responses in order.
/// Lives in the frame of the net::server's connection task.
class connection {
  public:
    connection(std::shared_ptr<server_state> st, net::stream s);
    ~connection();
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;

    task<void> run();
    /// request::read(): the body of the current request.
    task<std::string> read_body();
    /// Wakes the connection if it waits for a next request (server closing); tells an
    /// upgraded connection's protocol that the server is closing.
    void close_if_idle() noexcept;

  private:
    friend class http::upgraded_connection;
    task<void> run_upgrade(request& req, const response& resp);

    enum class body_state : unsigned char { none, unread, done, broken };
    task<bool> read_more(std::chrono::milliseconds limit);
    task<bool> serve_one(request_parser& parser, bool first);
    /// Writes `r`; returns the body bytes sent (for the access log).
    task<std::uint64_t> send(const response& r, bool head_request, bool keep_alive, bool http10);
    /// Sends a streamed body while watching the connection: a client that goes away
    /// cancels the generator (see response::stream).
    task<std::uint64_t> send_streamed(const response& r, bool http10);
    task<void> watch_peer(stream_race* race);

    std::shared_ptr<server_state> m_st;
    net::stream m_s;
    std::string m_buf; // received, not yet consumed
    static constexpr std::size_t read_chunk = 16 * 1024;
    static constexpr std::size_t wbuf_keep = 16 * 1024; // m_wbuf capacity kept between requests
    std::unique_ptr<char[]> m_rbuf; // read_more's read_into target (read_chunk bytes)
    std::string m_wbuf;             // send()'s serialised response, kept for the next one
    http::headers m_spare_headers;  // the last request's fields, recycled for the next one
    bool m_idle = false;
    // the current request's body
    body_state m_body = body_state::none;
    body_framing m_framing = body_framing::none;
    std::uint64_t m_length = 0;
    bool m_expect_continue = false;
    bool m_sent_continue = false;
    // after a 101: the protocol's shutdown callback (upgraded_connection::on_server_close)
    bool m_upgraded = false;
    std::function<void()> m_on_server_close;
};

} // namespace aio::http::detail
