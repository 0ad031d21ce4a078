// Common pitfall: a blocking call inside a task. std::this_thread::sleep_for (Python's
// time.sleep) stops the whole event loop: the ticker's next tick comes 300 ms late.
// aio::sleep only pauses the task that calls it.
//
// Debug mode (run_options{.debug = true} here, or AIO_DEBUG=1 for any program) reports
// every task step that runs longer than 100 ms without suspending, with the task's name and
// the place where it was created:
//   aio: task 'bad' (created at .../blocking_sleep.cpp:NN) ran for 300 ms without suspending
#include <aio/aio.hpp>

#include <chrono>
#include <iostream>
#include <thread>

using namespace std::chrono_literals;

aio::task<> ticker() {
    auto last = std::chrono::steady_clock::now();
    for (int i = 1; i <= 3; ++i) {
        const auto now = std::chrono::steady_clock::now();
        std::cout << "tick " << i;
        if (i > 1) {
            std::cout << " (+"
                      << std::chrono::duration_cast<std::chrono::milliseconds>(now - last).count()
                      << " ms)";
        }
        std::cout << "\n";
        last = now;
        co_await aio::sleep(100ms);
    }
}

aio::task<> bad() {
    std::cout << "bad: sleeping, and blocking the loop\n";
    std::this_thread::sleep_for(300ms); // BAD: blocks the entire event loop
    std::cout << "bad: done\n";
    co_return;
}

aio::task<> good() {
    std::cout << "good: sleeping without blocking\n";
    co_await aio::sleep(300ms); // GOOD: only this task waits
    std::cout << "good: done\n";
}

aio::task<> amain() {
    std::cout << "--- blocking sleep ---\n";
    auto tick1 = aio::create_task(ticker(), "ticker");
    auto blocker = aio::create_task(bad(), "bad");
    co_await aio::gather(tick1, blocker);

    std::cout << "--- non-blocking sleep ---\n";
    auto tick2 = aio::create_task(ticker(), "ticker");
    auto waiter = aio::create_task(good(), "good");
    co_await aio::gather(tick2, waiter);
}

int main() {
    aio::run(amain(), {.debug = true});
}
