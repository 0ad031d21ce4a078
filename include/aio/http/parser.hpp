// aio::http::request_parser and response_parser: incremental, strict, zero-copy HTTP/1.1
// message-head parsers (RFC 9112) over one engine. Design: docs/design/http.md.
#pragma once

#include <aio/http/errors.hpp>
#include <aio/http/headers.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace aio::http {

/// Limits of a message head. Each violation has its own parse_errc (see http_status()).
struct parser_limits {
    /// Longest request line or status line, CRLF excluded (request: uri_too_long, 414).
    std::size_t max_start_line = 8 * 1024;
    /// Largest head, start line and final CRLF included (header_section_too_large, 431).
    std::size_t max_head_bytes = 64 * 1024;
    /// Most field lines (too_many_headers, 431). The parser allocates this many slots once,
    /// when it is constructed, and never per header.
    std::size_t max_headers = 100;
};

/// How the body of a message is delimited (RFC 9112 §6.3).
enum class body_framing : unsigned char {
    none,           ///< no body: HEAD/1xx/204/304 responses, requests without a length
    content_length, ///< exactly `content_length` bytes follow the head
    chunked,        ///< chunked transfer coding follows: use chunked_decoder
    until_close,    ///< response only: the body ends when the server closes the connection
};

/// HTTP-version of a message: 1.0 or 1.1 (anything else is rejected).
struct http_version {
    int major = 1;
    int minor = 1;
    friend bool operator==(http_version, http_version) = default;
};

/// What parse() says.
enum class parse_status : unsigned char {
    need_more, ///< the head is not complete yet: call parse() again with more bytes
    complete,  ///< the head is complete; head() is valid and `consumed` bytes belong to it
    error,     ///< the message is invalid; error() says why and where. Answer and close.
};

/// The result of one parse() call. `consumed` is the length of the head once complete
/// (the body, or the next message, starts there), else 0.
struct parse_result {
    parse_status status = parse_status::need_more;
    std::size_t consumed = 0;
};

/// What a request head says. Views point into the buffer given to the parse() call that
/// returned complete (see request_parser for how long they stay valid).
struct request_head {
    std::string_view method; ///< case-sensitive token: "GET"
    std::string_view target; ///< as sent: "/a?b", "http://h/x", "h:443", "*"
    http_version version;
    header_view headers;
    body_framing framing = body_framing::none;
    std::uint64_t content_length = 0; ///< body size when framing is content_length, else 0
    bool keep_alive = true;           ///< the connection may serve another request (RFC 9112 §9.3)
    bool expect_continue = false;     ///< `Expect: 100-continue` in an HTTP/1.1 request
    bool upgrade = false; ///< Upgrade with a Connection "upgrade" option (RFC 9110 §7.8)
};

/// What a response head says; see request_head for the lifetime of the views.
struct response_head {
    int status = 0;
    std::string_view reason; ///< may be empty
    http_version version;
    header_view headers;
    body_framing framing = body_framing::none;
    std::uint64_t content_length = 0;
    bool keep_alive = true; ///< the connection may be reused after this response's body
    /// The connection now speaks another protocol: a 101 response, or a 2xx answer to CONNECT.
    bool upgrade = false;
};

class request_parser;
class response_parser;

namespace detail {

/// The engine both parsers share (one state machine, one set of limits and smuggling
/// rules); request_parser and response_parser only add the typed result. Internal.
class head_parser {
  public:
    enum class kind : unsigned char { request, response };
    head_parser(kind k, const parser_limits& limits);

    parse_result parse(std::string_view data);
    void reset() noexcept;
    void set_request_method(std::string_view method) noexcept;
    const parse_error& error() const noexcept { return m_error; }

  private:
    friend class aio::http::request_parser;
    friend class aio::http::response_parser;
    struct range {
        std::uint32_t off, len;
    };
    struct slot {
        range name, value;
    };
    parse_result fail(parse_errc code, std::size_t offset) noexcept;
    bool start_line(std::string_view data, std::size_t begin, std::size_t end) noexcept;
    bool header_line(std::string_view data, std::size_t begin, std::size_t end) noexcept;
    bool finish(std::string_view data, std::size_t at) noexcept;

