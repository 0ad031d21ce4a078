// "Creating Tasks": create_task starts background_task at once; amain keeps working and
// awaits the task's handle at the end.
// Times are scaled down from the Python original: 1 s -> 100 ms.
#include <aio/aio.hpp>

#include <iostream>

using namespace std::chrono_literals;

aio::task<> background_task() {
    for (int i = 0; i < 5; ++i) {
        std::cout << "Background: " << i << "\n";
        co_await aio::sleep(100ms);
    }
}

aio::task<> amain() {
    // Create task (starts running)
    auto task = aio::create_task(background_task());

    // Do other work
    co_await aio::sleep(200ms);
    std::cout << "Main work done\n";

    // Wait for task to complete
    co_await task;
}

int main() {
    aio::run(amain());
}
