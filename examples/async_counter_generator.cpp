// AsyncCounter written as an async generator (Python's `async def` with `yield`): the body
// may co_await and co_yield; the consumer loop is the same as for a class with next().
// Times are scaled down from the Python original: 0.1 s -> 10 ms.
#include <aio/aio.hpp>

#include <iostream>

using namespace std::chrono_literals;

aio::generator<int> async_counter(int max) {
    for (int current = 1; current <= max; ++current) {
        co_await aio::sleep(10ms);
        co_yield current;
    }
}

aio::task<> amain() {
    auto counter = async_counter(5);
    while (auto num = co_await counter.next()) { // async for num in async_counter(5):
        std::cout << *num << "\n";
    }
}

int main() {
    aio::run(amain());
}
