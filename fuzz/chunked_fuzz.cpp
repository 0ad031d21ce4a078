// Fuzzes chunked_decoder. The first byte picks limits and a delivery step; invariants:
// - delivered whole, or in pieces of `step` bytes (unconsumed bytes kept, as a connection
//   buffer does), the status, decoded body, consumed count and error are the same;
// - data views lie inside the input; consumed never exceeds what was given;
// - a decoded body, re-encoded in chunks, decodes to the same bytes.
#include "fuzz_check.hpp"

#include <aio/http/chunked.hpp>

#include <cstdint>
#include <string>
#include <string_view>

using namespace aio::http;

namespace {

struct run {
    chunk_status status;
    std::string body;
    std::size_t consumed;
    parse_errc code;
    std::size_t offset;
    bool operator==(const run&) const = default;
};

run decode(std::string_view text, std::size_t step, const chunked_limits& limits) {
    chunked_decoder dec(limits);
    std::string buf, body;
    std::size_t fed = 0, consumed = 0;
    chunk_result r;
    while (true) {
        std::size_t n = step == 0 ? text.size() - fed : std::min(step, text.size() - fed);
        buf.append(text.substr(fed, n));
        fed += n;
        while (true) { // decode(), checking the views
            r = dec.decode(buf);
            AIO_FUZZ_CHECK(r.consumed <= buf.size());
            if (r.status == chunk_status::data) {
                AIO_FUZZ_CHECK(!r.data.empty());
                AIO_FUZZ_CHECK(r.data.data() >= buf.data() &&
                               r.data.data() + r.data.size() == buf.data() + r.consumed);
                body.append(r.data);
            }
            buf.erase(0, r.consumed);
            consumed += r.consumed;
            if (r.status != chunk_status::data)
                break;
        }
        if (r.status != chunk_status::need_more || fed == text.size())
            break;
    }
    if (r.status == chunk_status::done)
        for (const field& f : dec.trailers())
            AIO_FUZZ_CHECK(!f.name.empty());
    // After an error only the error counts (what was consumed before it depends on how the
    // bytes were delivered).
    if (r.status == chunk_status::error) {
        body.clear();
        consumed = 0;
    }
    return {r.status, body, consumed, dec.error().code, dec.error().offset};
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1)
        return 0;
    chunked_limits limits;
    if (data[0] & 0x80) {
        limits.max_size_digits = 1 + (data[0] & 0x0f);
        limits.max_line = 4 + (data[0] & 0x1f);
        limits.max_trailer_bytes = 8 + (data[0] & 0x3f);
        limits.max_trailers = 1 + (data[0] & 3);
    }
    std::size_t step = 1 + (data[0] & 7);
    std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
    run whole = decode(text, 0, limits);
    AIO_FUZZ_CHECK(whole.consumed <= text.size());
    run pieces = decode(text, step, limits);
    if (whole.status == chunk_status::need_more) {
        AIO_FUZZ_CHECK(pieces.status == chunk_status::need_more);
        AIO_FUZZ_CHECK(pieces.body == whole.body);
    } else {
        AIO_FUZZ_CHECK(pieces == whole);
    }
    if (whole.status == chunk_status::done) {
        std::string again;
        for (std::size_t i = 0; i < whole.body.size(); i += 7) {
            std::string_view piece = std::string_view(whole.body).substr(i, 7);
            again += std::to_string(piece.size()); // at most 7: decimal is hex
            again += "\r\n";
            again += piece;
            again += "\r\n";
        }
        again += "0\r\n\r\n";
        run back = decode(again, 0, {});
        AIO_FUZZ_CHECK(back.status == chunk_status::done && back.body == whole.body);
    }
    return 0;
}
