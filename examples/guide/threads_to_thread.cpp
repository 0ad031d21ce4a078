// threads guide: aio::to_thread (asyncio.to_thread) keeps a blocking call off the loop.
#include <aio/aio.hpp>

#include <chrono>
#include <iostream>
#include <thread>

using namespace std::chrono_literals;

int blocking_lookup(int key) {
    std::this_thread::sleep_for(100ms); // a blocking library call
    return key * 2;
}

aio::task<int> count_ticks() {
    int ticks = 0;
    for (; ticks < 3; ++ticks)
        co_await aio::sleep(5ms); // the loop stays free while the thread blocks
    co_return ticks;
}

aio::task<> amain() {
    auto [value, ticks] = co_await aio::gather(aio::to_thread(blocking_lookup, 21), count_ticks());
    std::cout << "value " << value << ", " << ticks << " ticks meanwhile\n";
}

int main() {
    aio::run(amain());
}
