// "Async Functions": a coroutine that prints, waits without blocking, and prints again.
// Times are scaled down from the Python original: 1 s -> 100 ms.
#include <aio/aio.hpp>

#include <iostream>

using namespace std::chrono_literals;

aio::task<> greet() {
    std::cout << "Hello\n";
    co_await aio::sleep(100ms); // simulate an async operation
    std::cout << "World\n";
}

// Run the async function
int main() {
    aio::run(greet());
}
