// Common mistake: calling aio::run (asyncio.run) inside async code. Only one event loop
// may run on a thread; inside a coroutine, co_await the task instead.
#include <aio/aio.hpp>

#include <iostream>

using namespace std::chrono_literals;

aio::task<int> other_coroutine() {
    co_await aio::sleep(10ms);
    co_return 42;
}

aio::task<> bad() {
    try {
        aio::run(other_coroutine()); // Error: can't start a new loop inside one!
    } catch (const aio::runtime_error& e) {
        std::cout << "Error: " << e.what() << "\n";
    }
    co_return;
}

aio::task<> good() {
    int result = co_await other_coroutine(); // just await it directly
    std::cout << "Result: " << result << "\n";
}

aio::task<> amain() {
    co_await bad();
    co_await good();
}

int main() {
    aio::run(amain());
}
