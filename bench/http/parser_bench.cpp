// Parsing speed of the http layer: a typical ~500-byte browser request head and a response
// head, whole and arriving in 64-byte pieces; a chunked body; URLs. With Debian's
// libhttp-parser-dev installed, Node's classic http-parser (2.9, callback-based, the parser
// behind Node before llhttp) parses the same messages in the same run as a peer.
//
// Reproduce: cmake --build build --target http_parser_bench && build/bench/http_parser_bench
// ns/message is the "Time" column; GB/s is bytes_per_second.
#include <aio/http/chunked.hpp>
#include <aio/http/parser.hpp>
#include <aio/http/url.hpp>

#include <string>

#include <benchmark/benchmark.h>

#if AIO_BENCH_HTTP_PARSER_PEER
#include <http_parser.h>
#endif

namespace {

// What Firefox sends for a search-result page (503 bytes).
const std::string browser_request =
    "GET /search?q=asyncio+coroutines&lang=en&page=2 HTTP/1.1\r\n"
    "Host: www.example.com\r\n"
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Firefox/115.0\r\n"
    "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8\r\n"
    "Accept-Language: en-GB,en;q=0.5\r\n"
    "Accept-Encoding: gzip, deflate, br\r\n"
    "Referer: https://www.example.com/search?q=asyncio\r\n"
    "Connection: keep-alive\r\n"
    "Cookie: session=0123456789abcdef0123456789abcdef; theme=dark\r\n"
    "Upgrade-Insecure-Requests: 1\r\n"
    "Sec-Fetch-Dest: document\r\n"
    "\r\n";

const std::string response_head = "HTTP/1.1 200 OK\r\n"
                                  "Date: Mon, 04 Mar 2024 10:00:00 GMT\r\n"
                                  "Server: nginx/1.22.1\r\n"
                                  "Content-Type: text/html; charset=utf-8\r\n"
                                  "Content-Length: 14232\r\n"
                                  "Connection: keep-alive\r\n"
                                  "Cache-Control: private, max-age=0\r\n"
                                  "Vary: Accept-Encoding\r\n"
                                  "Strict-Transport-Security: max-age=31536000\r\n"
                                  "\r\n";

template <class Parser> void parse_whole(benchmark::State& state, const std::string& msg) {
    Parser p;
    for (auto _ : state) {
        p.reset();
        auto r = p.parse(msg);
        benchmark::DoNotOptimize(r);
        benchmark::DoNotOptimize(p.head().headers.size());
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * msg.size()));
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void aio_request(benchmark::State& state) {
    parse_whole<aio::http::request_parser>(state, browser_request);
}
void aio_response(benchmark::State& state) {
    parse_whole<aio::http::response_parser>(state, response_head);
}

// The head arrives in 64-byte reads; each call gets every byte so far.
void aio_request_64b_pieces(benchmark::State& state) {
    aio::http::request_parser p;
    for (auto _ : state) {
        p.reset();
        aio::http::parse_result r;
        for (std::size_t n = 64;; n += 64) {
            r = p.parse(std::string_view(browser_request).substr(0, n));
            if (r.status != aio::http::parse_status::need_more)
                break;
        }
        benchmark::DoNotOptimize(r);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * browser_request.size()));
}

void aio_chunked_body(benchmark::State& state) {
    std::string body;
    for (int i = 0; i < 64; ++i)
        body += "400;name=value\r\n" + std::string(1024, 'x') + "\r\n";
    body += "0\r\n\r\n";
    aio::http::chunked_decoder dec;
    std::string out;
    out.reserve(1 << 17);
    for (auto _ : state) {
        dec.reset();
        out.clear();
        auto r = dec.decode_into(body, out);
        benchmark::DoNotOptimize(r);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
}

void aio_url_parse_resolve(benchmark::State& state) {
    aio::http::url base("https://www.example.com/docs/guide/http.html?x=1#top");
    for (auto _ : state) {
        aio::http::url u = base.resolve("../api/url.html?y=2#resolve");
        benchmark::DoNotOptimize(u);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

BENCHMARK(aio_request);
BENCHMARK(aio_request_64b_pieces);
BENCHMARK(aio_response);
BENCHMARK(aio_chunked_body);
BENCHMARK(aio_url_parse_resolve);

#if AIO_BENCH_HTTP_PARSER_PEER
// The peer does the work its callbacks ask for: here the minimum (count header fields).
int on_field(http_parser* p, const char*, std::size_t) {
    ++*static_cast<int*>(p->data);
    return 0;
}

void peer_parse(benchmark::State& state, const std::string& msg, http_parser_type type) {
    http_parser_settings settings;
    http_parser_settings_init(&settings);
    settings.on_header_field = on_field;
    http_parser p;
    int fields = 0;
    for (auto _ : state) {
        http_parser_init(&p, type);
        p.data = &fields;
        std::size_t n = http_parser_execute(&p, &settings, msg.data(), msg.size());
        benchmark::DoNotOptimize(n);
        if (HTTP_PARSER_ERRNO(&p) != HPE_OK)
            state.SkipWithError("peer parse error");
    }
    benchmark::DoNotOptimize(fields);
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * msg.size()));
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
void peer_http_parser_request(benchmark::State& state) {
    peer_parse(state, browser_request, HTTP_REQUEST);
}
void peer_http_parser_response(benchmark::State& state) {
    peer_parse(state, response_head, HTTP_RESPONSE);
}
BENCHMARK(peer_http_parser_request);
BENCHMARK(peer_http_parser_response);
#endif

} // namespace

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    benchmark::AddCustomContext("request_bytes", std::to_string(browser_request.size()));
    benchmark::AddCustomContext("response_head_bytes", std::to_string(response_head.size()));
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
