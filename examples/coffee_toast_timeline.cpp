// Coffee and toast with the terminal timeline: when the loop ends, aio prints one row per
// task to stderr ('#' while the task runs, '-' while it waits), so you can see the two
// waits overlap. The same works for any program with AIO_TIMELINE=1, and
// AIO_TRACE=trace.json writes the events for Perfetto.
// Times are scaled down from the Python original: 1 s -> 100 ms.
#include <aio/aio.hpp>

#include <iostream>

using namespace std::chrono_literals;

aio::task<> brew_coffee() {
    std::cout << "Start brewing...\n";
    co_await aio::sleep(200ms);
    std::cout << "Coffee ready!\n";
}

aio::task<> toast_bread() {
    std::cout << "Start toasting...\n";
    co_await aio::sleep(200ms);
    std::cout << "Toast ready!\n";
}

aio::task<> amain() {
    // Named tasks, so the timeline rows say what they are.
    auto coffee = aio::create_task(brew_coffee(), "brew_coffee");
    auto toast = aio::create_task(toast_bread(), "toast_bread");
    co_await coffee;
    co_await toast;
}

int main() {
    aio::run(amain(), {.timeline = true});
}
