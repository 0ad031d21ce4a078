// sync guide: aio::condition (asyncio.Condition): wait for a predicate under a lock.
#include <aio/aio.hpp>

#include <iostream>
#include <vector>

using namespace std::chrono_literals;

aio::task<> consumer(aio::condition& cond, std::vector<int>& items) {
    auto held = co_await cond.scoped();                        // async with cond:
    co_await cond.wait_for([&] { return items.size() >= 3; }); // unlocks while waiting
    std::cout << "consumer got " << items.size() << " items\n";
}

aio::task<> producer(aio::condition& cond, std::vector<int>& items) {
    for (int i = 0; i < 3; ++i) {
        co_await aio::sleep(5ms);
        auto held = co_await cond.scoped();
        items.push_back(i);
        std::cout << "produced " << i << "\n";
        cond.notify(); // the lock must be held, as in asyncio
    }
}

aio::task<> amain() {
    aio::condition cond;
    std::vector<int> items;
    co_await aio::gather(consumer(cond, items), producer(cond, items));
}

int main() {
    aio::run(amain());
}
