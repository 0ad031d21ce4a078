// sync guide: aio::queue (asyncio.Queue): a bounded producer/consumer pipeline with join().
#include <aio/aio.hpp>

#include <algorithm>
#include <iostream>
#include <vector>

using namespace std::chrono_literals;

aio::task<> worker(aio::queue<int>& q, std::vector<int>& results) {
    for (;;) {
        int n = co_await q.get(); // waits while the queue is empty
        co_await aio::sleep(1ms);
        results.push_back(n * n);
        q.task_done();
    }
}

aio::task<> amain() {
    aio::queue<int> q(2); // put() waits while 2 items are queued: backpressure
    std::vector<int> results;
    auto w1 = aio::create_task(worker(q, results));
    auto w2 = aio::create_task(worker(q, results));
    for (int n = 0; n < 6; ++n)
        co_await q.put(n);
    co_await q.join(); // every item got its task_done()
    w1.cancel();
    w2.cancel();
    std::sort(results.begin(), results.end());
    for (int r : results)
        std::cout << r << " ";
    std::cout << "\n";
}

int main() {
    aio::run(amain());
}
