// Fuzzes the WebSocket frame reader (src/ws/frame_reader.cpp) and the permessage-deflate
// negotiation. The first byte picks the role, deflate, a small or default message limit and a
// delivery step; invariants:
// - delivered whole, or in pieces of `step` bytes (unconsumed bytes kept, as the session
//   does), the events (kind, code, reason, message or payload) are the same;
// - consumed never exceeds what was given; a message never exceeds the limit; a text
//   message and a close reason are valid UTF-8; an error's code is 1002, 1007 or 1009;
// - a message read, framed again by append_frame (fragmented, compressed when deflate is on)
//   and read by a fresh reader, comes back the same; also streamed with a 300-byte limit, so
//   frames over it come in pieces of at most 300 bytes (uncompressed: the same messages;
//   compressed: the same messages, or a prefix of them and then 1009 when a piece inflates
//   past the limit).
// The input is also given to deflate_accept / deflate_check_response as a header value.
#include "fuzz_check.hpp"
#include "ws/deflate.hpp"
#include "ws/frame.hpp"
#include "ws/frame_reader.hpp"
#include "ws/utf8.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <malloc.h>

using namespace aio::ws::detail;

namespace {

struct event {
    read_kind kind;
    std::uint16_t code;
    std::string text; // reason, message or control payload
    bool operator==(const event&) const = default;
};

// Streaming (set_streaming): a message's chunks are joined back into one text/binary event.
std::vector<event>
read_all(std::string_view in, std::size_t step, const reader_config& c, bool streaming = false) {
    frame_reader r(c);
    r.set_streaming(streaming);
    std::vector<event> out;
    std::string buf;
    std::string joined;
    std::size_t fed = 0;
    for (;;) {
        const std::size_t n = std::min(step, in.size() - fed);
        buf.append(in.substr(fed, n));
        fed += n;
        for (;;) {
            read_event ev = r.next(buf);
            AIO_FUZZ_CHECK(ev.consumed <= buf.size());
            if (ev.kind == read_kind::error) {
                AIO_FUZZ_CHECK(ev.code == 1002 || ev.code == 1007 || ev.code == 1009);
                out.push_back({ev.kind, ev.code, ev.reason});
                return out;
            }
            if (ev.kind == read_kind::need_more)
                break;
            buf.erase(0, ev.consumed);
            if (ev.kind == read_kind::partial)
                continue;
            if (ev.kind == read_kind::chunk) {
                const std::string chunk = r.take_message();
                AIO_FUZZ_CHECK(chunk.size() <= c.max_message_size);
                joined += chunk;
                if (!ev.last)
                    continue;
                const bool binary = r.message_binary();
                if (!binary)
                    AIO_FUZZ_CHECK(is_valid_utf8(joined));
                out.push_back(
                    {binary ? read_kind::binary : read_kind::text, 0, std::exchange(joined, {})});
                continue;
            }
            event e{ev.kind, ev.code, {}};
            if (ev.kind == read_kind::text || ev.kind == read_kind::binary) {
                e.text = r.take_message();
                AIO_FUZZ_CHECK(e.text.size() <= c.max_message_size);
                if (ev.kind == read_kind::text)
                    AIO_FUZZ_CHECK(is_valid_utf8(e.text));
            } else if (ev.kind == read_kind::close) {
                e.text = ev.reason;
                AIO_FUZZ_CHECK(is_valid_utf8(e.text));
            } else {
                e.text = std::string(r.payload());
            }
            out.push_back(std::move(e));
        }
        if (fed == in.size())
            return out;
    }
}

} // namespace

// zlib's state (~300 KiB for a deflater) is above glibc's mmap threshold: without this each
// run maps and unmaps it, and page faults take most of the time.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1)
        return 0;
    const std::uint8_t cfg = data[0];
    const std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
    reader_config c;
    c.expect_masked = (cfg & 1) != 0;
    c.deflate = (cfg & 2) != 0;
    c.max_message_size = (cfg & 4) ? 300 : 1024 * 1024;
    const std::size_t step = 1 + (cfg >> 3);

    const std::vector<event> whole = read_all(in, in.size() + 1, c);
    AIO_FUZZ_CHECK(read_all(in, step, c) == whole);

    // Messages framed again read back the same.
    std::string again;
    std::vector<event> messages;
    std::optional<deflater> d; // made only when needed: deflateInit costs more than a run
    const unsigned char key[4] = {1, 2, 3, 4};
    for (const event& e : whole) {
        if (e.kind != read_kind::text && e.kind != read_kind::binary)
            continue;
        messages.push_back(e);
        if (c.deflate && !d)
            d.emplace(15, false);
        const std::string payload = c.deflate ? d->compress(e.text) : e.text;
        const opcode op = e.kind == read_kind::text ? opcode::text : opcode::binary;
        const std::size_t half = payload.size() / 2;
        append_frame(again, op, false, c.deflate, std::string_view(payload).substr(0, half),
                     c.expect_masked ? key : nullptr);
        append_frame(again, opcode::continuation, true, false,
                     std::string_view(payload).substr(half), c.expect_masked ? key : nullptr);
    }
    if (!messages.empty()) {
        reader_config big = c;
        big.max_message_size = 1024 * 1024 * 16; // compressed framing may be larger
        const std::vector<event> back = read_all(again, again.size() + 1, big);
        AIO_FUZZ_CHECK(back == messages);
        // Streamed frame by frame (inflated per frame), the same messages come out.
        AIO_FUZZ_CHECK(read_all(again, step, big, true) == messages);
        // Streamed under a small limit: frames over it come in pieces (chunks checked
        // against the limit in read_all), joined back into the same messages.
        reader_config small = c;
        small.max_message_size = 300;
        const std::vector<event> pieces = read_all(again, step, small, true);
        if (!c.deflate) {
            AIO_FUZZ_CHECK(pieces == messages);
        } else if (pieces != messages) {
            AIO_FUZZ_CHECK(!pieces.empty() && pieces.back().kind == read_kind::error &&
                           pieces.back().code == 1009 && pieces.size() <= messages.size());
            for (std::size_t i = 0; i + 1 < pieces.size(); ++i)
                AIO_FUZZ_CHECK(pieces[i] == messages[i]);
        }
    }

    // Negotiation never crashes, and what a server answers our client accepts (unless the
    // offer asked for an 8-bit client window, which zlib cannot produce).
    if (auto acc = deflate_accept(in)) {
        std::string why;
        if (acc->first.client_max_window_bits != 8)
            AIO_FUZZ_CHECK(deflate_check_response(acc->second, why).has_value());
    }
    std::string why;
    (void)deflate_check_response(in, why);
    return 0;
}
