// aio_http_client: the aiocpp side of the HTTP client benchmark (bench/run_http_bench.sh).
//
//     aio_http_client --url URL [--requests N] [--concurrency C] [--expect-bytes B]
//                     [--backend io_uring|epoll]
//
// One aio::http::client_session (limit = C connections) and C tasks that each GET the URL
// and read the whole body, one after the other, until N requests were made in all: what a
// crawler does, through the public API with default options otherwise. A response that is
// not 200, or whose body is not B bytes (when given), counts as an error. Prints one line:
//
//     aio_http_client requests=N errors=E seconds=S req_per_s=R
//
// and exits 0 when there was no error, 1 otherwise (2: bad arguments).
#include <aio/core.hpp>
#include <aio/http.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace {

struct counters {
    long next = 0;   ///< requests handed out so far
    long total = 0;  ///< requests to make
    long errors = 0; ///< wrong status, wrong size, or an exception
    long expect_bytes = -1;
    std::string first_error;
};

aio::task<> worker(aio::http::client_session& http, const std::string& url, counters& c) {
    while (c.next < c.total) {
        ++c.next;
        try {
            auto r = co_await http.get(url);
            const std::string body = co_await r.text();
            if (r.status != 200 ||
                (c.expect_bytes >= 0 && static_cast<long>(body.size()) != c.expect_bytes)) {
                if (c.first_error.empty())
                    c.first_error = "status " + std::to_string(r.status) + ", " +
                                    std::to_string(body.size()) + " bytes";
                ++c.errors;
            }
        } catch (const aio::error& e) {
            if (c.first_error.empty())
                c.first_error = e.what();
            ++c.errors;
        }
    }
}

aio::task<int> amain(std::string url, long requests, long concurrency, long expect_bytes) {
    aio::http::client_session http({.limit = static_cast<std::size_t>(concurrency)});
    counters c;
    c.total = requests;
    c.expect_bytes = expect_bytes;
    std::vector<aio::task<>> workers;
    workers.reserve(static_cast<std::size_t>(concurrency));
    for (long i = 0; i < concurrency; ++i)
        workers.push_back(worker(http, url, c));
    const auto t0 = std::chrono::steady_clock::now();
    co_await aio::gather(std::move(workers));
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("aio_http_client requests=%ld errors=%ld seconds=%.4f req_per_s=%.1f\n", c.next,
                c.errors, secs, static_cast<double>(c.next) / secs);
    if (c.errors)
        std::fprintf(stderr, "aio_http_client: %ld errors; the first: %s\n", c.errors,
                     c.first_error.c_str());
    co_return c.errors ? 1 : 0;
}

[[noreturn]] void usage(const std::string& why) {
    std::fprintf(stderr,
                 "aio_http_client: %s\nusage: aio_http_client --url URL [--requests N] "
                 "[--concurrency C] [--expect-bytes B] [--backend io_uring|epoll]\n",
                 why.c_str());
    std::exit(2);
}

long number(const char* s, long lo, long hi, const char* what) {
    char* end = nullptr;
    const long v = std::strtol(s, &end, 10);
    if (!end || *end || v < lo || v > hi)
        usage(std::string(what) + " needs a number " + std::to_string(lo) + "-" +
              std::to_string(hi));
    return v;
}

} // namespace

int main(int argc, char** argv) {
    std::string url, backend;
    long requests = 20000, concurrency = 50, expect_bytes = -1;
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        auto value = [&]() -> const char* {
            if (i + 1 >= argc)
                usage("missing value after " + std::string(a));
            return argv[++i];
        };
        if (a == "--url")
            url = value();
        else if (a == "--requests")
            requests = number(value(), 1, 100000000, "--requests");
        else if (a == "--concurrency")
            concurrency = number(value(), 1, 10000, "--concurrency");
        else if (a == "--expect-bytes")
            expect_bytes = number(value(), 0, 1L << 40, "--expect-bytes");
        else if (a == "--backend")
            backend = value();
        else
            usage("unknown argument " + std::string(a));
    }
    if (url.empty())
        usage("--url is required");
    try {
        return aio::run(amain(url, requests, concurrency, expect_bytes), {.backend = backend});
    } catch (const std::exception& e) {
        std::fprintf(stderr, "aio_http_client: %s\n", e.what());
        return 1;
    }
}
