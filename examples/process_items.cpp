// Practice exercise 2: process a list of items with a delay between each. One coroutine
// awaiting in a loop runs the items one after the other (the waits do not block the loop,
// but this task itself waits for each one).
// Times are scaled down from the Python original: 0.5 s -> 50 ms.
#include <aio/aio.hpp>

#include <cctype>
#include <chrono>
#include <iostream>
#include <string>
#include <vector>

using namespace std::chrono_literals;

aio::task<std::vector<std::string>> process_items(std::vector<std::string> items,
                                                  std::chrono::milliseconds delay) {
    std::vector<std::string> results;
    for (const std::string& item : items) {
        std::cout << "Processing " << item << "\n";
        co_await aio::sleep(delay);
        std::string upper = item;
        for (char& c : upper)
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        results.push_back(upper);
    }
    co_return results;
}

aio::task<> amain() {
    std::vector<std::string> items = {"apple", "banana", "cherry"};
    std::vector<std::string> results = co_await process_items(std::move(items), 50ms);
    std::cout << "[";
    for (std::size_t i = 0; i < results.size(); ++i) {
        std::cout << (i ? ", '" : "'") << results[i] << "'";
    }
    std::cout << "]\n";
}

int main() {
    aio::run(amain());
}
