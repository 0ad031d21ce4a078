// The http client's cookie jar (RFC 6265 basics).
#include "http/client_detail.hpp"
#include "http/syntax.hpp"

#include <algorithm>
#include <cctype>
#include <ctime>

namespace aio::http::detail {
namespace {

std::string lower(std::string_view s) {
    std::string r(s);
    for (auto& c : r)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return r;
}

// RFC 6265 §5.1.4: the directory of the request path.
std::string default_path(std::string_view path) {
    if (path.empty() || path.front() != '/')
        return "/";
    const auto last = path.rfind('/');
    return last == 0 ? "/" : std::string(path.substr(0, last));
}

bool domain_match(std::string_view host, std::string_view domain) {
    if (iequals(host, domain))
        return true;
    return host.size() > domain.size() && host[host.size() - domain.size() - 1] == '.' &&
           iequals(host.substr(host.size() - domain.size()), domain);
}

bool path_match(std::string_view req, std::string_view cookie) {
    if (req.empty())
        req = "/";
    if (req == cookie)
        return true;
    if (req.substr(0, cookie.size()) != cookie)
        return false;
    return cookie.back() == '/' || req[cookie.size()] == '/';
}

// "Wed, 21 Oct 2015 07:28:00 GMT" (the IMF-fixdate of RFC 9110; other forms are ignored).
std::optional<std::chrono::system_clock::time_point> parse_date(std::string_view v) {
    std::tm tm{};
    const std::string s(v);
    const char* end = strptime(s.c_str(), "%a, %d %b %Y %H:%M:%S", &tm);
    if (!end)
        return std::nullopt;
    return std::chrono::system_clock::from_time_t(timegm(&tm));
}

} // namespace

void cookie_jar::store(const url& from, std::string_view set_cookie) {
    std::string_view rest = set_cookie;
    const auto semi = rest.find(';');
    std::string_view pair = trim_ows(rest.substr(0, semi));
    rest = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi + 1);
    const auto eq = pair.find('=');
    if (eq == std::string_view::npos || eq == 0)
        return;
    cookie c;
    c.name = std::string(trim_ows(pair.substr(0, eq)));
    c.value = std::string(trim_ows(pair.substr(eq + 1)));
    c.domain = lower(from.hostname());
    c.path = default_path(from.path());
    std::optional<std::chrono::system_clock::time_point> max_age;
    while (!rest.empty()) {
        const auto s2 = rest.find(';');
        std::string_view attr = trim_ows(rest.substr(0, s2));
        rest = s2 == std::string_view::npos ? std::string_view{} : rest.substr(s2 + 1);
        const auto e2 = attr.find('=');
        const std::string_view name = trim_ows(attr.substr(0, e2));
        const std::string_view value =
            e2 == std::string_view::npos ? std::string_view{} : trim_ows(attr.substr(e2 + 1));
        if (iequals(name, "domain") && !value.empty()) {
            std::string d = lower(value.front() == '.' ? value.substr(1) : value);
            if (!domain_match(lower(from.hostname()), d))
                return; // a host may not set cookies for another domain
            c.domain = std::move(d);
            c.host_only = false;
        } else if (iequals(name, "path") && !value.empty() && value.front() == '/') {
            c.path = std::string(value);
        } else if (iequals(name, "secure")) {
            c.secure = true;
        } else if (iequals(name, "expires")) {
            if (auto t = parse_date(value))
                c.expires = t;
        } else if (iequals(name, "max-age") && !value.empty()) {
            try {
                const long long secs = std::stoll(std::string(value));
                max_age = std::chrono::system_clock::now() + std::chrono::seconds(secs);
            } catch (const std::exception&) { // not a number: ignored (RFC 6265 §5.2.2)
            }
        }
    }
    if (max_age)
        c.expires = max_age; // Max-Age wins over Expires (RFC 6265 §5.3)
    std::erase_if(m_cookies, [&](const cookie& o) {
        return o.name == c.name && o.domain == c.domain && o.path == c.path;
    });
    if (c.expires && *c.expires <= std::chrono::system_clock::now())
        return; // an expiry in the past deletes the cookie
    m_cookies.push_back(std::move(c));
}

std::string cookie_jar::header_for(const url& to) const {
    const auto now = std::chrono::system_clock::now();
    const std::string host = lower(to.hostname());
    std::string out;
    for (const auto& c : m_cookies) {
        if (c.expires && *c.expires <= now)
            continue;
        if (c.host_only ? host != c.domain : !domain_match(host, c.domain))
            continue;
        if (!path_match(to.path(), c.path) || (c.secure && to.scheme() != "https"))
            continue;
        if (!out.empty())
            out += "; ";
        out.append(c.name).append("=").append(c.value);
    }
    return out;
}

} // namespace aio::http::detail
