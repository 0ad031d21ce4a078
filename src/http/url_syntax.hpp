// Internal to src/http: the character classes and small helpers shared by url.cpp (parsing)
// and url_resolve.cpp (resolution, normalisation, percent-encoding).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace aio::http::detail::url_syntax {

inline constexpr std::size_t npos = std::string_view::npos;

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
inline constexpr std::array<std::uint8_t, 256> table = make_table();

inline bool has(char c, std::uint8_t k) noexcept {
    return (table[static_cast<unsigned char>(c)] & k) != 0;
}
inline char lower(char c) noexcept {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c | 0x20) : c;
}
inline char upper(char c) noexcept {
    return c >= 'a' && c <= 'z' ? static_cast<char>(c & ~0x20) : c;
}
inline int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9')
        return c - '0';
    c = lower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}
inline constexpr char hex_digits[] = "0123456789ABCDEF";

/// `text` quoted for an error message: at most 200 bytes, control and non-ASCII bytes as \xHH.
std::string quote(std::string_view text);

inline bool special(std::string_view scheme) noexcept {
    return scheme == "http" || scheme == "https" || scheme == "ws" || scheme == "wss";
}

inline std::uint16_t default_port(std::string_view scheme) noexcept {
    if (scheme == "http" || scheme == "ws")
        return 80;
    if (scheme == "https" || scheme == "wss")
        return 443;
    return 0;
}

} // namespace aio::http::detail::url_syntax
