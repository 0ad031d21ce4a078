// The request and response parser targets share this driver: the first input byte picks
// limits (so that every limit is reached), the rest is the message. Invariants:
// - the outcome (status, consumed, error code and offset) is the same fed whole, split in
//   two at a byte chosen by the input, and one byte at a time;
// - a complete head's views lie inside the buffer and consumed <= size;
// - a complete head, written out again canonically, parses to the same head.
#pragma once

#include "fuzz_check.hpp"

#include <aio/http/parser.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace aio_fuzz {

struct outcome {
    aio::http::parse_status status;
    std::size_t consumed;
    aio::http::parse_errc code;
    std::size_t offset;
    bool operator==(const outcome&) const = default;
};

template <class Parser> outcome result_of(const Parser& p, aio::http::parse_result r) {
    return {r.status, r.consumed, p.error().code, p.error().offset};
}

inline bool inside(std::string_view v, std::string_view buf) {
    return v.empty() || (v.data() >= buf.data() && v.data() + v.size() <= buf.data() + buf.size());
}

inline aio::http::parser_limits limits_from(std::uint8_t b) {
    aio::http::parser_limits l;
    if (b & 0x80) { // small limits half of the time
        l.max_start_line = 8 + (b & 0x1f) * 2;
        l.max_head_bytes = 16 + (b & 0x0f) * 16;
        l.max_headers = 1 + (b & 0x07);
    }
    return l;
}

template <class Parser, class Setup, class Check>
void fuzz_head(const std::uint8_t* data, std::size_t size, Setup setup, Check check_head) {
    if (size < 2)
        return;
    const aio::http::parser_limits limits = limits_from(data[0]);
    const std::size_t split = data[1] % (size - 1);
    const std::string text(reinterpret_cast<const char*>(data + 2), size - 2);
    const std::string_view all(text);

    Parser whole(limits);
    setup(whole);
    const outcome expected = result_of(whole, whole.parse(all));

    {
        Parser p(limits);
        setup(p);
        std::string first(all.substr(0, split)); // another address: views must not be kept
        aio::http::parse_result r = p.parse(first);
        if (r.status == aio::http::parse_status::need_more)
            r = p.parse(all);
        AIO_FUZZ_CHECK(result_of(p, r) == expected);
    }
    {
        Parser p(limits);
        setup(p);
        aio::http::parse_result r;
        for (std::size_t n = 0; n <= all.size(); ++n) {
            r = p.parse(all.substr(0, n));
            if (r.status != aio::http::parse_status::need_more)
                break;
        }
        AIO_FUZZ_CHECK(result_of(p, r) == expected);
    }
    if (expected.status == aio::http::parse_status::error) {
        AIO_FUZZ_CHECK(expected.code != aio::http::parse_errc::none);
        AIO_FUZZ_CHECK(!whole.error().message().empty());
        return;
    }
    if (expected.status != aio::http::parse_status::complete)
        return;
    AIO_FUZZ_CHECK(expected.consumed <= all.size() && expected.consumed <= limits.max_head_bytes);
    const auto& h = whole.head();
    AIO_FUZZ_CHECK(h.headers.size() <= limits.max_headers);
    for (const auto& f : h.headers)
        AIO_FUZZ_CHECK(inside(f.name, all) && inside(f.value, all) && !f.name.empty());
    check_head(whole, all.substr(0, expected.consumed), all.substr(expected.consumed), limits);
}

inline void write_fields(std::string& out, const aio::http::header_view& headers) {
    for (const auto& f : headers) {
        out += f.name;
        out += ": ";
        out += f.value;
        out += "\r\n";
    }
    out += "\r\n";
}

inline bool same_fields(const aio::http::header_view& a, const aio::http::header_view& b) {
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (a[i].name != b[i].name || a[i].value != b[i].value)
            return false;
    return true;
}

} // namespace aio_fuzz
