// Fuzzes response_parser (see head_fuzz.hpp for the invariants); the second input byte's
// low bits also pick the request method (GET, HEAD, CONNECT), which changes framing.
#include "head_fuzz.hpp"

using namespace aio::http;

namespace {
const char* method_for(const std::uint8_t* data, std::size_t size) {
    static const char* const methods[] = {"GET", "HEAD", "CONNECT", "POST"};
    return size > 1 ? methods[data[1] & 3] : "GET";
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const char* method = method_for(data, size);
    auto setup = [method](response_parser& p) { p.set_request_method(method); };
    aio_fuzz::fuzz_head<response_parser>(
        data, size, setup,
        [&](const response_parser& p, std::string_view head, std::string_view,
            const parser_limits& limits) {
            const response_head& h = p.head();
            AIO_FUZZ_CHECK(h.status >= 100 && h.status <= 599);
            AIO_FUZZ_CHECK(aio_fuzz::inside(h.reason, head));
            std::string_view m(method);
            if (m == "HEAD" || h.status < 200 || h.status == 204 || h.status == 304)
                AIO_FUZZ_CHECK(h.framing == body_framing::none);
            if (h.framing == body_framing::until_close)
                AIO_FUZZ_CHECK(!h.keep_alive);
            std::string again = "HTTP/1.";
            again += static_cast<char>('0' + h.version.minor);
            again += ' ';
            again += std::to_string(h.status);
            again += ' ';
            again += h.reason;
            again += "\r\n";
            aio_fuzz::write_fields(again, h.headers);
            parser_limits big = limits;
            big.max_start_line = big.max_head_bytes = 1 << 20;
            response_parser q(big);
            q.set_request_method(method);
            AIO_FUZZ_CHECK(q.parse(again).status == parse_status::complete);
            const response_head& g = q.head();
            AIO_FUZZ_CHECK(g.status == h.status && g.reason == h.reason && g.version == h.version);
            AIO_FUZZ_CHECK(aio_fuzz::same_fields(g.headers, h.headers));
            AIO_FUZZ_CHECK(g.framing == h.framing && g.content_length == h.content_length &&
                           g.keep_alive == h.keep_alive && g.upgrade == h.upgrade);
        });
    return 0;
}
