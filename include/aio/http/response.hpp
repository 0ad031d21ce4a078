// aio::http::response: what a server handler returns (aiohttp.web.Response).
#pragma once

#include <aio/core/error.hpp>
#include <aio/core/generator.hpp>
#include <aio/http/headers.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace aio::http {

namespace detail {
class body_source;
}

/// An HTTP response built by a server handler: a status, header fields and a body held in
/// memory. The server frames it (Content-Length), adds `Date` and `Connection` and, for a
/// HEAD request, sends the head only. Fields the server owns (Content-Length,
/// Transfer-Encoding, Date) are replaced when the response is written; a `Connection: close`
/// set by the handler makes the server close the connection after this response.
/// A value type; no thread rules.
///
///     auto r = aio::http::response::json(201, R"({"id":7})");
///     r.headers.set("Location", "/users/7");
///     co_return r;
class response {
  public:
    /// Status code, 100..599 (a handler returning anything else gets a 500 instead).
    int status = 200;
    /// Header fields, validated on add()/set() (aio::http::invalid_header_error).
    http::headers headers;
    /// The body bytes (ignored for 1xx, 204 and 304 responses and for HEAD requests).
    std::string body;

    response() = default;
    response(int status_code, std::string body_bytes)
        : status(status_code), body(std::move(body_bytes)) {}

    /// A `text/plain; charset=utf-8` response.
    static response text(int status, std::string body);
    /// An `application/json` response; `body` is JSON already serialised by the caller.
    static response json(int status, std::string body);
    /// A response without a body (`Content-Length: 0`, or none at all for 204/304).
    static response empty(int status);
    /// A streamed response (aiohttp's StreamResponse): the body is what `chunks` yields, sent
    /// piece by piece as the generator produces it, after the head. With `content_length`
    /// the body is framed by `Content-Length` (yielding more or fewer bytes than announced
    /// aborts the connection, since the peer could not tell where the body ends); without
    /// it the body is chunked for HTTP/1.1 clients and close-delimited (the connection
    /// closes after it) for HTTP/1.0 clients. Each chunk is written with write()'s
    /// backpressure: the generator is not resumed while the client is slow to read. A
    /// client that goes away (or a server shutdown past its deadline) destroys the
    /// generator at its current suspension point, so its local destructors run; an
    /// exception thrown by the generator after the head was sent aborts the connection
    /// (reported through the loop's exception handler), as no status can be sent any more.
    /// The generator runs on the connection's task after the handler returned and before the
    /// next request; the request it was made for is still alive while it runs.
    /// For a HEAD request the generator is never started.
    ///
    ///     aio::generator<std::string> ticks(int n) {
    ///         for (int i = 0; i < n; ++i) { co_await aio::sleep(100ms); co_yield "tick\n"; }
    ///     }
    ///     co_return aio::http::response::stream(200, ticks(10));
    static response stream(int status,
                           generator<std::string> chunks,
                           std::optional<std::uint64_t> content_length = std::nullopt);

    /// Internal: the body when it is not `body` (a stream or a file); set by stream() and
    /// the static-file handler.
    std::shared_ptr<detail::body_source> source;
};

/// The standard reason phrase of `status` ("Not Found"), or "" for an unknown code.
std::string_view reason_phrase(int status) noexcept;

/// A handler (or middleware) may throw this to answer with `status` and a plain-text body
/// (aiohttp's web.HTTPException); the connection lives on. The server throws it itself from
/// request::read() for a body over the limit (413) or a malformed chunked body (400).
class http_exception : public error {
  public:
    http_exception(int status, std::string message);
    int status() const noexcept { return m_status; }

  private:
    int m_status;
};

} // namespace aio::http
