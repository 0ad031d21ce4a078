// Sequential awaits vs gather (the chef's "three dishes in the oven"): awaiting fetch_user
// three times in a row takes 3 x 100 ms; gathering them takes ~100 ms.
// Times are scaled down from the Python original: 1 s -> 100 ms.
#include <aio/aio.hpp>

#include <chrono>
#include <iostream>
#include <string>
#include <vector>

using namespace std::chrono_literals;

aio::task<std::string> fetch_user(int user_id) {
    co_await aio::sleep(100ms);
    co_return "User " + std::to_string(user_id);
}

aio::task<std::vector<std::string>> sequential() {
    std::string a = co_await fetch_user(1); // 100 ms
    std::string b = co_await fetch_user(2); // 100 ms
    std::string c = co_await fetch_user(3); // 100 ms
    co_return std::vector<std::string>{a, b, c};
}

aio::task<std::vector<std::string>> concurrent() {
    auto [a, b, c] = co_await aio::gather(fetch_user(1), fetch_user(2), fetch_user(3));
    co_return std::vector<std::string>{a, b, c};
}

void print(const char* label,
           const std::vector<std::string>& users,
           std::chrono::steady_clock::duration took) {
    std::cout << label << ": [";
    for (std::size_t i = 0; i < users.size(); ++i) {
        std::cout << (i ? ", '" : "'") << users[i] << "'";
    }
    std::cout << "] in " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
              << " ms\n";
}

aio::task<> amain() {
    auto start = std::chrono::steady_clock::now();
    std::vector<std::string> users = co_await sequential();
    print("sequential", users, std::chrono::steady_clock::now() - start);

    start = std::chrono::steady_clock::now();
    users = co_await concurrent();
    print("gather", users, std::chrono::steady_clock::now() - start);
}

int main() {
    aio::run(amain());
}
