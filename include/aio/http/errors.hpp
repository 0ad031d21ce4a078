// Errors of the http layer: what the message parser reports (parse_errc, parse_error), the
// exception that carries it (protocol_error), and invalid_url.
#pragma once

#include <aio/core/error.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace aio::http {

/// Why the parser (request_parser, response_parser, chunked_decoder) rejected a message.
/// Each limit and each request-smuggling vector has its own value, so a server can answer
/// with http_status(code) (414, 431, 501, 505, else 400) and log exactly what happened.
/// Every parse error means the connection's framing is lost: answer (if a server) and close.
enum class parse_errc : unsigned char {
    none = 0,
    // start line
    invalid_start_line,  ///< not `method SP target SP version` / `version SP status SP reason`
    invalid_method,      ///< the method is not a token (RFC 9110 §9.1)
    invalid_target,      ///< empty target, a byte outside VCHAR, or the wrong form
    invalid_version,     ///< not `HTTP/DIGIT.DIGIT` (RFC 9112 §2.3)
    unsupported_version, ///< a well-formed version other than HTTP/1.x (505)
    invalid_status,      ///< status code not 3 digits in 100..599 (RFC 9110 §15)
    invalid_reason,      ///< a control character in the reason phrase
    // line structure
    bare_cr,  ///< CR not followed by LF (RFC 9112 §2.2)
    bare_lf,  ///< LF not preceded by CR where CRLF is required
    obs_fold, ///< a line starting with whitespace: obs-fold (RFC 9112 §5.2)
    // field lines
    invalid_header_name,     ///< empty name, a non-token byte, or no colon
    whitespace_before_colon, ///< `Name : value` (RFC 9112 §5.1)
    invalid_header_value,    ///< NUL, another control character or DEL in a value
    missing_host,            ///< an HTTP/1.1 request without Host (RFC 9112 §3.2)
    multiple_host,           ///< more than one Host field line
    invalid_host,            ///< a Host value that is not `uri-host [":" port]`
    // framing (request smuggling)
    invalid_content_length,                ///< not 1*DIGIT, an empty list element, or too large
    conflicting_content_length,            ///< Content-Length values that differ (RFC 9110 §8.6)
    content_length_with_transfer_encoding, ///< both present (RFC 9112 §6.1, §6.3)
    invalid_transfer_encoding,   ///< bad syntax, `chunked` twice or not last (RFC 9112 §6.1)
    unsupported_transfer_coding, ///< a coding other than `chunked` (501)
    transfer_encoding_in_http10, ///< Transfer-Encoding in an HTTP/1.0 message (RFC 9112 §6.1)
    // limits
    uri_too_long,             ///< request line longer than its limit (414)
    status_line_too_long,     ///< status line longer than its limit
    header_section_too_large, ///< head (or trailer section) larger than its limit (431)
    too_many_headers,         ///< more field lines than the limit (431)
    // chunked body (RFC 9112 §7.1)
    invalid_chunk_size,      ///< no hex digit, or a byte that does not belong after it
    chunk_size_too_long,     ///< more hex digits than the limit
    invalid_chunk_extension, ///< chunk-ext does not match the grammar (RFC 9112 §7.1.1)
    chunk_line_too_long,     ///< the chunk-size line (with extensions) exceeds its limit
    missing_chunk_crlf,      ///< chunk data not followed by CRLF
};

/// A short English description of `code`, e.g. "invalid method token".
std::string_view describe(parse_errc code) noexcept;

/// The status a server should answer with: 414 (uri_too_long), 431
/// (header_section_too_large, too_many_headers), 501 (unsupported_transfer_coding), 505
/// (unsupported_version), 400 for everything else. Then it closes the connection.
int http_status(parse_errc code) noexcept;

/// A parse error and where it is: `offset` counts bytes from the first byte of the message
/// (for chunked_decoder: from the first byte of the body).
struct parse_error {
    parse_errc code = parse_errc::none;
    std::size_t offset = 0;

    /// "invalid method token at byte 0" (allocates; for logs and exceptions).
    std::string message() const;
    explicit operator bool() const noexcept { return code != parse_errc::none; }
};

/// A peer sent a message that breaks HTTP/1.1 (thrown by the layers above the parser).
/// what(): "aio: HTTP protocol error: invalid chunk size at byte 120".
class protocol_error : public error {
  public:
    explicit protocol_error(parse_error e);
    const parse_error& detail() const noexcept { return m_error; }
    parse_errc code() const noexcept { return m_error.code; }

  private:
    parse_error m_error;
};

/// A malformed URL, thrown before any I/O. what() quotes the URL and says what is wrong:
/// `aio: invalid URL "http://[::1/x": unterminated IPv6 literal at position 7`.
class invalid_url : public error {
  public:
    using error::error;
};

/// A header name or value that must not be sent (not a token; CR, LF or NUL in a value):
/// rejected so that a caller's data can never inject a header or split a message.
class invalid_header_error : public error {
  public:
    using error::error;
};

} // namespace aio::http
