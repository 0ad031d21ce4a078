// WebSocket echo load generator for bench/run_ws_bench.sh: CONNS connections (aio::ws
// clients, no compression) each ping-pong one binary message of SIZE bytes for SECONDS;
// prints "round_trips <n> seconds <s> rate <n/s>". Usage: ws_loadgen URL CONNS SIZE SECONDS
#include <aio/aio.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;

aio::task<long> one(std::string url, std::size_t size, clock_type::time_point end) {
    auto ws = co_await aio::ws::connect(url, {.max_message_size = 16 << 20, .compression = false});
    const std::string msg(size, 'x');
    long n = 0;
    while (clock_type::now() < end) {
        co_await ws.send_binary(msg);
        auto m = co_await ws.receive();
        if (!m || m->data.size() != size)
            break;
        ++n;
    }
    co_await ws.close();
    co_return n;
}

aio::task<int> amain(std::string url, int conns, std::size_t size, double seconds) {
    const auto start = clock_type::now();
    const auto end = start + std::chrono::duration_cast<clock_type::duration>(
                                 std::chrono::duration<double>(seconds));
    std::vector<aio::task<long>> all;
    for (int i = 0; i < conns; ++i)
        all.push_back(one(url, size, end));
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
    if (argc != 5) {
        std::fprintf(stderr, "usage: ws_loadgen URL CONNS SIZE SECONDS\n");
        return 2;
    }
    return aio::run(
        amain(argv[1], std::atoi(argv[2]), std::strtoul(argv[3], nullptr, 10), std::atof(argv[4])));
}
