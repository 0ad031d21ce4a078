// One fetched URL as aiocrawl records it: what the JSONL, the trace, the report and the
// summary are written from.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace aiocrawl {

using clock = std::chrono::steady_clock;

/// Why a fetch failed; `none` for a fetch that got a 2xx or 3xx answer and a readable body.
enum class error_kind {
    none,
    http_4xx,   ///< the server answered 4xx (404...)
    http_5xx,   ///< the server answered 5xx
    timeout,    ///< no complete answer within --timeout
    redirects,  ///< a redirect loop or too long a chain
    too_large,  ///< the body is over --max-body
    not_utf8,   ///< an HTML body declared (or assumed) UTF-8 that is not
    connection, ///< refused, reset, DNS failure, TLS failure
    protocol,   ///< a malformed HTTP response
    bad_url,    ///< a URL the client refuses
    other,
};

/// The short name used in the summary and the JSONL's "error_kind": "http 4xx", "timeout"...
std::string_view kind_name(error_kind k) noexcept;

/// The outcome of one fetch.
struct fetch_record {
    std::string url;                          ///< the URL asked for (normalised)
    int depth = 0;                            ///< link distance from a start URL
    int status = 0;                           ///< HTTP status; 0 when no response came
    std::size_t bytes = 0;                    ///< body bytes read (decoded)
    std::size_t links = 0;                    ///< distinct http(s) links found on the page
    std::string content_type;                 ///< the response's Content-Type, "" if none
    std::optional<std::string> redirected_to; ///< the final URL when redirects were followed
    error_kind kind = error_kind::none;
    std::string error;         ///< the message; "" when kind is none
    clock::time_point start{}; ///< when the request was sent (after limits and delays)
    clock::time_point end{};   ///< when the body was read (or the fetch failed)
    int slot = 0;              ///< the fetch slot (worker) that ran it: the trace's row

    double ms() const noexcept {
        return std::chrono::duration<double, std::milli>(end - start).count();
    }
};

} // namespace aiocrawl
