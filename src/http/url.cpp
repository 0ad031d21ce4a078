// RFC 3986 URLs: parsing (Appendix A grammar), reference resolution (§5.2), normalisation
// (§6.2.2-6.2.3), percent-encoding. Our own code rather than liburiparser: see
// docs/design/http.md ("URLs").
#include <aio/http/url.hpp>

#include <array>

namespace aio::http {

namespace {

constexpr std::size_t npos = std::string_view::npos;

enum : std::uint8_t {
    u_unreserved = 1, // ALPHA DIGIT - . _ ~
    u_sub_delim = 2,  // ! $ & ' ( ) * + , ; =
    u_hex = 4,
    u_alpha = 8,
    u_digit = 16,
};

constexpr std::array<std::uint8_t, 256> make_table() {
    std::array<std::uint8_t, 256> t{};
    for (int c = 'a'; c <= 'z'; ++c)
        t[c] |= u_unreserved | u_alpha;
    for (int c = 'A'; c <= 'Z'; ++c)
        t[c] |= u_unreserved | u_alpha;
    for (int c = '0'; c <= '9'; ++c)
        t[c] |= u_unreserved | u_digit | u_hex;
    for (int c = 'a'; c <= 'f'; ++c)
        t[c] |= u_hex;
    for (int c = 'A'; c <= 'F'; ++c)
        t[c] |= u_hex;
    for (char c : std::string_view("-._~"))
        t[static_cast<unsigned char>(c)] |= u_unreserved;
    for (char c : std::string_view("!$&'()*+,;="))
        t[static_cast<unsigned char>(c)] |= u_sub_delim;
    return t;
}
constexpr std::array<std::uint8_t, 256> table = make_table();

bool has(char c, std::uint8_t k) noexcept {
    return (table[static_cast<unsigned char>(c)] & k) != 0;
}
char lower(char c) noexcept {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c | 0x20) : c;
}
char upper(char c) noexcept {
    return c >= 'a' && c <= 'z' ? static_cast<char>(c & ~0x20) : c;
}
int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9')
        return c - '0';
    c = lower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}
constexpr char hex_digits[] = "0123456789ABCDEF";

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

bool special(std::string_view scheme) noexcept {
    return scheme == "http" || scheme == "https" || scheme == "ws" || scheme == "wss";
}

std::uint16_t default_port(std::string_view scheme) noexcept {
    if (scheme == "http" || scheme == "ws")
        return 80;
    if (scheme == "https" || scheme == "wss")
        return 443;
    return 0;
}

// RFC 3986 §5.2.4.
std::string remove_dot_segments(std::string_view in) {
    std::string out;
    out.reserve(in.size());
    auto pop = [&] {
        std::size_t s = out.rfind('/');
        out.erase(s == std::string::npos ? 0 : s);
    };
    while (!in.empty()) {
        if (in.substr(0, 3) == "../") {
            in.remove_prefix(3);
        } else if (in.substr(0, 2) == "./") {
            in.remove_prefix(2);
        } else if (in.substr(0, 3) == "/./") {
            in.remove_prefix(2);
        } else if (in == "/.") {
            in = "/";
        } else if (in.substr(0, 4) == "/../") {
            in.remove_prefix(3);
            pop();
        } else if (in == "/..") {
            in = "/";
            pop();
        } else if (in == "." || in == "..") {
            in = {};
        } else {
            std::size_t e = in.find('/', 1);
            if (e == npos)
                e = in.size();
            out.append(in.substr(0, e));
            in.remove_prefix(e);
        }
    }
    return out;
}

// Without an authority, a path starting with "//" would read back as one; "/." keeps it
// a path (the fix WHATWG's URL standard uses too).
void protect_path(std::string& path, bool has_authority) {
    if (!has_authority && path.size() >= 2 && path[0] == '/' && path[1] == '/')
        path.insert(0, "/.");
}

// §6.2.2.1-2: escapes of unreserved characters decoded, the others' hex uppercase.
std::string normalize_escapes(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size()) { // the parser checked the escapes
            int v = hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]);
            char c = static_cast<char>(v);
            if (has(c, u_unreserved)) {
                out += c;
            } else {
                out += '%';
                out += upper(s[i + 1]);
                out += upper(s[i + 2]);
            }
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
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

