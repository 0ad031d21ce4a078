// Practice exercise "Async Timer": two countdowns run simultaneously; their lines
// interleave, and Rocket B (3) lifts off before Rocket A (5).
// Times are scaled down from the Python original: 1 s -> 100 ms.
#include <aio/aio.hpp>

#include <iostream>
#include <string>

using namespace std::chrono_literals;

aio::task<> countdown(std::string name, int seconds) {
    for (int i = seconds; i > 0; --i) {
        std::cout << name << ": " << i << "\n";
        co_await aio::sleep(100ms);
    }
    std::cout << name << ": Liftoff!\n";
}

aio::task<> amain() {
    co_await aio::gather(countdown("Rocket A", 5), countdown("Rocket B", 3));
}

int main() {
    aio::run(amain());
}
