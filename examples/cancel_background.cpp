// "Running Background Tasks" from the practical guide: a periodic cleanup task runs in the
// background while amain handles requests; when the work is done amain cancels it.
// Cancelling makes the task's current co_await throw aio::cancelled_error.
// Times are scaled down from the Python original: the 60 s period -> 200 ms.
#include <aio/aio.hpp>

#include <iostream>

using namespace std::chrono_literals;

aio::task<> cleanup_old_data() {
    std::cout << "Cleaning up old data\n";
    co_return;
}

aio::task<> background_task() {
    while (true) {
        co_await aio::sleep(200ms);
        co_await cleanup_old_data();
    }
}

aio::task<> handle_requests() {
    for (int i = 1; i <= 3; ++i) {
        std::cout << "Handling request " << i << "\n";
        co_await aio::sleep(250ms);
    }
    std::cout << "All requests handled\n";
}

aio::task<> amain() {
    // Start background task
    auto task = aio::create_task(background_task(), "cleanup");

    // Do other work
    co_await handle_requests();

    // Cancel background task when done
    task.cancel();
    try {
        co_await task;
    } catch (const aio::cancelled_error&) {
        std::cout << "Background task cancelled\n";
    }
}

int main() {
    aio::run(amain());
}
