// sync guide: aio::semaphore (asyncio.Semaphore) caps how many tasks run a section at once.
#include <aio/aio.hpp>

#include <algorithm>
#include <iostream>
#include <vector>

using namespace std::chrono_literals;

int running = 0;
int peak = 0;

aio::task<> job(aio::semaphore& sem) {
    auto permit = co_await sem.scoped(); // async with sem:
    peak = std::max(peak, ++running);
    co_await aio::sleep(10ms);
    --running;
}

aio::task<> amain() {
    aio::semaphore sem(2);
    std::vector<aio::task<>> jobs;
    for (int i = 0; i < 5; ++i)
        jobs.push_back(job(sem));
    co_await aio::gather(std::move(jobs));
    std::cout << "5 jobs, at most " << peak << " at once\n";
}

int main() {
    aio::run(amain());
}
