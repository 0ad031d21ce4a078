// Encoding query parameters: fixed-size values in binary (big-endian, as the server's
// *recv functions read them), the rest as text for the server to parse.
#include <aio/pg/errors.hpp>
#include <aio/pg/params.hpp>

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

namespace aio::pg::detail {

namespace {
constexpr std::int64_t pg_epoch_us = 946684800LL * 1000000;
constexpr int pg_epoch_days = 10957;

void put_be(params& p, std::uint64_t v, int n, unsigned oid) {
    char b[8];
    for (int i = n - 1; i >= 0; --i) {
        b[i] = static_cast<char>(v & 0xff);
        v >>= 8;
    }
    p.add_binary(b, static_cast<std::size_t>(n), oid);
}
} // namespace

void params::add_null(unsigned oid) {
    m_oid.push_back(oid);
    m_off.push_back(m_buf.size());
    m_len.push_back(-1);
    m_fmt.push_back(0);
}

void params::add_text(std::string_view s, unsigned oid) {
    if (s.find('\0') != std::string_view::npos)
        throw error("aio::pg: a text parameter cannot hold a NUL byte (send bytea instead)");
    m_oid.push_back(oid);
    m_off.push_back(m_buf.size());
    m_len.push_back(static_cast<int>(s.size()));
    m_fmt.push_back(0);
    m_buf.append(s);
    m_buf.push_back('\0'); // libpq reads text parameters as C strings
}

void params::add_binary(const void* data, std::size_t n, unsigned oid) {
    if (n > static_cast<std::size_t>(std::numeric_limits<int>::max()))
        throw error("aio::pg: a parameter is larger than 2 GiB");
    m_oid.push_back(oid);
    m_off.push_back(m_buf.size());
    m_len.push_back(static_cast<int>(n));
    m_fmt.push_back(1);
    m_buf.append(static_cast<const char*>(data), n);
}

void encode_int(params& p, std::int64_t v, int size) {
    put_be(p, static_cast<std::uint64_t>(v), size, size == 2 ? 21 : size == 4 ? 23 : 20);
}

void encode_uint64(params& p, std::uint64_t v) {
    if (v <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        encode_int(p, static_cast<std::int64_t>(v), 8);
        return;
    }
    char b[24];
    auto [end, ec] = std::to_chars(b, b + sizeof b, v);
    (void)ec;
    p.add_text(std::string_view(b, static_cast<std::size_t>(end - b)), 1700); // numeric
}

void encode_float(params& p, float v) {
    std::uint32_t u;
    std::memcpy(&u, &v, 4);
    put_be(p, u, 4, 700);
}

void encode_double(params& p, double v) {
    std::uint64_t u;
    std::memcpy(&u, &v, 8);
    put_be(p, u, 8, 701);
}

void encode_bool(params& p, bool v) {
    const char b = v ? 1 : 0;
    p.add_binary(&b, 1, 16);
}

void encode_time(params& p, std::chrono::system_clock::time_point t) {
    const auto us =
        std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
    put_be(p, static_cast<std::uint64_t>(us - pg_epoch_us), 8, 1184); // timestamptz
}

void encode_date(params& p, std::chrono::sys_days d) {
    const auto days = d.time_since_epoch().count() - pg_epoch_days;
    put_be(p, static_cast<std::uint64_t>(static_cast<std::int64_t>(days)), 4, 1082);
}

} // namespace aio::pg::detail
