// "Await": co_await suspends amain until fetch_data has finished, then gives its result.
// Times are scaled down from the Python original: 1 s -> 100 ms.
#include <aio/aio.hpp>

#include <iostream>
#include <string>

using namespace std::chrono_literals;

aio::task<std::string> fetch_data() {
    std::cout << "Fetching data...\n";
    co_await aio::sleep(200ms); // simulate a network request
    co_return "Data received";
}

aio::task<> amain() {
    std::string result = co_await fetch_data();
    std::cout << result << "\n";
}

int main() {
    aio::run(amain());
}
