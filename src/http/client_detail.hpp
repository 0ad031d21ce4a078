// Private parts of the http client: the connection pool, the body reader, content decoders,
// the cookie jar and the request serialiser. Design: docs/design/http.md ("Client").
#pragma once

#include <aio/core/task.hpp>
#include <aio/http/chunked.hpp>
#include <aio/http/client.hpp>
#include <aio/http/parser.hpp>
#include <aio/net/stream.hpp>
#include <aio/net/tls.hpp>
#include <aio/sync/semaphore.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aio::http::detail {

using steady = std::chrono::steady_clock;

/// Serialises a request head and body: request line with the origin-form target, Host
/// (unless given), the fields of `h` then of `extra`, Content-Length/Content-Type for a body.
std::string write_request(std::string_view method,
                          const url& u,
                          const headers& h,
                          const headers& extra,
                          const request_body& body);

/// Undoes one Content-Encoding, incrementally.
class content_decoder {
  public:
    virtual ~content_decoder() = default;
    /// Decodes `in`, returning what it yields (maybe nothing yet).
    virtual std::string feed(std::string_view in) = 0;
    /// The body ended: throws if the encoded stream was incomplete.
    virtual void finish() = 0;
};
/// A decoder for `encoding` ("gzip", "x-gzip", "deflate", "br"), nullptr for "identity" or
/// an encoding it does not know (the body is then handed out as received).
std::unique_ptr<content_decoder> make_decoder(std::string_view encoding);
/// The Accept-Encoding value matching make_decoder.
std::string_view accepted_encodings() noexcept;

/// The session's cookies (RFC 6265, the basics: Domain, Path, Expires, Max-Age, Secure).
class cookie_jar {
  public:
    /// Stores the cookie of one Set-Cookie value received from `from`; ignores invalid ones.
    void store(const url& from, std::string_view set_cookie);
    /// "a=1; b=2" for a request to `to` ("" if none).
    std::string header_for(const url& to) const;

  private:
    struct cookie {
        std::string name, value, domain, path;
        bool host_only = true, secure = false;
        std::optional<std::chrono::system_clock::time_point> expires;
    };
    std::vector<cookie> m_cookies;
};

/// A slot of the pool (total and per-host): released when destroyed.
class client_pool;
struct pool_slot {
    std::shared_ptr<client_pool> pool;
    std::string key;
    pool_slot() = default;
    pool_slot(std::shared_ptr<client_pool> p, std::string k) noexcept;
    pool_slot(pool_slot&&) noexcept = default;
    pool_slot& operator=(pool_slot&&) noexcept;
    ~pool_slot();
    void release() noexcept;
};

/// Keep-alive connections by origin, and the semaphores bounding open connections.
/// Shared (shared_ptr) by the session and the responses still reading a body.
class client_pool : public std::enable_shared_from_this<client_pool> {
  public:
    explicit client_pool(const client_options& o);
    /// Waits for a slot for `key` (per host, then total).
    task<pool_slot> acquire(std::string key);
    /// An idle connection to `key` that has not expired, or an empty stream.
    net::stream take_idle(const std::string& key);
    /// Makes room for a new connection: closes the oldest idle one if the pool is full.
    void make_room();
    /// Parks `s` as idle (closed instead when the session is closed).
    void put_idle(const std::string& key, net::stream s);
    void release(const std::string& key) noexcept;
    void close() noexcept;
    std::size_t in_use() const noexcept { return m_in_use; }
    std::size_t idle() const noexcept { return m_idle.size(); }
    net::tls_context& tls();
    bool closed() const noexcept { return m_closed; }
    /// A response parser, reset, for one response head: a spare one when there is one
    /// (its header arrays were allocated by an earlier request), else a new one.
    std::unique_ptr<response_parser> take_parser();
    /// Gives a parser back for reuse (at most max_spare_parsers are kept).
    void put_parser(std::unique_ptr<response_parser> p) noexcept;
    static constexpr std::size_t max_spare_parsers = 64;

  private:
    struct idle_conn {
        std::string key;
        net::stream s;
        steady::time_point since;
    };
    void expire() noexcept;
    client_options m_options;
    semaphore m_total;
    std::map<std::string, std::unique_ptr<semaphore>> m_per_host;
    std::deque<idle_conn> m_idle; // oldest first
    std::size_t m_in_use = 0;
    std::optional<net::tls_context> m_tls;
    bool m_closed = false;
    std::vector<std::unique_ptr<response_parser>> m_parsers; // spare, reserved up front
};

/// A parser taken from the pool for the time of one response head; given back when
/// destroyed, also when the request fails or is cancelled.
struct parser_lease {
    std::shared_ptr<client_pool> pool;
    std::unique_ptr<response_parser> parser;
    explicit parser_lease(std::shared_ptr<client_pool> p)
        : pool(std::move(p)), parser(pool->take_parser()) {}
    parser_lease(const parser_lease&) = delete;
    parser_lease& operator=(const parser_lease&) = delete;
    ~parser_lease() { pool->put_parser(std::move(parser)); }
};

/// The body of one response and the connection it arrives on.
class body_reader {
  public:
    net::stream s;
    std::string buf; // bytes received and not consumed yet
    body_framing framing = body_framing::none;
    std::uint64_t remaining = 0;
    chunked_decoder chunked;
    bool done = false, broken = false, keep_alive = true;
    pool_slot slot;
    std::unique_ptr<content_decoder> decoder;
    std::chrono::milliseconds sock_read{0};
    std::optional<steady::time_point> deadline;
    std::size_t max_body = 0, total = 0;
    std::string url, reason;
    int status = 0;

    /// One read from the socket with the sock_read and total bounds; "" at EOF.
    task<std::string> read_socket();
    /// The next piece of the body with the transfer coding removed; "" at the end.
    task<std::string> read_raw();
    /// The next piece, content-decoded.
    task<std::string> read_some();
    /// The body ended: the connection goes back to the pool if it can be reused.
    void finish() noexcept;
    /// Closes the connection (a read failed or was cancelled).
    void fail() noexcept;
};

} // namespace aio::http::detail
