// Character classes and the field-line grammar shared by the head parser and the chunked
// decoder's trailer section (RFC 9110 §5.5-5.6, RFC 9112 §5).
#pragma once

#include <aio/http/errors.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace aio::http::detail {

enum char_class : std::uint8_t {
    c_tchar = 1,  // token character (RFC 9110 §5.6.2)
    c_vchar = 2,  // visible ASCII, 0x21-0x7E
    c_value = 4,  // field-vchar, SP, HTAB (RFC 9110 §5.5): VCHAR / obs-text / SP / HTAB
    c_hex = 8,    // HEXDIG
    c_target = 16 // allowed in a request-target: VCHAR except '#'
};

constexpr std::array<std::uint8_t, 256> make_char_table() {
    std::array<std::uint8_t, 256> t{};
    for (int c = 0x21; c <= 0x7e; ++c)
        t[c] |= c_vchar | c_value | c_target;
    t['#'] &= static_cast<std::uint8_t>(~c_target);
    for (int c = 0x80; c <= 0xff; ++c)
        t[c] |= c_value;
    t[' '] |= c_value;
    t['\t'] |= c_value;
    for (int c = '0'; c <= '9'; ++c)
        t[c] |= c_tchar | c_hex;
    for (int c = 'a'; c <= 'z'; ++c)
        t[c] |= c_tchar;
    for (int c = 'A'; c <= 'Z'; ++c)
        t[c] |= c_tchar;
    for (int c = 'a'; c <= 'f'; ++c)
        t[c] |= c_hex;
    for (int c = 'A'; c <= 'F'; ++c)
        t[c] |= c_hex;
    for (char c : std::string_view("!#$%&'*+-.^_`|~"))
        t[static_cast<unsigned char>(c)] |= c_tchar;
    return t;
}

inline constexpr std::array<std::uint8_t, 256> char_table = make_char_table();

inline bool is(char c, char_class k) noexcept {
    return (char_table[static_cast<unsigned char>(c)] & k) != 0;
}
inline bool is_ows(char c) noexcept {
    return c == ' ' || c == '\t';
}

/// `s` without leading and trailing OWS (spaces and tabs).
inline std::string_view trim_ows(std::string_view s) noexcept {
    while (!s.empty() && is_ows(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_ows(s.back()))
        s.remove_suffix(1);
    return s;
}

inline bool is_token(std::string_view s) noexcept {
    if (s.empty())
        return false;
    for (char c : s)
        if (!is(c, c_tchar))
            return false;
    return true;
}

/// A field line [begin, end) of `p` (CRLF excluded) split into name and value (OWS trimmed),
/// or the first error. Offsets are indices into `p`.
struct field_line {
    parse_errc error = parse_errc::none;
    std::size_t error_at = 0;
    std::size_t name_end = 0, value_begin = 0, value_end = 0;
};

inline field_line parse_field_line(const char* p, std::size_t begin, std::size_t end) noexcept {
    field_line r;
    auto fail = [&](parse_errc e, std::size_t at) {
        r.error = e;
        r.error_at = at;
        return r;
    };
    if (is_ows(p[begin]))
        return fail(parse_errc::obs_fold, begin);
    std::size_t i = begin;
    while (i < end && is(p[i], c_tchar))
        ++i;
    if (i == end)
        return fail(parse_errc::invalid_header_name, i); // no colon
    if (p[i] != ':') {
        if (is_ows(p[i]))
            return fail(parse_errc::whitespace_before_colon, i);
        return fail(p[i] == '\r' ? parse_errc::bare_cr : parse_errc::invalid_header_name, i);
    }
    if (i == begin)
        return fail(parse_errc::invalid_header_name, i); // empty name
    r.name_end = i++;
    while (i < end && is_ows(p[i]))
        ++i;
    r.value_begin = i;
    for (; i < end; ++i) // one test per byte; the trailing OWS is trimmed afterwards
        if (!is(p[i], c_value))
            return fail(p[i] == '\r' ? parse_errc::bare_cr : parse_errc::invalid_header_value, i);
    std::size_t last = end; // one past the last non-OWS byte
    while (last > r.value_begin && is_ows(p[last - 1]))
        --last;
    r.value_end = last;
    return r;
}

/// Where a line whose bytes [line_start, n) were received but whose LF has not arrived
/// yet is provably longer than `max` content bytes (CRLF excluded): the offset of the first
/// byte past the limit, or npos when it may still end in time. A last byte CR may be the
/// first half of the CRLF, so it does not count yet.
inline std::size_t incomplete_line_overrun(const char* p,
                                           std::size_t line_start,
                                           std::size_t n,
                                           std::size_t max) noexcept {
    std::size_t len = n - line_start;
    if (len > max + 1 || (len == max + 1 && p[n - 1] != '\r'))
        return line_start + max;
    return std::string_view::npos;
}

} // namespace aio::http::detail
