// Helper program of dump_tasks.prints_stuck_tasks_on_sigusr1_in_debug_mode: a task stuck on
// an aio::lock that main holds. Prints "ready" once the task is parked, then waits up to
// 20 s for the test to signal it; AIO_DEBUG=1 makes SIGUSR1 print dump_tasks to stderr.
#include <aio/core.hpp>
#include <aio/sync.hpp>

#include <cstdio>

using namespace std::chrono_literals;

namespace {

aio::task<> wait_for_lock(aio::lock* m) {
    std::printf("acquire line %d\n", __LINE__ + 1);
    co_await m->acquire();
    m->release();
}

aio::task<int> amain() {
    aio::lock m;
    co_await m.acquire();
    auto h = aio::create_task(wait_for_lock(&m), "stuck on lock");
    co_await aio::sleep(0s);
    std::printf("ready\n");
    std::fflush(stdout);
    aio::event never;
    try {
        co_await aio::wait_for(never.wait(), 20s);
    } catch (const aio::timeout_error&) {
    }
    m.release();
    co_await h;
    co_return 0;
}

} // namespace

int main() {
    return aio::run(amain());
}
