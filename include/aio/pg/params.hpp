// Query parameters: C++ values bound to $1..$n (never spliced into the SQL text).
#pragma once

#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace aio::pg {

/// bytea values, both ways.
using bytes = std::vector<std::byte>;

namespace detail {

/// The encoded parameters of one query: one buffer, and per parameter its type OID (0: let
/// the server infer it), offset, length (-1: NULL) and format (0 text, 1 binary).
class params {
  public:
    // Not an aggregate: GCC 12 destroys an aggregate temporary's owning members twice when
    // it is an argument inside a co_await expression (docs/design/core.md).
    params() noexcept {}
    void add_null(unsigned oid = 0);
    void add_text(std::string_view s, unsigned oid = 0);
    void add_binary(const void* p, std::size_t n, unsigned oid);
    std::size_t size() const noexcept { return m_oid.size(); }

    std::string m_buf;
    std::vector<unsigned> m_oid;
    std::vector<std::size_t> m_off;
    std::vector<int> m_len;
    std::vector<int> m_fmt;
};

void encode_int(params& p, std::int64_t v, int size);
void encode_uint64(params& p, std::uint64_t v);
void encode_float(params& p, float v);
void encode_double(params& p, double v);
void encode_bool(params& p, bool v);
void encode_time(params& p, std::chrono::system_clock::time_point t);
void encode_date(params& p, std::chrono::sys_days d);

template <class T> struct is_optional : std::false_type {};
template <class T> struct is_optional<std::optional<T>> : std::true_type {};

} // namespace detail

/// Customisation point: specialise with `static void encode(detail::params&, const T&)` to
/// pass your own types as parameters (<aio/pg/json.hpp> does it for nlohmann::json).
template <class T> struct encoder;

namespace detail {

template <class T> void encode_arg(params& p, const T& v) {
    using U = std::remove_cvref_t<T>;
    if constexpr (requires { encoder<U>::encode(p, v); }) {
        encoder<U>::encode(p, v); // a specialisation wins (nlohmann::json converts to anything)
    } else if constexpr (std::is_same_v<U, std::nullopt_t> || std::is_same_v<U, std::nullptr_t>) {
        p.add_null();
    } else if constexpr (is_optional<U>::value) {
        if (v)
            encode_arg(p, *v);
        else
            p.add_null();
    } else if constexpr (std::is_same_v<U, bool>) {
        encode_bool(p, v);
    } else if constexpr (std::is_same_v<U, char>) {
        static_assert(!std::is_same_v<U, char>, "aio::pg: pass a char as std::string(1, c)");
    } else if constexpr (std::is_integral_v<U> && std::is_signed_v<U>) {
        encode_int(p, v, sizeof(U) <= 2 ? 2 : sizeof(U) == 4 ? 4 : 8);
    } else if constexpr (std::is_integral_v<U>) {
        if constexpr (sizeof(U) < 4)
            encode_int(p, v, 4);
        else if constexpr (sizeof(U) == 4)
            encode_int(p, v, 8);
        else
            encode_uint64(p, v);
    } else if constexpr (std::is_same_v<U, float>) {
        encode_float(p, v);
    } else if constexpr (std::is_floating_point_v<U>) {
        encode_double(p, static_cast<double>(v));
    } else if constexpr (std::is_convertible_v<const U&, std::string_view>) {
        p.add_text(std::string_view(v));
    } else if constexpr (std::is_convertible_v<const U&, std::span<const std::byte>>) {
        std::span<const std::byte> s = v;
        p.add_binary(s.data(), s.size(), 17);
    } else if constexpr (std::is_same_v<U, std::chrono::sys_days>) {
        encode_date(p, v);
    } else if constexpr (requires {
                             std::chrono::time_point_cast<std::chrono::system_clock::duration>(v);
                         } &&
                         std::is_same_v<typename U::clock, std::chrono::system_clock>) {
        encode_time(p, std::chrono::time_point_cast<std::chrono::system_clock::duration>(v));
    } else {
        static_assert(sizeof(U) == 0, "aio::pg: no encoder for this parameter type; "
                                      "specialise aio::pg::encoder<T>");
    }
}

template <class... A> params encode_all(const A&... a) {
    params p;
    (encode_arg(p, a), ...);
    return p;
}

} // namespace detail
} // namespace aio::pg
