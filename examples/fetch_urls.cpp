// "Real World Example: HTTP Requests" (simulated): three fetches run concurrently, so the
// whole takes max(A, B, C) instead of A + B + C.
// Times are scaled down from the Python original: 1 s -> 100 ms.
#include <aio/aio.hpp>

#include <iostream>
#include <string>
#include <utility>
#include <vector>

using namespace std::chrono_literals;

aio::task<std::string> fetch_url(std::string url) {
    std::cout << "Fetching " << url << "...\n";
    co_await aio::sleep(100ms); // simulating network delay
    std::cout << "Done " << url << "\n";
    co_return "Data";
}

aio::task<> amain() {
    const std::vector<std::string> urls = {"google.com", "apple.com", "microsoft.com"};

    // Create tasks
    std::vector<aio::task<std::string>> tasks;
    for (const std::string& url : urls)
        tasks.push_back(fetch_url(url));

    // Run all
    co_await aio::gather(std::move(tasks));
}

int main() {
    aio::run(amain());
}
