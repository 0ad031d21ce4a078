// Practice exercise 5 (asyncio.wait_for) and the practical guide's fetch_with_timeout
// (asyncio.timeout returning None on timeout). On expiry the inner work is cancelled and
// aio::timeout_error (asyncio.TimeoutError) is thrown; std::nullopt plays None.
// Times are scaled down from the Python original: 1 s -> 100 ms.
#include <aio/aio.hpp>

#include <chrono>
#include <iostream>
#include <optional>
#include <string>

using namespace std::chrono_literals;

aio::task<std::string> slow_operation(std::string name, std::chrono::milliseconds delay) {
    co_await aio::sleep(delay);
    co_return name + " finished";
}

aio::task<std::string> download(std::string url, std::chrono::milliseconds delay) {
    co_await aio::sleep(delay); // the simulated network
    co_return "<html>" + url + "</html>";
}

aio::task<std::optional<std::string>> fetch_with_timeout(std::string url,
                                                         std::chrono::milliseconds delay) {
    try {
        co_return co_await aio::timeout(100ms, download(url, delay)); // async with timeout(...)
    } catch (const aio::timeout_error&) {
        co_return std::nullopt; // return None
    }
}

aio::task<> amain() {
    try {
        std::string result = co_await aio::wait_for(slow_operation("quick", 50ms), 100ms);
        std::cout << "wait_for: " << result << "\n";
    } catch (const aio::timeout_error&) {
        std::cout << "wait_for: quick timed out\n";
    }
    try {
        std::string result = co_await aio::wait_for(slow_operation("slow", 300ms), 100ms);
        std::cout << "wait_for: " << result << "\n";
    } catch (const aio::timeout_error&) { // asyncio.TimeoutError
        std::cout << "wait_for: slow timed out\n";
    }

    std::optional<std::string> fast = co_await fetch_with_timeout("fast.example", 20ms);
    std::optional<std::string> slow = co_await fetch_with_timeout("slow.example", 500ms);
    std::cout << "fast.example: " << fast.value_or("None") << "\n";
    std::cout << "slow.example: " << slow.value_or("None") << "\n";
}

int main() {
    aio::run(amain());
}
