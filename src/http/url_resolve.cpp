// RFC 3986 reference resolution (§5.2), normalisation (§6.2.2-6.2.3) and percent-encoding.
// Parsing is in url.cpp.
#include "http/url_syntax.hpp"

#include <aio/http/url.hpp>

namespace aio::http {

namespace {

using namespace detail::url_syntax;

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
