// Practice exercise 1's solution: fetch several (simulated) URLs concurrently. The list
// comprehension becomes a vector of tasks, and gather over a vector returns a vector of
// results in the same order.
// Times are scaled down from the Python original: 1 s -> 100 ms.
#include <aio/aio.hpp>

#include <chrono>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

using namespace std::chrono_literals;

aio::task<std::string> fetch_url(std::string url, std::chrono::milliseconds delay) {
    std::cout << "Fetching " << url << "...\n";
    co_await aio::sleep(delay);
    co_return "Data from " + url;
}

aio::task<> amain() {
    const std::vector<std::pair<std::string, std::chrono::milliseconds>> urls = {
        {"http://example.com", 200ms},
        {"http://test.com", 100ms},
        {"http://demo.com", 300ms},
    };

    std::vector<aio::task<std::string>> tasks;
    for (const auto& [url, delay] : urls)
        tasks.push_back(fetch_url(url, delay));
    std::vector<std::string> results = co_await aio::gather(std::move(tasks));

    std::cout << "[";
    for (std::size_t i = 0; i < results.size(); ++i) {
        std::cout << (i ? ", '" : "'") << results[i] << "'";
    }
    std::cout << "]\n";
}

int main() {
    aio::run(amain());
}