url url::resolve(std::string_view reference) const {
    url r = parse_reference(reference, false);
    url t;
    t.m_has_fragment = r.m_has_fragment;
    t.m_fragment = std::move(r.m_fragment);
    if (!r.m_scheme.empty()) {
        r.m_fragment = std::move(t.m_fragment); // r is the result, fragment included
        t = std::move(r);
        t.m_path = remove_dot_segments(t.m_path);
    } else {
        if (r.m_has_authority) {
            t.m_has_authority = true;
            t.m_has_userinfo = r.m_has_userinfo;
            t.m_userinfo = std::move(r.m_userinfo);
            t.m_host = std::move(r.m_host);
            t.m_port = r.m_port;
            t.m_path = remove_dot_segments(r.m_path);
            t.m_has_query = r.m_has_query;
            t.m_query = std::move(r.m_query);
        } else {
            if (r.m_path.empty()) {
                t.m_path = m_path;
                if (r.m_has_query) {
                    t.m_has_query = true;
                    t.m_query = std::move(r.m_query);
                } else {
                    t.m_has_query = m_has_query;
                    t.m_query = m_query;
                }
            } else {
                if (r.m_path[0] == '/') {
                    t.m_path = remove_dot_segments(r.m_path);
                } else {
                    // §5.2.3 merge
                    std::string merged;
                    if (m_has_authority && m_path.empty()) {
                        merged = "/" + r.m_path;
                    } else {
                        std::size_t slash = m_path.rfind('/');
                        merged = slash == std::string::npos ? std::string()
                                                            : m_path.substr(0, slash + 1);
                        merged += r.m_path;
                    }
                    t.m_path = remove_dot_segments(merged);
                }
                t.m_has_query = r.m_has_query;
                t.m_query = std::move(r.m_query);
            }
            t.m_has_authority = m_has_authority;
            t.m_has_userinfo = m_has_userinfo;
            t.m_userinfo = m_userinfo;
            t.m_host = m_host;
            t.m_port = m_port;
        }
        t.m_scheme = m_scheme;
    }
    protect_path(t.m_path, t.m_has_authority);
    return t;
}

url url::normalized() const {
    url u = *this;
    u.m_userinfo = normalize_escapes(m_userinfo);
    std::string host = normalize_escapes(m_host);
    for (std::size_t i = 0; i < host.size(); ++i) {
        if (host[i] == '%')
            i += 2; // keep the (uppercase) hex of an escape
        else
            host[i] = lower(host[i]);
    }
    u.m_host = std::move(host);
    u.m_path = remove_dot_segments(normalize_escapes(m_path));
    protect_path(u.m_path, u.m_has_authority);
    u.m_query = normalize_escapes(m_query);
    u.m_fragment = normalize_escapes(m_fragment);
    if (u.m_port && *u.m_port == default_port(u.m_scheme))
        u.m_port.reset();
    // push_back, not `= "/"`: GCC 12 reports a false -Wrestrict on assigning a literal
    // here (GCC bug 105651).
    if (special(u.m_scheme) && u.m_has_authority && u.m_path.empty())
        u.m_path.push_back('/');
    return u;
}

url url::without_fragment() const {
    url u = *this;
    u.m_fragment.clear();
    u.m_has_fragment = false;
    return u;
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

std::string percent_encode(std::string_view s, std::string_view safe) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        if (has(c, u_unreserved) || (c != '\0' && safe.find(c) != npos)) {
            out += c;
        } else {
            unsigned char u = static_cast<unsigned char>(c);
            out += '%';
            out += hex_digits[u >> 4];
            out += hex_digits[u & 15];
        }
    }
    return out;
}

std::string percent_decode(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '%') {
            out += s[i];
            continue;
        }
        int hi = i + 2 < s.size() ? hex_value(s[i + 1]) : -1;
        int lo = i + 2 < s.size() ? hex_value(s[i + 2]) : -1;
        if (hi < 0 || lo < 0) {
            std::string m = "aio: invalid percent-encoding " + quote(s) +
                            ": '%' not followed "
                            "by two hex digits at position " +
                            std::to_string(i);
            throw invalid_url(m);
        }
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
    }
    return out;
}

query_builder& query_builder::add(std::string_view name, std::string_view value) {
    if (!m_query.empty())
        m_query += '&';
    m_query += percent_encode(name);
    m_query += '=';
    m_query += percent_encode(value);
    return *this;
}

query_builder& query_builder::add(std::string_view name, long long value) {
    return add(name, std::string_view(std::to_string(value)));
}

query_builder& query_builder::add(std::string_view name) {
    if (!m_query.empty())
        m_query += '&';
    m_query += percent_encode(name);
    return *this;
}

} // namespace aio::http
