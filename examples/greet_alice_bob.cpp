// "The basics" of the Async Explained page: two greetings run concurrently; Bob's shorter
// wait ends first.
// Times are scaled down from the Python original: 1 s -> 100 ms.
#include <aio/aio.hpp>

#include <chrono>
#include <iostream>
#include <string>

using namespace std::chrono_literals;

aio::task<> greet(std::string name, std::chrono::milliseconds delay) {
    co_await aio::sleep(delay); // pause without blocking others
    std::cout << "Hello, " << name << "!\n";
}

aio::task<> amain() {
    // Run two greetings concurrently.
    co_await aio::gather(greet("Alice", 200ms), greet("Bob", 100ms));
    // Output: "Hello, Bob!" (after 100 ms), then "Hello, Alice!" (after 200 ms)
}

int main() {
    aio::run(amain());
}
