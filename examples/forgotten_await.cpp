// Common pitfall: forgetting co_await. Calling a coroutine only creates a task (Python: a
// coroutine object); nothing runs until it is awaited (or handed to create_task / gather).
//
// aio::task is [[nodiscard]], so the compiler warns at the mistake:
//   warning: ignoring returned value of type 'aio::task<std::__cxx11::basic_string<char> >',
//            declared with attribute 'nodiscard' [-Wunused-result]
// and debug mode (here run_options{.debug = true}; or AIO_DEBUG=1) reports, at run time,
// a task that was destroyed without ever being awaited:
//   aio: a task was never awaited: it was destroyed without being started (forgotten co_await?)
#include <aio/aio.hpp>

#include <iostream>
#include <string>
#include <utility>

using namespace std::chrono_literals;

aio::task<std::string> greet(std::string name) {
    std::cout << "greet(" << name << ") runs\n";
    co_return "Hello, " + name;
}

aio::task<std::string> fetch_data() {
    std::cout << "Fetching data...\n";
    co_await aio::sleep(50ms);
    co_return "Data received";
}

aio::task<> process_bad() {
    // This example must build with -Werror, so the warning is silenced around the mistake.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-result"
    fetch_data(); // BAD: missing co_await, so fetch_data never runs
#pragma GCC diagnostic pop
    std::cout << "process_bad: done\n";
    co_return;
}

aio::task<> process_good() {
    std::string data = co_await fetch_data(); // GOOD
    std::cout << "process_good: " << data << "\n";
}

aio::task<> amain() {
    auto coro = greet("Alice"); // doesn't print anything: the task is lazy
    std::cout << "created greet(Alice), not run yet\n";
    std::string result = co_await std::move(coro); // this executes it
    std::cout << result << "\n";

    co_await process_bad();
    co_await process_good();
}

int main() {
    aio::run(amain(), {.debug = true});
}
