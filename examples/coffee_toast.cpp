// Coffee and toast, asynchronous: two coroutines run concurrently with aio::gather, so
// their waits overlap and the whole takes ~200 ms instead of ~400 ms.
// Times are scaled down from the Python original: 1 s -> 100 ms.
#include <aio/aio.hpp>

#include <chrono>
#include <iostream>

using namespace std::chrono_literals;

aio::task<> brew_coffee() {
    std::cout << "Start brewing...\n";
    co_await aio::sleep(200ms); // non-blocking wait: other tasks run meanwhile
    std::cout << "Coffee ready!\n";
}

aio::task<> toast_bread() {
    std::cout << "Start toasting...\n";
    co_await aio::sleep(200ms);
    std::cout << "Toast ready!\n";
}

aio::task<> amain() {
    const auto start = std::chrono::steady_clock::now();
    // Run both at the same time
    co_await aio::gather(brew_coffee(), toast_bread());
    const auto took = std::chrono::steady_clock::now() - start;
    std::cout << "Took " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
              << " ms\n";
}

// Takes ~200 ms total!
int main() {
    aio::run(amain());
}
