// Common pitfall "mixing sync and async": CPU-heavy code inside a task stalls the loop just
// as a blocking call does (see blocking_sleep). The practical guide sends such work to a
// process Pool; aio::to_thread (asyncio.to_thread) runs it on a worker thread and resumes
// the awaiting task with the result, so the loop keeps serving other tasks meanwhile --
// here a heartbeat that ticks while four computations run in parallel.
// Times are scaled down from the Python original: 1 s -> 100 ms.
#include <aio/aio.hpp>

#include <cstdint>
#include <iostream>

using namespace std::chrono_literals;

// A plain function: it runs on a pool thread, so it must not touch the loop.
std::uint64_t cpu_intensive(std::uint64_t n) {
    std::uint64_t total = 0;
    for (std::uint64_t i = 0; i < n; ++i)
        total += i * i; // sum(i*i for i in range(n))
    return total;
}

aio::task<> heartbeat() {
    for (int i = 1; i <= 3; ++i) {
        std::cout << "tick " << i << "\n";
        co_await aio::sleep(100ms);
    }
}

aio::task<> amain() {
    auto ticking = aio::create_task(heartbeat(), "heartbeat");

    // Pool(4).map(cpu_intensive, [10**6] * 4), on aio's thread pool.
    const std::uint64_t n = 1'000'000;
    auto [a, b, c, d] =
        co_await aio::gather(aio::to_thread(cpu_intensive, n), aio::to_thread(cpu_intensive, n),
                             aio::to_thread(cpu_intensive, n), aio::to_thread(cpu_intensive, n));

    co_await ticking;
    std::cout << "[" << a << ", " << b << ", " << c << ", " << d << "]\n";
}

int main() {
    aio::run(amain());
}
