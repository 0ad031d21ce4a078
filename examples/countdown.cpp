// The Countdown exercise: an async iterator counting down from `start` to 1, once as a
// class with next() (the __aiter__/__anext__ protocol) and once as an async generator.
#include <aio/aio.hpp>

#include <iostream>
#include <optional>

using namespace std::chrono_literals;

class Countdown {
  public:
    explicit Countdown(int start) : m_current(start) {}

    aio::task<std::optional<int>> next() { // __anext__
        if (m_current < 1)
            co_return std::nullopt; // raise StopAsyncIteration
        co_await aio::sleep(10ms);
        co_return m_current--;
    }

  private:
    int m_current;
};

aio::generator<int> countdown(int start) {
    for (int n = start; n >= 1; --n) {
        co_await aio::sleep(10ms);
        co_yield n;
    }
}

aio::task<> amain() {
    Countdown it(3);
    while (auto n = co_await it.next())
        std::cout << *n << "\n";
    auto gen = countdown(3);
    while (auto n = co_await gen.next())
        std::cout << *n << "\n";
}

int main() {
    std::cout << "Countdown ready\n";
    aio::run(amain());
}
