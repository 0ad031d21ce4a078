// Threads that hand work back to a loop (pool workers, call_soon_threadsafe callers) while
// that loop ends and is destroyed.
#include "support/helpers.hpp"

#include <aio/sync.hpp>
#include <aio/threads.hpp>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

using namespace aio_test;

namespace {

constexpr int posters = 4;

struct round_state {
    aio::event all_ran;
    int ran = 0; // loop thread only
};

/// Starts `posters` threads that each post one callback, runs four pool jobs, and returns
/// once every callback and job has come back: the loop then ends at once, while the
/// posters may still be inside call_soon_threadsafe and the workers inside their hand-back.
aio::task<> post_from_threads(std::vector<std::thread>* threads) {
    auto& loop = aio::get_running_loop();
    round_state st;
    for (int i = 0; i < posters; ++i) {
        threads->emplace_back([&loop, &st] {
            loop.call_soon_threadsafe([&st] {
                if (++st.ran == posters)
                    st.all_ran.set();
            });
        });
    }
    co_await aio::gather(aio::to_thread([] { return 1; }), aio::to_thread([] { return 2; }),
                         aio::to_thread([] { return 3; }), aio::to_thread([] { return 4; }));
    co_await st.all_ran.wait();
}

} // namespace

// Regression (issue 12, item 11): a poster published its item, then (outside the lock) read
// the loop's flag and woke its backend; the loop, woken by another poster, could take the
// item, end and be destroyed in between (a use-after-free; TSan: "data race on vptr").
TEST(threads, posting_races_loop_destruction_safely) {
    const auto t0 = std::chrono::steady_clock::now();
    int rounds = 0;
    for (; rounds < 200 && seconds_since(t0) < 20; ++rounds) {
        std::vector<std::thread> threads;
        threads.reserve(posters);
        {
            aio::event_loop loop;
            loop.run_until_complete(post_from_threads(&threads));
        } // destroyed while posters and pool workers may still be returning from their post
        for (auto& t : threads)
            t.join();
    }
    EXPECT_GE(rounds, 20);
}
