// The "fix the async context manager" exercise, running: enter, the body, exit, in order.
#include <aio/aio.hpp>

#include <exception>
#include <iostream>

using namespace std::chrono_literals;

class AsyncContext {
  public:
    aio::task<AsyncContext&> enter() { // async def __aenter__(self)
        std::cout << "Entering context\n";
        co_await aio::sleep(10ms);
        co_return *this; // return self
    }
    aio::task<> exit(std::exception_ptr) { // async def __aexit__(self, exc_type, exc, tb)
        co_await aio::sleep(10ms);
        std::cout << "Exiting context\n";
    }
};

aio::task<> amain() {
    co_await aio::with(AsyncContext(), [](AsyncContext&) -> aio::task<> {
        std::cout << "Doing work\n";
        co_return;
    });
}

int main() {
    aio::run(amain());
}
