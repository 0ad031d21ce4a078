#include <aio/http/errors.hpp>

namespace aio::http {

std::string_view describe(parse_errc code) noexcept {
    switch (code) {
    case parse_errc::none:
        return "no error";
    case parse_errc::invalid_start_line:
        return "malformed start line";
    case parse_errc::invalid_method:
        return "invalid method token";
    case parse_errc::invalid_target:
        return "invalid request-target";
    case parse_errc::invalid_version:
        return "invalid HTTP-version";
    case parse_errc::unsupported_version:
        return "unsupported HTTP version (only HTTP/1.x)";
    case parse_errc::invalid_status:
        return "invalid status code (3 digits, 100-599)";
    case parse_errc::invalid_reason:
        return "control character in reason phrase";
    case parse_errc::bare_cr:
        return "CR not followed by LF";
    case parse_errc::bare_lf:
        return "LF without CR";
    case parse_errc::obs_fold:
        return "line folding (obs-fold) or a line starting with whitespace";
    case parse_errc::invalid_header_name:
        return "invalid field name or missing colon";
    case parse_errc::whitespace_before_colon:
        return "whitespace between field name and colon";
    case parse_errc::invalid_header_value:
        return "control character in field value";
    case parse_errc::missing_host:
        return "HTTP/1.1 request without Host";
    case parse_errc::multiple_host:
        return "more than one Host field";
    case parse_errc::invalid_host:
        return "invalid Host value";
    case parse_errc::invalid_content_length:
        return "invalid Content-Length";
    case parse_errc::conflicting_content_length:
        return "Content-Length values differ";
    case parse_errc::content_length_with_transfer_encoding:
        return "both Content-Length and Transfer-Encoding";
    case parse_errc::invalid_transfer_encoding:
        return "invalid Transfer-Encoding (chunked must be the final coding, once)";
    case parse_errc::unsupported_transfer_coding:
        return "unsupported transfer coding";
    case parse_errc::transfer_encoding_in_http10:
        return "Transfer-Encoding in an HTTP/1.0 message";
    case parse_errc::uri_too_long:
        return "request line too long";
    case parse_errc::status_line_too_long:
        return "status line too long";
    case parse_errc::header_section_too_large:
        return "header section too large";
    case parse_errc::too_many_headers:
        return "too many header fields";
    case parse_errc::invalid_chunk_size:
        return "invalid chunk size";
    case parse_errc::chunk_size_too_long:
        return "chunk size has too many digits";
    case parse_errc::invalid_chunk_extension:
        return "invalid chunk extension";
    case parse_errc::chunk_line_too_long:
        return "chunk-size line too long";
    case parse_errc::missing_chunk_crlf:
        return "chunk data not followed by CRLF";
    }
    return "unknown error";
}

int http_status(parse_errc code) noexcept {
    switch (code) {
    case parse_errc::uri_too_long:
        return 414;
    case parse_errc::header_section_too_large:
    case parse_errc::too_many_headers:
        return 431;
    case parse_errc::unsupported_transfer_coding:
        return 501;
    case parse_errc::unsupported_version:
        return 505;
    default:
        return 400;
    }
}

std::string parse_error::message() const {
    std::string m(describe(code));
    m += " at byte ";
    m += std::to_string(offset);
    return m;
}

protocol_error::protocol_error(parse_error e)
    : error("aio: HTTP protocol error: " + e.message()), m_error(e) {}

} // namespace aio::http
