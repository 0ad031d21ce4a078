// WebSocket echo load generator for bench/run_ws_bench.sh: CONNS connections (aio::ws
// clients, no compression) each keep DEPTH binary messages of SIZE bytes in flight (DEPTH 1:
// ping-pong) for SECONDS; prints "round_trips <n> seconds <s> rate <n/s>".
// Usage: ws_loadgen URL CONNS SIZE SECONDS [DEPTH]. The script runs several of these
// processes at once so that the load client is not what limits the server.
#include <aio/aio.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;

aio::task<long> one(std::string url, std::size_t size, int depth, clock_type::time_point end) {
    auto ws = co_await aio::ws::connect(url, {.max_message_size = 16 << 20, .compression = false});
    const std::string msg(size, 'x');
    long n = 0;
    int in_flight = 0;
    for (; in_flight < depth; ++in_flight)
        co_await ws.send_binary(msg);
    while (in_flight > 0) {
        auto m = co_await ws.receive();
        if (!m || m->data.size() != size)
            break;
        --in_flight;
        ++n;
        if (clock_type::now() < end) {
            co_await ws.send_binary(msg);
            ++in_flight;
        }
    }
    co_await ws.close();
    co_return n;
}

aio::task<int> amain(std::string url, int conns, std::size_t size, double seconds, int depth) {
    const auto start = clock_type::now();
    const auto end = start + std::chrono::duration_cast<clock_type::duration>(
                                 std::chrono::duration<double>(seconds));
    std::vector<aio::task<long>> all;
    for (int i = 0; i < conns; ++i)
        all.push_back(one(url, size, depth, end));
    const std::vector<long> counts = co_await aio::gather(std::move(all));
    const double took = std::chrono::duration<double>(clock_type::now() - start).count();
    long total = 0;
    for (long c : counts)
        total += c;
    std::printf("round_trips %ld seconds %.3f rate %.0f\n", total, took, total / took);
    co_return 0;
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 5 && argc != 6) {
        std::fprintf(stderr, "usage: ws_loadgen URL CONNS SIZE SECONDS [DEPTH]\n");
        return 2;
    }
    const int depth = argc == 6 ? std::max(1, std::atoi(argv[5])) : 1;
    return aio::run(amain(argv[1], std::atoi(argv[2]), std::strtoul(argv[3], nullptr, 10),
                          std::atof(argv[4]), depth));
}
