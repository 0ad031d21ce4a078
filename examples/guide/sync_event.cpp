// sync guide: aio::event (asyncio.Event) releases every waiter at once.
#include <aio/aio.hpp>

#include <iostream>
#include <string>

using namespace std::chrono_literals;

aio::task<> waiter(aio::event& ready, std::string name) {
    std::cout << name << " waits\n";
    co_await ready.wait();
    std::cout << name << " goes\n";
}

aio::task<> amain() {
    aio::event ready;
    auto a = aio::create_task(waiter(ready, "a"));
    auto b = aio::create_task(waiter(ready, "b"));
    co_await aio::sleep(10ms);
    std::cout << "set\n";
    ready.set(); // wakes both, in the order they waited; later wait()s return at once
    co_await a;
    co_await b;
}

int main() {
    aio::run(amain());
}
