// aiocpp side of bench/os/run_os_bench.sh. Prints one line per run:
//   "<bench> <peer> n=<N> elapsed_s=<s> [mib_per_s=<x>] [per_op_us=<x>]"
//
//   aio_bench_os read FILE [CHUNK]   read FILE sequentially in CHUNK-byte reads (64 KiB);
//                                    the backend comes from AIO_BACKEND (io_uring: through
//                                    the ring; epoll: on the thread pool)
//   aio_bench_os read_into FILE [CHUNK]   the same with file::read_into (no allocation)
//   aio_bench_os spawn N [CONC]      run `true` N times, at most CONC at once (8)
#include <aio/aio.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

aio::task<std::uint64_t> read_all_chunks(std::string path, std::size_t chunk) {
    auto f = co_await aio::file::open(path);
    std::uint64_t total = 0;
    std::uint64_t sum = 0; // touch the data so nothing is optimised away
    for (;;) {
        std::string s = co_await f.read(chunk);
        if (s.empty())
            break;
        total += s.size();
        sum += static_cast<unsigned char>(s[s.size() / 2]);
    }
    if (sum == 1)
        std::fprintf(stderr, " ");
    co_return total;
}

aio::task<std::uint64_t> read_into_chunks(std::string path, std::size_t chunk) {
    auto f = co_await aio::file::open(path);
    std::vector<char> buf(chunk);
    std::uint64_t total = 0, sum = 0;
    for (;;) {
        const std::size_t n = co_await f.read_into(buf);
        if (n == 0)
            break;
        total += n;
        sum += static_cast<unsigned char>(buf[n / 2]);
    }
    if (sum == 1)
        std::fprintf(stderr, " ");
    co_return total;
}

aio::task<int> spawn_many(int n, int conc) {
    aio::semaphore slots(conc);
    std::vector<aio::task<int>> runs;
    runs.reserve(n);
    for (int i = 0; i < n; ++i) {
        runs.push_back([](aio::semaphore& s) -> aio::task<int> {
            auto permit = co_await s.scoped();
            auto p = co_await aio::create_subprocess_exec("true");
            co_return co_await p.wait();
        }(slots));
    }
    int failed = 0;
    for (int rc : co_await aio::gather(std::move(runs)))
        failed += rc != 0;
    co_return failed;
}

} // namespace

int main(int argc, char** argv) {
    using clk = std::chrono::steady_clock;
    const std::string mode = argc > 1 ? argv[1] : "";
    if (argc >= 3 && (mode == "read" || mode == "read_into")) {
        const std::size_t chunk = argc > 3 ? std::stoul(argv[3]) : 64 * 1024;
        const bool into = mode == "read_into";
        const auto t0 = clk::now();
        std::uint64_t bytes = 0;
        std::string backend;
        bytes = aio::run([](std::string p, std::size_t c, bool into,
                            std::string& b) -> aio::task<std::uint64_t> {
            b = std::string(aio::get_running_loop().backend_name());
            if (into)
                co_return co_await read_into_chunks(p, c);
            co_return co_await read_all_chunks(p, c);
        }(argv[2], chunk, into, backend));
        const double s = std::chrono::duration<double>(clk::now() - t0).count();
        std::printf("%s aiocpp-%s n=%llu elapsed_s=%.4f mib_per_s=%.1f\n", mode.c_str(),
                    backend.c_str(), static_cast<unsigned long long>(bytes), s,
                    bytes / 1048576.0 / s);
        return 0;
    }
    if (argc >= 3 && std::string(argv[1]) == "spawn") {
        const int n = std::atoi(argv[2]);
        const int conc = argc > 3 ? std::atoi(argv[3]) : 8;
        const auto t0 = clk::now();
        std::string backend;
        const int failed = aio::run([](int n, int c, std::string& b) -> aio::task<int> {
            b = std::string(aio::get_running_loop().backend_name());
            co_return co_await spawn_many(n, c);
        }(n, conc, backend));
        const double s = std::chrono::duration<double>(clk::now() - t0).count();
        std::printf("spawn aiocpp-%s n=%d elapsed_s=%.4f per_op_us=%.1f failed=%d\n",
                    backend.c_str(), n, s, s * 1e6 / n, failed);
        return failed ? 1 : 0;
    }
    std::fprintf(stderr, "usage: aio_bench_os read FILE [CHUNK] | spawn N [CONC]\n");
    return 64;
}
