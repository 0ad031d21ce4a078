// The HTTP/1.1 head parser engine shared by request_parser and response_parser.
//
// Line at a time: parse() searches the new bytes for LF (memchr), and each complete line is
// checked against the limits, then validated and recorded (as offsets, since the caller's
// buffer may move between calls) before the next one is looked at. Limits on the line still
// arriving are checked on every call, so an over-long line is rejected as soon as it
// provably is, not when it ends. The result does not depend on how the bytes were split:
// a line is judged only once complete, and a limit is reported at the offset of the first
// byte past it, the smallest such offset winning (ties: the head limit). See
// docs/design/http.md.
#include "http/syntax.hpp"

#include <aio/core/error.hpp>
#include <aio/http/parser.hpp>

#include <algorithm>
#include <cstring>
#include <limits>

namespace aio::http {
namespace detail {

namespace {

constexpr std::size_t npos = std::string_view::npos;

// The first of two limit violations (offset npos: none); ties go to the head limit.
struct overrun {
    parse_errc code = parse_errc::none;
    std::size_t at = npos;
};
overrun first_of(overrun line, overrun head) noexcept {
    if (head.at != npos && head.at <= line.at)
        return head;
    return line;
}

bool parse_version(std::string_view v, http_version& out, parse_errc& err) noexcept {
    if (v.size() != 8 || v.substr(0, 5) != "HTTP/" || v[6] != '.' || v[5] < '0' || v[5] > '9' ||
        v[7] < '0' || v[7] > '9') {
        err = parse_errc::invalid_version;
        return false;
    }
    out.major = v[5] - '0';
    out.minor = v[7] - '0';
    if (out.major != 1) {
        err = parse_errc::unsupported_version;
        return false;
    }
    return true;
}

bool is_scheme_prefix(std::string_view t) noexcept {
    // scheme ":" (RFC 3986 §3.1): ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
    if (t.empty() || !((t[0] | 0x20) >= 'a' && (t[0] | 0x20) <= 'z'))
        return false;
    for (std::size_t i = 1; i < t.size(); ++i) {
        char c = t[i];
        if (c == ':')
            return true;
        bool ok = ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
                  c == '-' || c == '.';
        if (!ok)
            return false;
    }
    return false;
}

// uri-host [ ":" port ] characters (RFC 9112 §3.2, RFC 3986 §3.2.2): unreserved, sub-delims,
// pct-encoded, ':' and the brackets of an IP literal. Empty is allowed.
bool valid_host_value(std::string_view v, std::size_t& bad) noexcept {
    for (std::size_t i = 0; i < v.size(); ++i) {
        char c = v[i];
        bool ok = ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || (c >= '0' && c <= '9') ||
                  std::strchr("-._~!$&'()*+,;=%:[]", c) != nullptr;
        if (!ok || c == '\0') {
            bad = i;
            return false;
        }
    }
    return true;
}

// `name` is a token already (tchar only) and `lower` a lowercase literal of letters, digits
// and '-': then `c | 0x20` folds case exactly (the only other bytes it would map onto a
// letter, digit or '-' are control characters, which no token holds). Inline, no call.
bool name_is(std::string_view name, std::string_view lower) noexcept {
    if (name.size() != lower.size())
        return false;
    for (std::size_t i = 0; i < name.size(); ++i)
        if (static_cast<char>(name[i] | 0x20) != lower[i])
            return false;
    return true;
}

} // namespace

head_parser::head_parser(kind k, const parser_limits& limits)
    : m_kind(k), m_limits(limits), m_slots(limits.max_headers), m_fields(limits.max_headers) {
    // Offsets are 32-bit: a head of 4 GiB is no head.
    m_limits.max_head_bytes =
        std::min<std::size_t>(m_limits.max_head_bytes, std::numeric_limits<std::uint32_t>::max());
}

void head_parser::reset() noexcept {
    // Everything but the kind, the limits and the arrays (which keep their allocation).
    m_count = 0;
    m_scan = 0;
    m_line_start = 0;
    m_have_start_line = false;
    m_head_request = m_connect_request = false;
    m_state = parse_status::need_more;
    m_error = {};
    m_consumed = 0;
    m_a = m_b = range{0, 0};
    m_cl = 0;
    m_has_cl = m_has_te = m_te_chunked_last = m_te_other = false;
    m_te_at = 0;
    m_conn_close = m_conn_keep_alive = m_conn_upgrade = false;
    m_has_upgrade = m_expect_100 = false;
    m_hosts = 0;
    m_status = 0;
    m_version = {};
    m_framing = body_framing::none;
    m_keep_alive = false;
    m_headers = {};
    m_method = m_target = m_reason = {};
    m_content_length = 0;
    m_expect_continue = m_upgrade = false;
}

void head_parser::set_request_method(std::string_view method) noexcept {
    m_head_request = method == "HEAD";
    m_connect_request = method == "CONNECT";
}

parse_result head_parser::fail(parse_errc code, std::size_t offset) noexcept {
    m_state = parse_status::error;
    m_error = {code, offset};
    return {parse_status::error, 0};
}

parse_result head_parser::parse(std::string_view data) {
    if (m_state == parse_status::complete)
        return {parse_status::complete, m_consumed};
    if (m_state == parse_status::error)
        return {parse_status::error, 0};
    if (data.size() < m_scan)
        throw invalid_state_error("aio::http parser: parse() was given fewer bytes than before; "
                                  "pass every byte of the message received so far");
    const char* p = data.data();
    const std::size_t n = data.size();
    const std::size_t max_head = m_limits.max_head_bytes;
    const std::size_t max_line = m_limits.max_start_line;
    const parse_errc line_code =
        m_kind == kind::request ? parse_errc::uri_too_long : parse_errc::status_line_too_long;
    while (true) {
        const void* hit = m_scan < n ? std::memchr(p + m_scan, '\n', n - m_scan) : nullptr;
        if (!hit) {
            m_scan = n;
            overrun line, head;
            if (!m_have_start_line)
                line = {line_code, incomplete_line_overrun(p, m_line_start, n, max_line)};
            if (n > max_head)
                head = {parse_errc::header_section_too_large, max_head};
            overrun o = first_of(line, head);
            if (o.at != npos)
                return fail(o.code, o.at);
            return {parse_status::need_more, 0};
        }
        const std::size_t lf = static_cast<std::size_t>(static_cast<const char*>(hit) - p);
        const std::size_t begin = m_line_start;
        const bool crlf = lf > begin && p[lf - 1] == '\r';
        const std::size_t end = crlf ? lf - 1 : lf; // content [begin, end)
        m_scan = lf + 1;
        m_line_start = lf + 1;

        // Limits first, so that a line is judged the same way whatever the split.
        overrun line, head;
        if (!m_have_start_line && end - begin > max_line)
            line = {line_code, begin + max_line};
        if (lf + 1 > max_head)
            head = {parse_errc::header_section_too_large, max_head};
        overrun o = first_of(line, head);
        if (o.at != npos)
            return fail(o.code, o.at);
        if (!crlf)
            return fail(parse_errc::bare_lf, lf);

        if (!m_have_start_line) {
            if (begin == end && m_kind == kind::request)
                continue; // RFC 9112 §2.2: empty lines before the request line are ignored
            if (!start_line(data, begin, end))
                return {parse_status::error, 0};
            m_have_start_line = true;
            continue;
        }
        if (begin == end) { // the empty line: the head is complete
            if (!finish(data, begin))
                return {parse_status::error, 0};
            m_state = parse_status::complete;
            m_consumed = lf + 1;
            return {parse_status::complete, m_consumed};
        }
        if (m_count == m_slots.size())
            return fail(parse_errc::too_many_headers, begin);
        if (!header_line(data, begin, end))
            return {parse_status::error, 0};
    }
}

bool head_parser::start_line(std::string_view data, std::size_t begin, std::size_t end) noexcept {
    const char* p = data.data();
    auto bad = [&](parse_errc code, std::size_t at) {
        if (at < end && p[at] == '\r')
            code = parse_errc::bare_cr;
        fail(code, at);
        return false;
    };
    if (m_kind == kind::request) {
        // method SP request-target SP HTTP-version (RFC 9112 §3)
        std::size_t i = begin;
        while (i < end && is(p[i], c_tchar))
            ++i;
        if (i == begin || i == end || p[i] != ' ')
            return bad(i == end ? parse_errc::invalid_start_line : parse_errc::invalid_method, i);
        m_a = {static_cast<std::uint32_t>(begin), static_cast<std::uint32_t>(i - begin)};
        const std::size_t tb = ++i;
        while (i < end && is(p[i], c_target))
            ++i;
        if (i == tb)
            return bad(parse_errc::invalid_target, i);
        if (i == end)
            return bad(parse_errc::invalid_start_line, i);
        if (p[i] != ' ')
            return bad(parse_errc::invalid_target, i);
        m_b = {static_cast<std::uint32_t>(tb), static_cast<std::uint32_t>(i - tb)};
        std::string_view method(p + begin, m_a.len);
        std::string_view target(p + tb, m_b.len);
        // The four forms of RFC 9112 §3.2.
        bool form_ok;
        if (method == "CONNECT")
            form_ok = target[0] != '/' && target != "*" &&
                      target.find_first_of("/?") == std::string_view::npos;
        else if (target == "*")
            form_ok = method == "OPTIONS";
        else
            form_ok = target[0] == '/' || is_scheme_prefix(target);
        if (!form_ok)
            return bad(parse_errc::invalid_target, tb);
        ++i;
        for (std::size_t j = i; j < end; ++j)
            if (p[j] == '\r')
                return bad(parse_errc::bare_cr, j);
        parse_errc err{};
        if (!parse_version(std::string_view(p + i, end - i), m_version, err))
            return bad(err, i);
        return true;
    }
    // HTTP-version SP status-code SP [ reason-phrase ] (RFC 9112 §4); a missing SP after
    // the code is tolerated (it cannot change the framing).
    std::size_t i = begin;
    std::size_t sp = i;
    while (sp < end && p[sp] != ' ')
        ++sp;
    for (std::size_t j = i; j < sp; ++j)
        if (p[j] == '\r')
            return bad(parse_errc::bare_cr, j);
    parse_errc err{};
    if (!parse_version(std::string_view(p + i, sp - i), m_version, err))
        return bad(err, i);
    if (sp == end)
        return bad(parse_errc::invalid_start_line, sp);
    i = sp + 1;
    int status = 0;
    for (int k = 0; k < 3; ++k, ++i) {
        if (i == end || p[i] < '0' || p[i] > '9')
            return bad(parse_errc::invalid_status, i);
        status = status * 10 + (p[i] - '0');
    }
    if (status < 100 || status > 599)
        return bad(parse_errc::invalid_status, i - 3);
    m_status = status;
    if (i < end) {
        if (p[i] != ' ')
            return bad(parse_errc::invalid_status, i);
        ++i;
    }
    for (std::size_t j = i; j < end; ++j)
        if (!is(p[j], c_value))
            return bad(parse_errc::invalid_reason, j);
    m_b = {static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(end - i)};
    return true;
}

bool head_parser::header_line(std::string_view data, std::size_t begin, std::size_t end) noexcept {
    const char* p = data.data();
    field_line f = parse_field_line(p, begin, end);
    if (f.error != parse_errc::none) {
        fail(f.error, f.error_at);
        return false;
    }
    std::string_view name(p + begin, f.name_end - begin);
    std::string_view value(p + f.value_begin, f.value_end - f.value_begin);
    m_slots[m_count++] = {
        {static_cast<std::uint32_t>(begin), static_cast<std::uint32_t>(name.size())},
        {static_cast<std::uint32_t>(f.value_begin), static_cast<std::uint32_t>(value.size())}};

    // The fields that decide framing and the connection (only these cost a comparison).
    switch (name.size()) {
    case 4: // Host
        if (m_kind == kind::request && name_is(name, "host")) {
            if (++m_hosts > 1)
                return fail(parse_errc::multiple_host, begin), false;
            std::size_t bad_at = 0;
            if (!valid_host_value(value, bad_at))
                return fail(parse_errc::invalid_host, f.value_begin + bad_at), false;
        }
        break;
    case 6: // Expect
        if (name_is(name, "expect") && iequals(value, "100-continue"))
            m_expect_100 = true;
        break;
    case 7: // Upgrade
        if (name_is(name, "upgrade"))
            m_has_upgrade = true;
        break;
    case 10: // Connection
        if (name_is(name, "connection")) {
            m_conn_close |= has_token(value, "close");
            m_conn_keep_alive |= has_token(value, "keep-alive");
            m_conn_upgrade |= has_token(value, "upgrade");
        }
        break;
    case 14: // Content-Length: 1*DIGIT, or a list of identical values (RFC 9110 §8.6)
        if (name_is(name, "content-length")) {
            if (m_has_te)
                return fail(parse_errc::content_length_with_transfer_encoding, begin), false;
            std::size_t i = 0;
            while (true) {
                std::size_t e = i;
                std::uint64_t v = 0;
                while (e < value.size() && value[e] >= '0' && value[e] <= '9') {
                    unsigned d = static_cast<unsigned>(value[e] - '0');
                    if (v > (std::numeric_limits<std::uint64_t>::max() - d) / 10)
                        return fail(parse_errc::invalid_content_length, f.value_begin + e), false;
                    v = v * 10 + d;
                    ++e;
                }
                if (e == i) // empty element or a non-digit
                    return fail(parse_errc::invalid_content_length, f.value_begin + e), false;
                if (m_has_cl && v != m_cl)
                    return fail(parse_errc::conflicting_content_length, f.value_begin + i), false;
                m_has_cl = true;
                m_cl = v;
                while (e < value.size() && is_ows(value[e]))
                    ++e;
                if (e == value.size())
                    break;
                if (value[e] != ',')
                    return fail(parse_errc::invalid_content_length, f.value_begin + e), false;
                ++e;
                while (e < value.size() && is_ows(value[e]))
                    ++e;
                i = e;
            }
        }
        break;
    case 17: // Transfer-Encoding (RFC 9112 §6.1)
        if (name_is(name, "transfer-encoding")) {
            if (m_version.minor == 0)
                return fail(parse_errc::transfer_encoding_in_http10, begin), false;
            if (m_has_cl)
                return fail(parse_errc::content_length_with_transfer_encoding, begin), false;
            if (!m_has_te)
                m_te_at = begin;
            m_has_te = true;
            bool any = false;
            std::size_t i = 0;
            while (i <= value.size()) {
                std::size_t e = value.find(',', i);
                if (e == std::string_view::npos)
                    e = value.size();
                std::string_view elem = value.substr(i, e - i);
                while (!elem.empty() && is_ows(elem.front()))
                    elem.remove_prefix(1);
                while (!elem.empty() && is_ows(elem.back()))
                    elem.remove_suffix(1);
                if (!elem.empty()) { // empty list elements are ignored (RFC 9110 §5.6.1)
                    any = true;
                    std::size_t t = 0;
                    while (t < elem.size() && is(elem[t], c_tchar))
                        ++t;
                    std::size_t at =
                        f.value_begin + static_cast<std::size_t>(elem.data() - value.data());
                    if (t == 0)
                        return fail(parse_errc::invalid_transfer_encoding, at), false;
                    std::string_view coding = elem.substr(0, t);
                    std::string_view rest = elem.substr(t);
                    while (!rest.empty() && is_ows(rest.front()))
                        rest.remove_prefix(1);
                    if (!rest.empty() && rest.front() != ';')
                        return fail(parse_errc::invalid_transfer_encoding, at + t), false;
                    if (iequals(coding, "chunked")) {
                        // chunked carries no parameters and is applied once (RFC 9112 §7)
                        if (!rest.empty() || m_te_chunked_last)
                            return fail(parse_errc::invalid_transfer_encoding, at), false;
                        m_te_chunked_last = true;
                    } else {
                        if (m_te_chunked_last && m_kind == kind::request)
                            // a coding after chunked: the request's length is unknowable
                            return fail(parse_errc::invalid_transfer_encoding, at), false;
                        m_te_chunked_last = false;
                        m_te_other = true;
                    }
                }
                i = e + 1;
            }
            if (!any)
                return fail(parse_errc::invalid_transfer_encoding, f.value_begin), false;
        }
        break;
    default:
        break;
    }
    return true;
}

bool head_parser::finish(std::string_view data, std::size_t at) noexcept {
    const char* p = data.data();
    for (std::size_t i = 0; i < m_count; ++i)
        m_fields[i] = {std::string_view(p + m_slots[i].name.off, m_slots[i].name.len),
                       std::string_view(p + m_slots[i].value.off, m_slots[i].value.len)};
    m_headers = header_view(std::span<const field>(m_fields.data(), m_count));
    if (m_kind == kind::request) {
        m_method = std::string_view(p + m_a.off, m_a.len);
        m_target = std::string_view(p + m_b.off, m_b.len);
    } else {
        m_reason = std::string_view(p + m_b.off, m_b.len);
    }
    const bool v11 = m_version.minor >= 1;
    m_keep_alive = !m_conn_close && (v11 || m_conn_keep_alive);

    if (m_kind == kind::request) {
        if (v11 && m_hosts == 0)
            return fail(parse_errc::missing_host, at), false;
        if (m_has_te) {
            // RFC 9112 §6.3 item 4: a request whose final coding is not chunked has no
            // knowable length: 400 and close.
            if (!m_te_chunked_last)
                return fail(parse_errc::invalid_transfer_encoding, m_te_at), false;
            if (m_te_other)
                return fail(parse_errc::unsupported_transfer_coding, m_te_at), false;
            m_framing = body_framing::chunked;
        } else if (m_has_cl) {
            m_framing = body_framing::content_length;
            m_content_length = m_cl;
        } else {
            m_framing = body_framing::none;
        }
        m_expect_continue = v11 && m_expect_100;
        m_upgrade = m_has_upgrade && m_conn_upgrade;
        return true;
    }

    // Responses (RFC 9112 §6.3 items 1-8, in order).
    const bool informational = m_status < 200;
    m_upgrade = m_status == 101 || (m_connect_request && m_status / 100 == 2);
    if (m_head_request || informational || m_status == 204 || m_status == 304 || m_upgrade) {
        m_framing = body_framing::none;
    } else if (m_has_te) {
        // The body is coded in something we cannot undo; reading it as until-close (item 4)
        // would hand the caller bytes it cannot interpret.
        if (m_te_other)
            return fail(parse_errc::unsupported_transfer_coding, m_te_at), false;
        m_framing = body_framing::chunked;
    } else if (m_has_cl) {
        m_framing = body_framing::content_length;
        m_content_length = m_cl;
    } else {
        m_framing = body_framing::until_close;
    }
    if (m_framing == body_framing::until_close || m_upgrade)
        m_keep_alive = false;
    return true;
}

} // namespace detail

void request_parser::fill() noexcept {
    const detail::head_parser& e = m_engine;
    m_head.method = e.m_method;
    m_head.target = e.m_target;
    m_head.version = e.m_version;
    m_head.headers = e.m_headers;
    m_head.framing = e.m_framing;
    m_head.content_length = e.m_content_length;
    m_head.keep_alive = e.m_keep_alive;
    m_head.expect_continue = e.m_expect_continue;
    m_head.upgrade = e.m_upgrade;
}

void response_parser::fill() noexcept {
    const detail::head_parser& e = m_engine;
    m_head.status = e.m_status;
    m_head.reason = e.m_reason;
    m_head.version = e.m_version;
    m_head.headers = e.m_headers;
    m_head.framing = e.m_framing;
    m_head.content_length = e.m_content_length;
    m_head.keep_alive = e.m_keep_alive;
    m_head.upgrade = e.m_upgrade;
}

} // namespace aio::http
