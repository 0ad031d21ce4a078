// aiocpp side of the core benchmarks (bench/run_core_bench.sh runs the peers beside it).
//   aio_bench_core spawn [N]     N tasks via create_task, each yields once and returns i
//   aio_bench_core sleepers [N]  N tasks each sleeping 1 s, gathered
//   aio_bench_core pingpong [N]  two tasks hand a counter back and forth N times (events)
//   aio_bench_core pingpong_queue [N]  the same through two aio::queue<int>(1)
// Prints: "<bench> aiocpp n=<N> elapsed_s=<s> peak_rss_kib=<KiB> [ns_per_switch=<ns>]"
#include <aio/aio.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <sys/resource.h>

using namespace std::chrono_literals;

namespace {

aio::task<long> yield_and_return(long i) {
    co_await aio::sleep(0s);
    co_return i;
}

aio::task<long> spawn(long n) {
    std::vector<aio::task_handle<long>> handles;
    handles.reserve(n);
    for (long i = 0; i < n; ++i)
        handles.push_back(aio::create_task(yield_and_return(i)));
    long sum = 0;
    for (auto& h : handles)
        sum += co_await h;
    co_return sum;
}

aio::task<> sleeper() {
    co_await aio::sleep(1s);
}

aio::task<long> sleepers(long n) {
    std::vector<aio::task<>> ts;
    ts.reserve(n);
    for (long i = 0; i < n; ++i)
        ts.push_back(sleeper());
    co_await aio::gather(std::move(ts));
    co_return n;
}

aio::task<> ping(aio::event* mine, aio::event* theirs, long* counter, long n) {
    while (*counter < n) {
        co_await mine->wait();
        mine->clear();
        ++*counter;
        theirs->set();
    }
    theirs->set(); // let the partner see the end
}

aio::task<long> pingpong(long n) {
    aio::event a, b;
    long counter = 0;
    a.set();
    co_await aio::gather(ping(&a, &b, &counter, n), ping(&b, &a, &counter, n));
    co_return counter;
}

aio::task<> qping(aio::queue<long>* in, aio::queue<long>* out, long n) {
    for (;;) {
        long v = co_await in->get();
        if (v >= n) {
            co_await out->put(v);
            co_return;
        }
        co_await out->put(v + 1);
    }
}

aio::task<long> pingpong_queue(long n) {
    aio::queue<long> a(1), b(1);
    a.put_nowait(0);
    co_await aio::gather(qping(&a, &b, n), qping(&b, &a, n));
    co_return n;
}

long peak_rss_kib() {
    rusage ru{};
    ::getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s spawn|sleepers|pingpong|pingpong_queue [N]\n", argv[0]);
        return 64;
    }
    const std::string bench = argv[1];
    const auto t0 = std::chrono::steady_clock::now();
    long n = 0;
    if (bench == "spawn") {
        n = argc > 2 ? std::atol(argv[2]) : 1'000'000;
        const long sum = aio::run(spawn(n));
        if (sum != n * (n - 1) / 2) {
            std::fprintf(stderr, "wrong sum %ld\n", sum);
            return 2;
        }
    } else if (bench == "sleepers") {
        n = argc > 2 ? std::atol(argv[2]) : 100'000;
        aio::run(sleepers(n));
    } else if (bench == "pingpong" || bench == "pingpong_queue") {
        n = argc > 2 ? std::atol(argv[2]) : 10'000'000;
        aio::run(bench == "pingpong" ? pingpong(n) : pingpong_queue(n));
    } else {
        std::fprintf(stderr, "unknown benchmark %s\n", bench.c_str());
        return 64;
    }
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("%s aiocpp n=%ld elapsed_s=%.3f peak_rss_kib=%ld", bench.c_str(), n, s,
                peak_rss_kib());
    if (bench.rfind("pingpong", 0) == 0)
        std::printf(" ns_per_switch=%.1f", s * 1e9 / n);
    std::printf("\n");
}
