// "Async Iterators": Python's __aiter__/__anext__ is a class with a `next()` coroutine that
// returns std::optional<T>; std::nullopt plays StopAsyncIteration, and `async for` is
// `while (auto v = co_await it.next())`.
// Times are scaled down from the Python original: 0.1 s -> 10 ms.
#include <aio/aio.hpp>

#include <iostream>
#include <optional>

using namespace std::chrono_literals;

class AsyncCounter {
  public:
    explicit AsyncCounter(int max) : m_max(max) {}

    aio::task<std::optional<int>> next() { // __anext__
        if (m_current >= m_max)
            co_return std::nullopt; // raise StopAsyncIteration
        co_await aio::sleep(10ms);
        ++m_current;
        co_return m_current;
    }

  private:
    int m_max;
    int m_current = 0;
};

aio::task<> amain() {
    AsyncCounter counter(5);
    while (auto num = co_await counter.next()) { // async for num in AsyncCounter(5):
        std::cout << *num << "\n";
    }
}

int main() {
    aio::run(amain());
}
