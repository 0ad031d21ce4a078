// Results, rows, and the decoders of the binary wire format
// (https://www.postgresql.org/docs/15/protocol-message-formats.html; the per-type formats
// are each type's *send/*recv functions in the server).
#include "pg/conn_state.hpp"

#include <aio/pg/json.hpp>
#include <aio/pg/row.hpp>

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>

namespace aio::pg {

namespace {

enum oid : unsigned {
    bool_oid = 16,
    bytea_oid = 17,
    char_oid = 18,
    name_oid = 19,
    int8_oid = 20,
    int2_oid = 21,
    int4_oid = 23,
    text_oid = 25,
    oid_oid = 26,
    json_oid = 114,
    xml_oid = 142,
    float4_oid = 700,
    float8_oid = 701,
    unknown_oid = 705,
    bpchar_oid = 1042,
    varchar_oid = 1043,
    date_oid = 1082,
    timestamp_oid = 1114,
    timestamptz_oid = 1184,
    numeric_oid = 1700,
    uuid_oid = 2950,
    jsonb_oid = 3802,
};

/// Microseconds from 1970-01-01 to 2000-01-01, PostgreSQL's epoch.
constexpr std::int64_t pg_epoch_us = 946684800LL * 1000000;
constexpr int pg_epoch_days = 10957;

std::uint64_t be(const char* p, int n) noexcept {
    std::uint64_t v = 0;
    for (int i = 0; i < n; ++i)
        v = (v << 8) | static_cast<unsigned char>(p[i]);
    return v;
}

const char* type_name(unsigned t) {
    switch (t) {
    case bool_oid:
        return "bool";
    case bytea_oid:
        return "bytea";
    case char_oid:
        return "char";
    case name_oid:
        return "name";
    case int8_oid:
        return "int8";
    case int2_oid:
        return "int2";
    case int4_oid:
        return "int4";
    case text_oid:
        return "text";
    case oid_oid:
        return "oid";
    case json_oid:
        return "json";
    case xml_oid:
        return "xml";
    case float4_oid:
        return "float4";
    case float8_oid:
        return "float8";
    case unknown_oid:
        return "unknown";
    case bpchar_oid:
        return "bpchar";
    case varchar_oid:
        return "varchar";
    case date_oid:
        return "date";
    case timestamp_oid:
        return "timestamp";
    case timestamptz_oid:
        return "timestamptz";
    case numeric_oid:
        return "numeric";
    case uuid_oid:
        return "uuid";
    case jsonb_oid:
        return "jsonb";
    default:
        return nullptr;
    }
}

bool text_like(unsigned t) noexcept {
    switch (t) {
    case text_oid:
    case varchar_oid:
    case bpchar_oid:
    case name_oid:
    case unknown_oid:
    case char_oid:
    case json_oid:
    case xml_oid:
        return true;
    default:
        return false;
    }
}

[[noreturn]] void fail(const field& f, const std::string& what) {
    throw decode_error("aio::pg: " + f.describe() + ": " + what);
}

[[noreturn]] void unsupported(const field& f, const char* cpp) {
    fail(f, std::string("cannot be read as ") + cpp + "; cast it in SQL (e.g. " +
                (f.name().empty() ? std::string("col") : std::string(f.name())) + "::text)");
}

void need_size(const field& f, int n) {
    if (static_cast<int>(f.bytes().size()) != n)
        fail(f, "malformed binary value");
}

/// Any integer column, range-checked into [lo, hi].
std::int64_t integer(const field& f, std::int64_t lo, std::int64_t hi, const char* cpp) {
    std::int64_t v = 0;
    const auto b = f.bytes();
    if (!f.binary()) {
        auto [p, ec] = std::from_chars(b.data(), b.data() + b.size(), v);
        if (ec != std::errc() || p != b.data() + b.size())
            unsupported(f, cpp);
    } else {
        switch (f.type_oid()) {
        case int2_oid:
            need_size(f, 2);
            v = static_cast<std::int16_t>(be(b.data(), 2));
            break;
        case int4_oid:
            need_size(f, 4);
            v = static_cast<std::int32_t>(be(b.data(), 4));
            break;
        case oid_oid:
            need_size(f, 4);
            v = static_cast<std::uint32_t>(be(b.data(), 4));
            break;
        case int8_oid:
            need_size(f, 8);
            v = static_cast<std::int64_t>(be(b.data(), 8));
            break;
        default:
            unsupported(f, cpp);
        }
    }
    if (v < lo || v > hi)
        fail(f, "value " + std::to_string(v) + " does not fit " + cpp);
    return v;
}

std::string numeric_text(const field& f) {
    const auto b = f.bytes();
    if (b.size() < 8)
        fail(f, "malformed numeric");
    const int ndigits = static_cast<std::int16_t>(be(b.data(), 2));
    const int weight = static_cast<std::int16_t>(be(b.data() + 2, 2));
    const unsigned sign = static_cast<unsigned>(be(b.data() + 4, 2));
    const int dscale = static_cast<int>(be(b.data() + 6, 2));
    if (ndigits < 0 || b.size() != 8 + 2 * static_cast<std::size_t>(ndigits))
        fail(f, "malformed numeric");
    if (sign == 0xC000)
        return "NaN";
    if (sign == 0xD000)
        return "Infinity";
    if (sign == 0xF000)
        return "-Infinity";
    auto digit = [&](int i) -> int {
        return i >= 0 && i < ndigits ? static_cast<int>(be(b.data() + 8 + 2 * i, 2)) : 0;
    };
    std::string out;
    if (sign == 0x4000)
        out.push_back('-');
    if (weight < 0) {
        out.push_back('0');
    } else {
        for (int i = 0; i <= weight; ++i) {
            char buf[16];
            const int d = digit(i);
            if (i == 0)
                out += std::to_string(d);
            else {
                std::snprintf(buf, sizeof buf, "%04d", d);
                out += buf;
            }
        }
    }
    if (dscale > 0) {
        out.push_back('.');
        std::string frac;
        for (int i = weight + 1; static_cast<int>(frac.size()) < dscale; ++i) {
            char buf[16];
            std::snprintf(buf, sizeof buf, "%04d", digit(i));
            frac += buf;
        }
        frac.resize(dscale);
        out += frac;
    }
    return out;
}

std::chrono::system_clock::time_point timestamp(const field& f) {
    need_size(f, 8);
    const auto us = static_cast<std::int64_t>(be(f.bytes().data(), 8));
    if (us == std::numeric_limits<std::int64_t>::max())
        return std::chrono::system_clock::time_point::max();
    if (us == std::numeric_limits<std::int64_t>::min())
        return std::chrono::system_clock::time_point::min();
    return std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(
            std::chrono::microseconds(us + pg_epoch_us)));
}

std::string two(int v) {
    char b[16];
    std::snprintf(b, sizeof b, "%02d", v);
    return b;
}

std::string date_text(std::chrono::sys_days d) {
    const std::chrono::year_month_day ymd(d);
    char b[32];
    std::snprintf(b, sizeof b, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
    return b;
}

template <class F> std::string float_text(F v) {
    if (std::isnan(v))
        return "NaN";
    if (std::isinf(v))
        return v > 0 ? "Infinity" : "-Infinity";
    char b[64];
    auto [p, ec] = std::to_chars(b, b + sizeof b, v);
    (void)ec;
    return std::string(b, p);
}

} // namespace

// ---- field, row, result ----

std::string_view field::name() const noexcept {
    return m_res ? PQfname(m_res->m_res, m_column) : "";
}

std::string field::describe() const {
    const char* t = type_name(m_oid);
    return "column '" + std::string(name()) + "' (" + std::to_string(m_column) + ", " +
           (t ? std::string(t) : "type oid " + std::to_string(m_oid)) + ")";
}

namespace detail {
void throw_null(const field& f) {
    throw decode_error("aio::pg: " + f.describe() +
                       " is NULL; read it as std::optional<T> to accept NULL");
}
} // namespace detail

field row::at(int col) const {
    const detail::result_data& d = *m_res;
    if (col < 0 || col >= d.m_nfields)
        throw std::out_of_range("aio::pg: no column " + std::to_string(col) + " (the row has " +
                                std::to_string(d.m_nfields) + ")");
    const PGresult* r = d.m_res;
    const auto& c = d.m_columns[col];
    return field(PQgetvalue(r, m_row, col), PQgetlength(r, m_row, col), c.oid, c.binary,
                 PQgetisnull(r, m_row, col) != 0, col, &d);
}

field row::at(std::string_view name) const {
    const PGresult* r = m_res->m_res;
    const int n = PQnfields(r);
    for (int i = 0; i < n; ++i) {
        if (name == PQfname(r, i))
            return at(i);
    }
    throw std::out_of_range("aio::pg: no column named '" + std::string(name) + "'");
}

int row::size() const noexcept {
    return m_res->m_nfields;
}

result::result(std::shared_ptr<const detail::result_data> res) : m_res(std::move(res)) {
    const int n = PQntuples(m_res->m_res);
    m_rows.reserve(n);
    for (int i = 0; i < n; ++i)
        m_rows.emplace_back(m_res, i);
}

int result::columns() const noexcept {
    return m_res ? PQnfields(m_res->m_res) : 0;
}

std::string_view result::column_name(int col) const {
    if (col < 0 || col >= columns())
        throw std::out_of_range("aio::pg: no column " + std::to_string(col));
    return PQfname(m_res->m_res, col);
}

std::string_view result::command_tag() const noexcept {
    return m_res ? PQcmdStatus(m_res->m_res) : "";
}

std::uint64_t result::affected() const noexcept {
    if (!m_res)
        return 0;
    const char* t = PQcmdTuples(m_res->m_res);
    std::uint64_t v = 0;
    std::from_chars(t, t + std::strlen(t), v);
    return v;
}

// ---- decoders ----

bool decoder<bool>::decode(const field& f) {
    if (!f.binary())
        return f.bytes() == "t" || f.bytes() == "true";
    if (f.type_oid() != bool_oid)
        unsupported(f, "bool");
    need_size(f, 1);
    return f.bytes()[0] != 0;
}

short decoder<short>::decode(const field& f) {
    return static_cast<short>(integer(f, INT16_MIN, INT16_MAX, "int16"));
}
int decoder<int>::decode(const field& f) {
    return static_cast<int>(integer(f, INT32_MIN, INT32_MAX, "int32"));
}
long decoder<long>::decode(const field& f) {
    return static_cast<long>(integer(f, LONG_MIN, LONG_MAX, "long"));
}
long long decoder<long long>::decode(const field& f) {
    return integer(f, INT64_MIN, INT64_MAX, "int64");
}

double decoder<double>::decode(const field& f) {
    const auto b = f.bytes();
    if (f.binary()) {
        switch (f.type_oid()) {
        case float8_oid: {
            need_size(f, 8);
            const std::uint64_t u = be(b.data(), 8);
            double d;
            std::memcpy(&d, &u, 8);
            return d;
        }
        case float4_oid:
            return decoder<float>::decode(f);
        case int2_oid:
        case int4_oid:
        case int8_oid:
        case oid_oid:
            return static_cast<double>(integer(f, INT64_MIN, INT64_MAX, "double"));
        case numeric_oid: {
            const std::string s = numeric_text(f);
            return std::strtod(s.c_str(), nullptr);
        }
        default:
            unsupported(f, "double");
        }
    }
    const std::string s(b);
    char* end = nullptr;
    const double d = std::strtod(s.c_str(), &end);
    if (s.empty() || *end)
        unsupported(f, "double");
    return d;
}

float decoder<float>::decode(const field& f) {
    if (f.binary() && f.type_oid() == float4_oid) {
        need_size(f, 4);
        const auto u = static_cast<std::uint32_t>(be(f.bytes().data(), 4));
        float v;
        std::memcpy(&v, &u, 4);
        return v;
    }
    return static_cast<float>(decoder<double>::decode(f));
}

std::string_view decoder<std::string_view>::decode(const field& f) {
    if (f.binary() && !text_like(f.type_oid())) {
        if (f.type_oid() == jsonb_oid)
            return detail::json_text(f);
        unsupported(f, "std::string_view (text columns only; read std::string)");
    }
    return f.bytes();
}

std::string decoder<std::string>::decode(const field& f) {
    const auto b = f.bytes();
    if (!f.binary() || text_like(f.type_oid()))
        return std::string(b);
    switch (f.type_oid()) {
    case jsonb_oid:
        return std::string(detail::json_text(f));
    case bool_oid:
        return decoder<bool>::decode(f) ? "true" : "false";
    case int2_oid:
    case int4_oid:
    case int8_oid:
    case oid_oid:
        return std::to_string(integer(f, INT64_MIN, INT64_MAX, "std::string"));
    case float4_oid:
        return float_text(decoder<float>::decode(f));
    case float8_oid:
        return float_text(decoder<double>::decode(f));
    case numeric_oid:
        return numeric_text(f);
    case uuid_oid: {
        need_size(f, 16);
        static const char hex[] = "0123456789abcdef";
        std::string s;
        for (int i = 0; i < 16; ++i) {
            if (i == 4 || i == 6 || i == 8 || i == 10)
                s.push_back('-');
            const auto c = static_cast<unsigned char>(b[i]);
            s.push_back(hex[c >> 4]);
            s.push_back(hex[c & 15]);
        }
        return s;
    }
    case bytea_oid: {
        static const char hex[] = "0123456789abcdef";
        std::string s = "\\x";
        for (char ch : b) {
            const auto c = static_cast<unsigned char>(ch);
            s.push_back(hex[c >> 4]);
            s.push_back(hex[c & 15]);
        }
        return s;
    }
    case date_oid:
        return date_text(decoder<std::chrono::sys_days>::decode(f));
    case timestamp_oid:
    case timestamptz_oid: {
        const auto t = timestamp(f);
        if (t == std::chrono::system_clock::time_point::max())
            return "infinity";
        if (t == std::chrono::system_clock::time_point::min())
            return "-infinity";
        const auto day = std::chrono::floor<std::chrono::days>(t);
        const auto us = std::chrono::duration_cast<std::chrono::microseconds>(t - day).count();
        std::string s = date_text(day) + " " + two(static_cast<int>(us / 3600000000)) + ":" +
                        two(static_cast<int>(us / 60000000 % 60)) + ":" +
                        two(static_cast<int>(us / 1000000 % 60));
        if (us % 1000000) {
            char frac[16];
            std::snprintf(frac, sizeof frac, ".%06lld", static_cast<long long>(us % 1000000));
            std::string fs = frac;
            while (fs.back() == '0')
                fs.pop_back();
            s += fs;
        }
        if (f.type_oid() == timestamptz_oid)
            s += "+00";
        return s;
    }
    default:
        unsupported(f, "std::string");
    }
}

bytes decoder<bytes>::decode(const field& f) {
    if (f.binary() && f.type_oid() != bytea_oid)
        unsupported(f, "aio::pg::bytes (bytea columns only)");
    const auto b = f.bytes();
    const auto* p = reinterpret_cast<const std::byte*>(b.data());
    return bytes(p, p + b.size());
}

std::chrono::system_clock::time_point
decoder<std::chrono::system_clock::time_point>::decode(const field& f) {
    if (!f.binary())
        unsupported(f, "time_point");
    switch (f.type_oid()) {
    case timestamptz_oid:
    case timestamp_oid:
        return timestamp(f);
    case date_oid:
        return decoder<std::chrono::sys_days>::decode(f);
    default:
        unsupported(f, "std::chrono::system_clock::time_point");
    }
}

std::chrono::sys_days decoder<std::chrono::sys_days>::decode(const field& f) {
    if (!f.binary() || f.type_oid() != date_oid)
        unsupported(f, "std::chrono::sys_days (date columns only)");
    need_size(f, 4);
    const auto d = static_cast<std::int32_t>(be(f.bytes().data(), 4));
    return std::chrono::sys_days(std::chrono::days(static_cast<std::int64_t>(d) + pg_epoch_days));
}

namespace detail {
std::string_view json_text(const field& f) {
    auto b = f.bytes();
    if (f.binary() && f.type_oid() == jsonb_oid) {
        if (b.empty() || b[0] != 1)
            fail(f, "unknown jsonb format version");
        return b.substr(1);
    }
    if (f.binary() && f.type_oid() != json_oid && !text_like(f.type_oid()))
        unsupported(f, "nlohmann::json (json, jsonb or text columns)");
    return b;
}
} // namespace detail

} // namespace aio::pg
