// Seed 004's practice exercises, one after the other, in C++.
#include <aio/aio.hpp>

#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

using namespace std::chrono_literals;

// What Python's type(obj).__name__ says of a coroutine object: calling a coroutine function
// gives an aio::task, which has not started.
template <class T> struct type_name { static constexpr const char* value = "not a coroutine"; };
template <class T> struct type_name<aio::task<T>> {
    static constexpr const char* value = "coroutine";
};

// 1. greet(name) returns "Hello, <name>! Welcome to async Python."
aio::task<std::string> greet(std::string name) {
    co_return "Hello, " + name + "! Welcome to async Python.";
}

// 2. add(a, b); result = add(3, 4) is a coroutine object, not 7.
aio::task<int> add(int a, int b) {
    co_return a + b;
}

// 3. Countdown: the async iterator protocol (__aiter__/__anext__) as next() -> optional.
class Countdown {
  public:
    explicit Countdown(int start) : m_current(start) {}
    aio::task<std::optional<int>> next() { // __anext__; nullopt is StopAsyncIteration
        if (m_current <= 0)
            co_return std::nullopt;
        co_await aio::sleep(1ms);
        co_return m_current--;
    }

  private:
    int m_current;
};

// 4. The async context manager, fixed: __aenter__ returns self, __aexit__ is awaited.
class AsyncContext {
  public:
    aio::task<AsyncContext&> enter() {
        std::cout << "Entering context\n";
        co_return *this;
    }
    aio::task<> exit(std::exception_ptr) {
        std::cout << "Exiting context\n";
        co_return;
    }
};

// 5. simulate_gather: call each function, collect the results in order.
std::vector<std::string> simulate_gather(const std::vector<std::function<std::string()>>& fns) {
    std::vector<std::string> results;
    for (const auto& f : fns)
        results.push_back(f());
    return results;
}

// 6. The sequential user processing, refactored to coroutines.
aio::task<std::string> fetch_user(int id) {
    co_await aio::sleep(10ms);
    co_return "user" + std::to_string(id);
}
aio::task<std::vector<std::string>> process_all(std::vector<int> ids) {
    std::vector<std::string> users;
    for (int id : ids)
        users.push_back(co_await fetch_user(id));
    co_return users;
}

aio::task<> amain() {
    auto coro = greet("World"); // not awaited: nothing runs
    std::cout << type_name<decltype(coro)>::value << "\n";
    std::cout << co_await std::move(coro) << "\n";

    auto result = add(3, 4);
    std::cout << type_name<decltype(result)>::value << "\n";
    std::cout << co_await std::move(result) << "\n";

    Countdown countdown(3);
    std::cout << "Countdown ready\n";
    while (auto n = co_await countdown.next())
        std::cout << *n << "\n";

    std::cout << "Context manager ready\n";
    co_await aio::with(AsyncContext(), [](AsyncContext&) -> aio::task<> {
        std::cout << "Doing work\n";
        co_return;
    });

    std::vector<std::function<std::string()>> fns{[] { return std::string("A"); },
                                                  [] { return std::string("B"); },
                                                  [] { return std::string("C"); }};
    std::cout << "[";
    const auto letters = simulate_gather(fns);
    for (std::size_t i = 0; i < letters.size(); ++i)
        std::cout << (i ? ", " : "") << "'" << letters[i] << "'";
    std::cout << "]\n";

    std::vector<int> ids{1, 2, 3};
    auto users = co_await process_all(ids);
    std::cout << "Refactored to async (" << users.size() << " users)\n";
}

int main() {
    aio::run(amain());
}
