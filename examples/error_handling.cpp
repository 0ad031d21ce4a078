// "Error Handling": an exception thrown in a coroutine propagates through co_await and is
// caught with an ordinary try/catch. std::invalid_argument plays Python's ValueError.
// Times are scaled down from the Python original: 1 s -> 100 ms.
#include <aio/aio.hpp>

#include <iostream>
#include <stdexcept>

using namespace std::chrono_literals;

aio::task<> might_fail() {
    co_await aio::sleep(100ms);
    throw std::invalid_argument("Something went wrong");
}

aio::task<> amain() {
    try {
        co_await might_fail();
    } catch (const std::invalid_argument& e) {
        std::cout << "Caught error: " << e.what() << "\n";
    }
}

int main() {
    aio::run(amain());
}
