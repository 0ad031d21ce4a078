// "Running Multiple Tasks Concurrently": gather runs the three tasks at once; they finish
// in order of their delays (B, A, C) but the results come back in argument order.
// Times are scaled down from the Python original: 1 s -> 100 ms.
#include <aio/aio.hpp>

#include <chrono>
#include <iostream>
#include <string>

using namespace std::chrono_literals;

aio::task<std::string> task(std::string name, std::chrono::milliseconds delay) {
    std::cout << "Task " << name << " starting\n";
    co_await aio::sleep(delay);
    std::cout << "Task " << name << " completed\n";
    co_return "Result from " + name;
}

aio::task<> amain() {
    // Run tasks concurrently
    auto [a, b, c] = co_await aio::gather(task("A", 200ms), task("B", 100ms), task("C", 300ms));
    std::cout << "['" << a << "', '" << b << "', '" << c << "']\n"; // print(results)
}

// Tasks run concurrently, not sequentially
int main() {
    aio::run(amain());
}
