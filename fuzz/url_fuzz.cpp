// Fuzzes aio::http::url. The input is "base\0reference" (or just a URL). Invariants:
// - a URL that parses reads back to itself: url(u.str()) == u;
// - normalisation is idempotent and its result reads back to itself;
// - resolve() yields a URL that reads back to itself (unless it is an http URL without a
//   host, which RFC 3986 allows and url() refuses), whose normalisation is stable, and
//   which resolves to itself once its dot segments are gone;
// - percent_decode(percent_encode(x)) == x.
#include "fuzz_check.hpp"

#include <aio/http/url.hpp>

#include <cstdint>
#include <string>
#include <string_view>

using namespace aio::http;

namespace {

bool hostless_http(const url& u) {
    std::string_view s = u.scheme();
    return (s == "http" || s == "https" || s == "ws" || s == "wss") && u.host().empty();
}

void check_url(const url& u) {
    if (hostless_http(u))
        return;
    url back(u.str());
    AIO_FUZZ_CHECK(back == u);
    url n = u.normalized();
    AIO_FUZZ_CHECK(n.normalized() == n);
    AIO_FUZZ_CHECK(url(n.str()) == n);
    (void)u.origin();
    (void)u.host_port();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view in(reinterpret_cast<const char*>(data), size);
    std::size_t nul = in.find('\0');
    std::string_view base_text = in.substr(0, nul);
    AIO_FUZZ_CHECK(percent_decode(percent_encode(in)) == in);
    try {
        url base(base_text);
        check_url(base);
        if (nul != std::string_view::npos) {
            url r = base.resolve(in.substr(nul + 1));
            check_url(r);
            // Resolving an absolute URL only removes its dot segments, so doing it twice
            // changes nothing more. (Not compared with normalized(): that decodes %2E first,
            // and "a/%2E%2E" is not "a/.." to RFC 3986 resolution.)
            if (!hostless_http(r)) {
                url once = base.resolve(r.str());
                AIO_FUZZ_CHECK(base.resolve(once.str()) == once);
            }
        }
    } catch (const invalid_url&) {
    }
    return 0;
}
