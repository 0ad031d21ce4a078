// "Async Context Managers": Python's `async with AsyncFile() as file:` is aio::with. Any
// type with `task<R> enter()` and `task<> exit(std::exception_ptr)` is a context manager;
// exit always runs, also when the body throws or the task is cancelled.
// Times are scaled down from the Python original: 0.1 s -> 10 ms.
#include <aio/aio.hpp>

#include <exception>
#include <iostream>

using namespace std::chrono_literals;

class AsyncFile {
  public:
    aio::task<AsyncFile&> enter() { // __aenter__
        co_await aio::sleep(10ms);  // async setup
        co_return *this;
    }
    aio::task<> exit(std::exception_ptr) { // __aexit__
        co_await aio::sleep(10ms);         // async cleanup
    }
};

aio::task<> amain() {
    co_await aio::with(AsyncFile(), [](AsyncFile&) -> aio::task<> {
        std::cout << "Using async file\n";
        co_return;
    });
}

int main() {
    aio::run(amain());
}
