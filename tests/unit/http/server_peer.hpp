// Helpers of the http server feature tests: one raw request and its whole reply (read
// until the server closes, so any framing can be checked byte by byte), a reply parsed.
#pragma once

#include <aio/core.hpp>
#include <aio/http.hpp>
#include <aio/net.hpp>

#include <chrono>
#include <stdexcept>
#include <string>

namespace aio_test {

/// A response as received: the head parsed, the body bytes as they came after it (not
/// decoded: a chunked body keeps its chunk lines).
struct raw_reply {
    int status = 0;
    aio::http::headers headers;
    std::string body;
    std::string raw; ///< every byte received
};

/// Parses the head of `raw` (a whole response as received).
inline raw_reply parse_raw(std::string raw, bool head_request = false) {
    aio::http::response_parser p;
    if (head_request)
        p.set_request_method("HEAD");
    auto r = p.parse(raw);
    if (r.status == aio::http::parse_status::error)
        throw std::runtime_error("bad response: " + p.error().message() + "\n" + raw);
    if (r.status != aio::http::parse_status::complete)
        throw std::runtime_error("incomplete response head:\n" + raw);
    raw_reply out;
    out.status = p.head().status;
    out.headers = aio::http::headers(p.head().headers);
    out.body = raw.substr(r.consumed);
    out.raw = std::move(raw);
    return out;
}

/// Sends `request` (which should say `Connection: close`) on a new connection to port and
/// returns the whole reply, read until the server closes (bounded: 10 s per read).
inline aio::task<raw_reply> ask(std::uint16_t port, std::string request, bool head = false) {
    using namespace std::chrono_literals;
    auto s = co_await aio::net::open_connection("127.0.0.1", port);
    co_await s.write(request);
    std::string all;
    for (;;) {
        std::string more = co_await aio::wait_for(s.read(1 << 20), 10s);
        if (more.empty())
            break;
        all += more;
    }
    co_await s.close();
    co_return parse_raw(std::move(all), head);
}

/// "GET <target> HTTP/1.1" with Host, Connection: close and `extra` header lines
/// ("Name: value\r\n" each).
inline std::string
get(const std::string& target, const std::string& extra = "", const char* method = "GET") {
    return std::string(method) + " " + target + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n" +
           extra + "\r\n";
}

} // namespace aio_test
