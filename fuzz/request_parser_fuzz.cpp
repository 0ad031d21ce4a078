// Fuzzes request_parser (see head_fuzz.hpp for the invariants), and the chunked decoder on
// what follows a chunked request's head.
#include "head_fuzz.hpp"

#include <aio/http/chunked.hpp>

using namespace aio::http;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    aio_fuzz::fuzz_head<request_parser>(
        data, size, [](request_parser&) {},
        [](const request_parser& p, std::string_view head, std::string_view rest,
           const parser_limits& limits) {
            const request_head& h = p.head();
            AIO_FUZZ_CHECK(aio_fuzz::inside(h.method, head) && aio_fuzz::inside(h.target, head));
            AIO_FUZZ_CHECK(!h.method.empty() && !h.target.empty());
            AIO_FUZZ_CHECK(h.version.major == 1);
            if (h.framing != body_framing::content_length)
                AIO_FUZZ_CHECK(h.content_length == 0);
            // Written out canonically, it parses to the same head.
            std::string again(h.method);
            again += ' ';
            again += h.target;
            again += " HTTP/1.";
            again += static_cast<char>('0' + h.version.minor);
            again += "\r\n";
            aio_fuzz::write_fields(again, h.headers);
            parser_limits big = limits;
            big.max_start_line = big.max_head_bytes = 1 << 20;
            request_parser q(big);
            AIO_FUZZ_CHECK(q.parse(again).status == parse_status::complete);
            const request_head& g = q.head();
            AIO_FUZZ_CHECK(g.method == h.method && g.target == h.target && g.version == h.version);
            AIO_FUZZ_CHECK(aio_fuzz::same_fields(g.headers, h.headers));
            AIO_FUZZ_CHECK(g.framing == h.framing && g.content_length == h.content_length &&
                           g.keep_alive == h.keep_alive && g.upgrade == h.upgrade &&
                           g.expect_continue == h.expect_continue);
            if (h.framing == body_framing::chunked) {
                chunked_decoder dec;
                std::string body;
                chunk_result r = dec.decode_into(rest, body);
                AIO_FUZZ_CHECK(r.consumed <= rest.size());
                AIO_FUZZ_CHECK(body.size() <= r.consumed);
            }
        });
    return 0;
}
