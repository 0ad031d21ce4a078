// threads guide: call_soon_threadsafe (loop.call_soon_threadsafe): another thread hands a
// result to the loop; only the loop's thread touches the future.
#include <aio/aio.hpp>

#include <iostream>
#include <thread>

aio::task<> amain() {
    aio::event_loop& loop = aio::get_running_loop();
    aio::future<int> answer; // loop.create_future()
    std::thread worker([&loop, &answer] {
        int v = 6 * 7; // work on a thread of its own
        aio::call_soon_threadsafe(loop, [&answer, v] { answer.set_result(v); });
    });
    int v = co_await answer;
    worker.join();
    std::cout << "answer: " << v << "\n";
}

int main() {
    aio::run(amain());
}
