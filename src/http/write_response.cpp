// aio::http::response and how the server writes it: status line, fields, framing, Date.

#include "http/body_source.hpp"
#include "http/headers_access.hpp"
#include "http/server_state.hpp"

#include <aio/http/response.hpp>

#include <chrono>
#include <cstring>
#include <ctime>
#include <optional>

namespace aio::http {

response response::text(int status, std::string body) {
    response r(status, std::move(body));
    detail::headers_access::append_valid(r.headers, "Content-Type", "text/plain; charset=utf-8");
    return r;
}

response response::json(int status, std::string body) {
    response r(status, std::move(body));
    detail::headers_access::append_valid(r.headers, "Content-Type", "application/json");
    return r;
}

response response::empty(int status) {
    return response(status, std::string());
}

http_exception::http_exception(int status, std::string message)
    : error(std::move(message)), m_status(status) {}

std::string_view reason_phrase(int status) noexcept {
    switch (status) {
    case 100:
        return "Continue";
    case 101:
        return "Switching Protocols";
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 204:
        return "No Content";
    case 206:
        return "Partial Content";
    case 301:
        return "Moved Permanently";
    case 302:
        return "Found";
    case 303:
        return "See Other";
    case 304:
        return "Not Modified";
    case 307:
        return "Temporary Redirect";
    case 308:
        return "Permanent Redirect";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 409:
        return "Conflict";
    case 410:
        return "Gone";
    case 411:
        return "Length Required";
    case 413:
        return "Content Too Large";
    case 414:
        return "URI Too Long";
    case 415:
        return "Unsupported Media Type";
    case 422:
        return "Unprocessable Content";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return "";
    }
}

namespace detail {

namespace {

void put2(char* p, int v) {
    p[0] = static_cast<char>('0' + v / 10);
    p[1] = static_cast<char>('0' + v % 10);
}

bool has_no_body(int status) {
    return status < 200 || status == 204 || status == 304;
}

// Fields the server writes itself.
bool server_owned(std::string_view name) {
    switch (name.size()) { // one comparison at most
    case 4:
        return iequals(name, "date");
    case 10:
        return iequals(name, "connection");
    case 14:
        return iequals(name, "content-length");
    case 17:
        return iequals(name, "transfer-encoding");
    default:
        return false;
    }
}

} // namespace

std::size_t format_http_date(std::int64_t sec, char* out) noexcept {
    // IMF-fixdate (RFC 9110 §5.6.7), formatted by hand: strftime's %a/%b follow the locale.
    static constexpr const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const std::time_t t = static_cast<std::time_t>(sec);
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char* p = out;
    auto put = [&p](std::string_view s) {
        for (char c : s)
            *p++ = c;
    };
    put(days[tm.tm_wday]);
    put(", ");
    put2(p, tm.tm_mday);
    p += 2;
    put(" ");
    put(months[tm.tm_mon]);
    put(" ");
    const int year = tm.tm_year + 1900;
    put2(p, year / 100);
    put2(p + 2, year % 100);
    p += 4;
    put(" ");
    put2(p, tm.tm_hour);
    p[2] = ':';
    put2(p + 3, tm.tm_min);
    p[5] = ':';
    put2(p + 6, tm.tm_sec);
    p += 8;
    put(" GMT");
    return static_cast<std::size_t>(p - out);
}

std::string_view date_cache::get() {
    const auto now = std::chrono::system_clock::now();
    const std::int64_t sec =
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    if (sec != m_second) {
        m_len = format_http_date(sec, m_text);
        m_second = sec;
    }
    return std::string_view(m_text, m_len);
}

namespace {

// Writes into a buffer sized beforehand: no capacity check per piece.
struct head_writer {
    char* p;
    void put(std::string_view s) noexcept {
        std::memcpy(p, s.data(), s.size());
        p += s.size();
    }
    void put_uint(std::uint64_t v) noexcept {
        char digits[20];
        int n = 0;
        do {
            digits[n++] = static_cast<char>('0' + v % 10);
            v /= 10;
        } while (v != 0);
        while (n > 0)
            *p++ = digits[--n];
    }
};

constexpr std::size_t max_digits = 20; // of a std::uint64_t

} // namespace

void serialize_response(const response& r, const write_context& ctx, std::string& out) {
    const bool no_body = has_no_body(r.status);
    std::optional<std::uint64_t> length;
    bool chunked = false;
    if (!no_body) {
        if (!r.source)
            length = r.body.size();
        else if (const auto n = r.source->length())
            length = *n;
        else
            chunked = !ctx.http10; // else close-delimited: the caller closes after the body
    }
    const std::string_view connection = !ctx.keep_alive ? "Connection: close\r\n"
                                        : ctx.http10    ? "Connection: keep-alive\r\n"
                                                        : "";
    const std::string_view reason = reason_phrase(r.status);
    static constexpr std::string_view content_length = "Content-Length: ";
    static constexpr std::string_view transfer_chunked = "Transfer-Encoding: chunked\r\n";

    // The head's size, an upper bound (the numbers' digits), then the head written in place.
    std::size_t size =
        9 + max_digits + 1 + reason.size() + 2 + 6 + ctx.date.size() + 2 + connection.size() + 2;
    for (const auto& f : r.headers)
        if (!server_owned(f.name))
            size += f.name.size() + 2 + f.value.size() + 2;
    if (length)
        size += content_length.size() + max_digits + 2;
    else if (chunked)
        size += transfer_chunked.size();
    const bool with_body = !no_body && !ctx.head_request && !r.source;
    out.reserve(size + (with_body ? r.body.size() : 0));
    out.resize(size);
    head_writer w{out.data()};
    w.put("HTTP/1.1 ");
    w.put_uint(static_cast<std::uint64_t>(static_cast<unsigned>(r.status)));
    w.put(" ");
    w.put(reason);
    w.put("\r\n");
    for (const auto& f : r.headers) {
        if (server_owned(f.name))
            continue;
        w.put(f.name);
        w.put(": ");
        w.put(f.value);
        w.put("\r\n");
    }
    w.put("Date: ");
    w.put(ctx.date);
    w.put("\r\n");
    if (length) {
        w.put(content_length);
        w.put_uint(*length);
        w.put("\r\n");
    } else if (chunked) {
        w.put(transfer_chunked);
    }
    w.put(connection);
    w.put("\r\n");
    out.resize(static_cast<std::size_t>(w.p - out.data()));
    if (with_body)
        out += r.body;
}

} // namespace detail
} // namespace aio::http
