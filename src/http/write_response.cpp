// aio::http::response and how the server writes it: status line, fields, framing, Date.

#include "http/body_source.hpp"
#include "http/headers_access.hpp"
#include "http/server_state.hpp"

#include <aio/http/response.hpp>

#include <chrono>
#include <ctime>

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
    return iequals(name, "content-length") || iequals(name, "transfer-encoding") ||
           iequals(name, "date") || iequals(name, "connection");
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

void serialize_response(const response& r, const write_context& ctx, std::string& out) {
    out.clear();
    out.reserve(128 + r.body.size());
    out += "HTTP/1.1 ";
    out += std::to_string(r.status);
    out += ' ';
    out += reason_phrase(r.status);
    out += "\r\n";
    for (const auto& f : r.headers) {
        if (server_owned(f.name))
            continue;
        out += f.name;
        out += ": ";
        out += f.value;
        out += "\r\n";
    }
    out += "Date: ";
    out += ctx.date;
    out += "\r\n";
    const bool no_body = has_no_body(r.status);
    if (!no_body) {
        if (!r.source) {
            out += "Content-Length: ";
            out += std::to_string(r.body.size());
            out += "\r\n";
        } else if (const auto n = r.source->length()) {
            out += "Content-Length: ";
            out += std::to_string(*n);
            out += "\r\n";
        } else if (!ctx.http10) {
            out += "Transfer-Encoding: chunked\r\n";
        } // else close-delimited: the caller closes after the body
    }
    if (!ctx.keep_alive)
        out += "Connection: close\r\n";
    else if (ctx.http10)
        out += "Connection: keep-alive\r\n";
    out += "\r\n";
    if (!no_body && !ctx.head_request && !r.source)
        out += r.body;
}

} // namespace detail
} // namespace aio::http
