// "Creating Tasks" / "gather() vs create_task()": create_task starts each coroutine at
// once; awaiting the handles later collects the results. Both fetches overlap.
// Times are scaled down from the Python original: 1 s -> 100 ms.
#include <aio/aio.hpp>

#include <iostream>

using namespace std::chrono_literals;

aio::task<int> fetch_data(int n) {
    std::cout << "fetch_data(" << n << ") started\n";
    co_await aio::sleep(100ms);
    std::cout << "fetch_data(" << n << ") done\n";
    co_return n * 10;
}

aio::task<> amain() {
    // These run concurrently
    auto task1 = aio::create_task(fetch_data(1));
    auto task2 = aio::create_task(fetch_data(2));

    int result1 = co_await task1;
    int result2 = co_await task2;
    std::cout << result1 << " " << result2 << "\n";
}

int main() {
    aio::run(amain());
}
