// RFC 3986 URLs: parsing (Appendix A grammar), the accessors and serialisation. Reference
// resolution, normalisation and percent-encoding are in url_resolve.cpp. Our own code rather
// than liburiparser: see docs/design/http.md ("URLs").
#include "http/url_syntax.hpp"

#include <aio/http/url.hpp>

namespace aio::http {

namespace detail::url_syntax {

std::string quote(std::string_view text) {
    std::string q = "\"";
    std::size_t n = text.size() > 200 ? 200 : text.size();
    for (std::size_t i = 0; i < n; ++i) {
        unsigned char c = static_cast<unsigned char>(text[i]);
        if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
            q += "\\x";
            q += hex_digits[c >> 4];
            q += hex_digits[c & 15];
        } else {
            q += static_cast<char>(c);
        }
    }
    if (n < text.size())
        q += "...";
    return q + "\"";
}

} // namespace detail::url_syntax

namespace {

using namespace detail::url_syntax;

[[noreturn]] void fail(std::string_view text, std::string_view what, std::size_t at) {
    std::string m = "aio: invalid URL " + quote(text) + ": ";
    m += what;
    m += " at position " + std::to_string(at);
    throw invalid_url(m);
}

std::string describe_byte(char c) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u > 0x20 && u < 0x7f)
        return std::string("'") + c + "'";
    if (u == ' ')
        return "' '";
    std::string s = "byte 0x";
    s += hex_digits[u >> 4];
    s += hex_digits[u & 15];
    return s;
}

// Checks that text[b, e) holds only unreserved, sub-delims, pct-encoded and `extra`.
void check(std::string_view text,
           std::size_t b,
           std::size_t e,
           std::string_view extra,
           const char* component) {
    for (std::size_t i = b; i < e; ++i) {
        char c = text[i];
        if (c == '%') {
            if (i + 2 >= e || !has(text[i + 1], u_hex) || !has(text[i + 2], u_hex))
                fail(text, std::string("invalid percent-escape in ") + component, i);
            i += 2;
            continue;
        }
        if (has(c, u_unreserved | u_sub_delim) || (c != '\0' && extra.find(c) != npos))
            continue;
        fail(text, "invalid character " + describe_byte(c) + " in " + component, i);
    }
}

bool valid_ipv4(std::string_view s) noexcept {
    // dec-octet "." dec-octet "." dec-octet "." dec-octet, no leading zeros
    int parts = 0;
    std::size_t i = 0;
    while (true) {
        std::size_t b = i;
        int v = 0;
        while (i < s.size() && has(s[i], u_digit) && i - b < 3) {
            v = v * 10 + (s[i] - '0');
            ++i;
        }
        if (i == b || v > 255 || (i - b > 1 && s[b] == '0'))
            return false;
        ++parts;
        if (parts == 4)
            return i == s.size();
        if (i == s.size() || s[i] != '.')
            return false;
        ++i;
    }
}

bool valid_ipv6(std::string_view s) noexcept {
    // RFC 3986 §3.2.2: eight h16 groups, or fewer with one "::" standing for at least one,
    // the last two groups possibly written as an IPv4 address.
    std::size_t dc = s.find("::");
    if (dc != npos && s.find("::", dc + 1) != npos)
        return false;
    auto groups = [](std::string_view part, bool may_end_v4, int& count) {
        count = 0;
        if (part.empty())
            return true;
        std::size_t i = 0;
        while (true) {
            std::size_t e = part.find(':', i);
            std::string_view g = part.substr(i, e == npos ? npos : e - i);
            if (e == npos && may_end_v4 && g.find('.') != npos) {
                if (!valid_ipv4(g))
                    return false;
                count += 2;
                return true;
            }
            if (g.empty() || g.size() > 4)
                return false;
            for (char c : g)
                if (!has(c, u_hex))
                    return false;
            ++count;
            if (e == npos)
                return true;
            i = e + 1;
        }
    };
    int left = 0, right = 0;
    if (dc == npos)
        return groups(s, true, left) && left == 8;
    return groups(s.substr(0, dc), false, left) && groups(s.substr(dc + 2), true, right) &&
           left + right <= 7;
}

} // namespace

url::url(std::string_view text) : url(parse_reference(text, true)) {}

