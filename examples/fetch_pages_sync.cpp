// The practical guide's synchronous fetch: each (simulated) request blocks until its
// response arrives, so two 200 ms requests take ~400 ms. No network: a blocking sleep
// stands in for requests.get.
// Times are scaled down from the Python original: 1 s -> 100 ms.
#include <chrono>
#include <iomanip>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

// requests.get(url).text, simulated: 200 ms, and a page of 1 KiB per digit of the url.
std::string fetch_url(std::string url) {
    std::this_thread::sleep_for(200ms);
    return std::string(1024 * static_cast<std::size_t>(url.back() - '0'), 'x');
}

int main() {
    const std::vector<std::string> urls = {"https://api.example.com/1",
                                           "https://api.example.com/2"};
    const auto start = std::chrono::steady_clock::now();

    for (const std::string& url : urls) {
        std::string data = fetch_url(url);
        std::cout << "Fetched " << data.size() << " bytes\n";
    }

    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    std::cout << "Time taken: " << std::fixed << std::setprecision(2) << took.count() << "s\n";
}
// Time taken: ~0.40s (200 ms per request)
