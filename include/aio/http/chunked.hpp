// aio::http::chunked_decoder: incremental, strict decoder of the chunked transfer coding
// (RFC 9112 §7.1), zero-copy.
#pragma once

#include <aio/http/errors.hpp>
#include <aio/http/headers.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace aio::http {

/// Limits of a chunked body. Each violation has its own parse_errc.
struct chunked_limits {
    /// Most hex digits of a chunk size, leading zeros included (chunk_size_too_long); at most 16.
    std::size_t max_size_digits = 16;
    /// Longest chunk-size line, extensions included, CRLF excluded (chunk_line_too_long).
    std::size_t max_line = 4 * 1024;
    /// Largest trailer section, final CRLF included (header_section_too_large).
    std::size_t max_trailer_bytes = 16 * 1024;
    /// Most trailer field lines (too_many_headers).
    std::size_t max_trailers = 32;
};

/// What decode() says.
enum class chunk_status : unsigned char {
    data,      ///< `data` holds body bytes (a view into the input); call again
    need_more, ///< every complete element was consumed; call again with more bytes
    done,      ///< the last chunk and the trailer section were consumed: the body ended
    error,     ///< the body is invalid; error() says why and where. Close the connection.
};

/// The result of one decode() call: drop `consumed` bytes from the front of the input, then
/// use `data` (a view into the input you passed: use it before you discard those bytes).
struct chunk_result {
    chunk_status status = chunk_status::need_more;
    std::size_t consumed = 0;
    std::string_view data;
};

/// Decodes a chunked body as its bytes arrive. Each call gets the bytes not consumed yet
/// (the same as before, perhaps moved, plus new ones). A chunk-size line or the trailer
/// section is consumed only once it is complete, so the input must be able to hold
/// max_line (or max_trailer_bytes) bytes; chunk data is handed out as soon as it arrives.
///
/// - Strict: the size is 1*HEXDIG (at most max_size_digits), extensions must match
///   `*( BWS ";" BWS token [ BWS "=" BWS ( token / quoted-string ) ] )` (and are ignored),
///   data must end with CRLF, trailer fields follow the rules of header fields.
/// - Errors: status error, error() with the offset counted from the body's first byte,
///   e.g. "invalid chunk size at byte 0". No exceptions.
/// - Lifetime: `data` and trailers() point into the input of the call that returned them.
///
///     aio::http::chunked_decoder dec;
///     std::string body;
///     auto r = dec.decode_into(buf, body);   // appends what is there
///     buf.erase(0, r.consumed);              // r.status: need_more, done or error
class chunked_decoder {
  public:
    explicit chunked_decoder(const chunked_limits& limits = {}) noexcept;

    /// Decodes from `in` up to the next piece of chunk data (status data), the end of the body
    /// (done), the end of the input (need_more) or an error.
    chunk_result decode(std::string_view in) noexcept;
    /// Decodes everything `in` holds, appending the data to `out`. Returns need_more, done or
    /// error; `consumed` covers all that was decoded; `data` is empty.
    chunk_result decode_into(std::string_view in, std::string& out);

    /// The trailer fields; valid after done, pointing into the input of that call.
    header_view trailers() const noexcept { return header_view(m_trailers); }
    const parse_error& error() const noexcept { return m_error; }
    /// True once the whole body was decoded.
    bool done() const noexcept { return m_state == state::done; }
    /// Prepares for the next body.
    void reset() noexcept;

  private:
    enum class state : unsigned char { size_line, data, data_cr, data_lf, trailers, done, error };
    chunk_result fail(parse_errc code, std::size_t offset) noexcept;
    bool size_line(std::string_view line, std::size_t at) noexcept;

    chunked_limits m_limits;
    state m_state = state::size_line;
    std::uint64_t m_remaining = 0; // data bytes left in the current chunk
    std::uint64_t m_offset = 0;    // bytes consumed since the body's first byte
    std::size_t m_scan = 0;        // bytes of the pending line/section searched already
    std::size_t m_line = 0;        // start of the trailer line being received
    std::size_t m_trailer_lines = 0;
    std::vector<field> m_trailers;
    parse_error m_error;
};

} // namespace aio::http
