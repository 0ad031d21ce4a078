// A response body that is not held in memory: a generator's chunks (response::stream) or a
// region of an open file (the static-file handler). Private to the http layer; design in
// docs/design/http.md ("Streamed and file bodies").
#pragma once

#include <aio/core/task.hpp>
#include <aio/http/response.hpp>
#include <aio/net/stream.hpp>

#include <cstdint>
#include <optional>

namespace aio::http::detail {

/// How a streamed body is framed on the wire (chosen by the connection from the source's
/// length and the client's version).
enum class body_framing_out : unsigned char {
    length,  ///< Content-Length: length() bytes exactly
    chunked, ///< Transfer-Encoding: chunked (HTTP/1.1, length unknown)
    close,   ///< close-delimited (HTTP/1.0, length unknown): the connection closes after it
};

class body_source {
  public:
    virtual ~body_source() = default;
    /// The body's length when known before it is sent.
    virtual std::optional<std::uint64_t> length() const noexcept = 0;
    /// Writes the whole body to `s`, framed as `f`; returns the body bytes sent (without
    /// framing). Throws when the body cannot be completed (the connection is then aborted).
    virtual task<std::uint64_t> write(net::stream& s, body_framing_out f) = 0;
};

/// A file region sent with stream::sendfile. Owns `fd` (closed by the destructor).
std::shared_ptr<body_source> make_file_source(int fd, std::uint64_t offset, std::uint64_t count);

} // namespace aio::http::detail