url url::parse_reference(std::string_view text, bool absolute) {
    url u;
    const std::size_t n = text.size();
    std::size_t i = 0;
    std::size_t colon = text.find_first_of(":/?#");
    if (colon != npos && text[colon] == ':') {
        // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
        if (colon == 0)
            fail(text, "empty scheme", 0);
        if (!has(text[0], u_alpha))
            fail(text,
                 absolute ? "scheme must start with a letter"
                          : "':' in the first segment of a relative reference",
                 absolute ? 0 : colon);
        for (std::size_t k = 1; k < colon; ++k) {
            char c = text[k];
            if (!has(c, u_alpha | u_digit) && c != '+' && c != '-' && c != '.')
                fail(text, "invalid character " + describe_byte(c) + " in scheme", k);
        }
        u.m_scheme.reserve(colon);
        for (std::size_t k = 0; k < colon; ++k)
            u.m_scheme += lower(text[k]);
        i = colon + 1;
    } else if (absolute) {
        fail(text, "missing scheme (an absolute URL starts with e.g. \"http:\")", 0);
    }

    if (text.substr(i, 2) == "//") {
        i += 2;
        u.m_has_authority = true;
        std::size_t end = text.find_first_of("/?#", i);
        if (end == npos)
            end = n;
        std::size_t at = text.find('@', i);
        std::size_t hs = i;
        if (at != npos && at < end) {
            check(text, i, at, ":", "userinfo");
            u.m_userinfo.assign(text.substr(i, at - i));
            u.m_has_userinfo = true;
            hs = at + 1;
        }
        std::size_t he; // end of host
        if (hs < end && text[hs] == '[') {
            std::size_t close = text.find(']', hs);
            if (close == npos || close >= end)
                fail(text, "unterminated IPv6 literal", hs);
            std::string_view lit = text.substr(hs + 1, close - hs - 1);
            bool ok;
            if (!lit.empty() && (lit[0] == 'v' || lit[0] == 'V')) {
                // IPvFuture = "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" )
                std::size_t dot = lit.find('.');
                ok = dot != npos && dot > 1 && dot + 1 < lit.size();
                for (std::size_t k = 1; ok && k < dot; ++k)
                    ok = has(lit[k], u_hex);
                for (std::size_t k = dot + 1; ok && k < lit.size(); ++k)
                    ok = has(lit[k], u_unreserved | u_sub_delim) || lit[k] == ':';
            } else {
                ok = valid_ipv6(lit);
            }
            if (!ok)
                fail(text, "invalid IP literal", hs + 1);
            he = close + 1;
            if (he < end && text[he] != ':')
                fail(text, "unexpected " + describe_byte(text[he]) + " after IP literal", he);
        } else {
            he = text.find(':', hs);
            if (he == npos || he > end)
                he = end;
            check(text, hs, he, {}, "host");
        }
        u.m_host.assign(text.substr(hs, he - hs));
        if (he < end) { // ":" port
            std::size_t pb = he + 1;
            std::uint32_t port = 0;
            for (std::size_t k = pb; k < end; ++k) {
                if (!has(text[k], u_digit))
                    fail(text, "invalid character " + describe_byte(text[k]) + " in port", k);
                port = port * 10 + static_cast<std::uint32_t>(text[k] - '0');
                if (port > 65535)
                    fail(text, "port out of range (0-65535)", pb);
            }
            if (pb < end)
                u.m_port = static_cast<std::uint16_t>(port);
        }
        i = end;
    }

    std::size_t end = text.find_first_of("?#", i);
    if (end == npos)
        end = n;
    check(text, i, end, ":@/", "path");
    u.m_path.assign(text.substr(i, end - i));
    i = end;
    if (i < n && text[i] == '?') {
        end = text.find('#', i + 1);
        if (end == npos)
            end = n;
        check(text, i + 1, end, ":@/?", "query");
        u.m_query.assign(text.substr(i + 1, end - i - 1));
        u.m_has_query = true;
        i = end;
    }
    if (i < n && text[i] == '#') {
        check(text, i + 1, n, ":@/?", "fragment");
        u.m_fragment.assign(text.substr(i + 1));
        u.m_has_fragment = true;
    }
    if (absolute && special(u.m_scheme) && u.m_host.empty())
        fail(text, "an " + u.m_scheme + " URL needs a host", u.m_scheme.size() + 1);
    return u;
}

std::string_view url::hostname() const noexcept {
    std::string_view h = m_host;
    if (h.size() >= 2 && h.front() == '[' && h.back() == ']')
        return h.substr(1, h.size() - 2);
    return h;
}

std::uint16_t url::effective_port() const noexcept {
    return m_port ? *m_port : default_port(m_scheme);
}

std::string url::str() const {
    std::string s;
    s.reserve(m_scheme.size() + m_userinfo.size() + m_host.size() + m_path.size() + m_query.size() +
              m_fragment.size() + 16);
    s += m_scheme;
    s += ':';
    if (m_has_authority) {
        s += "//";
        if (m_has_userinfo) {
            s += m_userinfo;
            s += '@';
        }
        s += m_host;
        if (m_port) {
            s += ':';
            s += std::to_string(*m_port);
        }
    }
    s += m_path;
    if (m_has_query) {
        s += '?';
        s += m_query;
    }
    if (m_has_fragment) {
        s += '#';
        s += m_fragment;
    }
    return s;
}

std::string url::target() const {
    std::string t = m_path.empty() ? std::string("/") : m_path;
    if (m_has_query) {
        t += '?';
        t += m_query;
    }
    return t;
}

std::string url::origin() const {
    if (!m_has_authority || m_host.empty())
        return "null";
    std::string o = m_scheme + "://";
    for (char c : m_host)
        o += lower(c);
    if (m_port && *m_port != default_port(m_scheme)) {
        o += ':';
        o += std::to_string(*m_port);
    }
    return o;
}

std::string url::host_port() const {
    std::string h(m_host);
    std::uint16_t p = effective_port();
    if (p != 0 || m_port) {
        h += ':';
        h += std::to_string(p);
    }
    return h;
}

void url::set_query(std::string_view encoded) {
    check(encoded, 0, encoded.size(), ":@/?", "query");
    m_query.assign(encoded);
    m_has_query = true;
}

void url::clear_query() noexcept {
    m_query.clear();
    m_has_query = false;
}

} // namespace aio::http
