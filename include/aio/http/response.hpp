// aio::http::response: what a server handler returns (aiohttp.web.Response).
#pragma once

#include <aio/core/error.hpp>
#include <aio/http/headers.hpp>

#include <string>
#include <string_view>

namespace aio::http {

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