    kind m_kind;
    parser_limits m_limits;
    std::vector<slot> m_slots;   // max_headers, allocated once
    std::vector<field> m_fields; // the views handed out, allocated once
    std::size_t m_count = 0;
    std::size_t m_scan = 0;       // bytes of data already searched for LF
    std::size_t m_line_start = 0; // offset of the line being received
    bool m_have_start_line = false;
    bool m_head_request = false, m_connect_request = false; // response framing context
    parse_status m_state = parse_status::need_more;
    parse_error m_error;
    range m_a{0, 0}, m_b{0, 0}; // method/target, or reason
    // What the field lines said about framing and the connection.
    std::uint64_t m_cl = 0;
    bool m_has_cl = false, m_has_te = false, m_te_chunked_last = false, m_te_other = false;
    std::size_t m_te_at = 0; // offset of the first Transfer-Encoding line
    bool m_conn_close = false, m_conn_keep_alive = false, m_conn_upgrade = false;
    bool m_has_upgrade = false, m_expect_100 = false;
    unsigned m_hosts = 0;
    // The result (complete only).
    std::size_t m_consumed = 0;
    std::string_view m_method, m_target, m_reason;
    int m_status = 0;
    std::uint64_t m_content_length = 0;
    bool m_expect_continue = false, m_upgrade = false;
    http_version m_version;
    body_framing m_framing = body_framing::none;
    bool m_keep_alive = false;
    header_view m_headers;
};

} // namespace detail

/// Parses request heads, incrementally and without copying: feed it the bytes of a message
/// as they arrive, from the message's first byte, each call with every byte received so far
/// (the same bytes as before, perhaps moved, plus new ones). It resumes where it stopped
/// (each byte is scanned once), so a head may be split anywhere, even inside a CRLF.
///
/// - Strict (RFC 9112 and the request-smuggling rules in docs/design/http.md): bare CR or
///   LF, obs-fold, `Name : value`, control characters, Content-Length with
///   Transfer-Encoding, differing Content-Lengths, a final coding other than chunked, and
///   Transfer-Encoding in HTTP/1.0 are errors with their own parse_errc. Empty lines before
///   the request line are skipped (RFC 9112 §2.2).
/// - Errors: parse() returns parse_status::error and error() says what and at which byte,
///   e.g. "whitespace between field name and colon at byte 25". It does not throw (except
///   std::bad_alloc from the constructor).
/// - Lifetime: head()'s views point into the `data` of the call that returned complete; they
///   stay valid while the caller keeps those bytes and until reset() or the next parse().
/// - Threads: one parser per connection; not thread-safe.
///
///     aio::http::request_parser p;
///     for (;;) {
///         auto r = p.parse(buf);            // buf: bytes received so far
///         if (r.status == aio::http::parse_status::complete) { use(p.head()); buf.erase(0,
///         r.consumed); p.reset(); } else if (r.status == aio::http::parse_status::error)
///         reply(http_status(p.error().code)); else buf += co_await s.read(4096);
///     }
class request_parser {
  public:
    explicit request_parser(const parser_limits& limits = {})
        : m_engine(detail::head_parser::kind::request, limits) {}

    /// Parses `data`: every byte of the message received so far (see the class comment).
    parse_result parse(std::string_view data) {
        parse_result r = m_engine.parse(data);
        if (r.status == parse_status::complete)
            fill();
        return r;
    }
    /// The parsed head; valid after parse() returned complete.
    const request_head& head() const noexcept { return m_head; }
    /// Why parse() returned error.
    const parse_error& error() const noexcept { return m_engine.error(); }
    /// Prepares for the next message on the connection (allocates nothing).
    void reset() noexcept {
        m_engine.reset();
        m_head = {};
    }

  private:
    void fill() noexcept;
    detail::head_parser m_engine;
    request_head m_head;
};

/// Parses response heads; the same contract as request_parser. The framing of a response
/// depends on the request it answers (a HEAD response has no body; a 2xx to CONNECT opens a
/// tunnel): say which method it was with set_request_method() after each reset() (the default
/// is GET). 1xx responses other than 101 are complete heads of their own: parse the final
/// response after them (reset() in between).
class response_parser {
  public:
    explicit response_parser(const parser_limits& limits = {})
        : m_engine(detail::head_parser::kind::response, limits) {}

    /// The method of the request this response answers ("HEAD" and "CONNECT" matter).
    void set_request_method(std::string_view method) noexcept {
        m_engine.set_request_method(method);
    }
    parse_result parse(std::string_view data) {
        parse_result r = m_engine.parse(data);
        if (r.status == parse_status::complete)
            fill();
        return r;
    }
    const response_head& head() const noexcept { return m_head; }
    const parse_error& error() const noexcept { return m_engine.error(); }
    /// Prepares for the next response; forgets the request method (back to GET).
    void reset() noexcept {
        m_engine.reset();
        m_head = {};
    }

  private:
    void fill() noexcept;
    detail::head_parser m_engine;
    response_head m_head;
};

} // namespace aio::http
