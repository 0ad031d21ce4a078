// threads guide: run_coroutine_threadsafe (asyncio.run_coroutine_threadsafe): a plain
// thread runs a coroutine on the loop and blocks for its result.
#include <aio/aio.hpp>

#include <iostream>
#include <string>

using namespace std::chrono_literals;

aio::task<std::string> greet(std::string name) {
    co_await aio::sleep(5ms);
    co_return "hello " + name;
}

aio::task<> amain() {
    aio::event_loop& loop = aio::get_running_loop();
    std::string s = co_await aio::to_thread([&loop] { // any non-loop thread will do
        aio::concurrent_future<std::string> f =
            aio::run_coroutine_threadsafe(greet("from a thread"), loop);
        return f.get(); // blocks this thread, not the loop
    });
    std::cout << s << "\n";
}

int main() {
    aio::run(amain());
}
