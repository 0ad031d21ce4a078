#include "support/helpers.hpp"

#include <aio/sync.hpp>
#include <aio/threads.hpp>

#include <atomic>
#include <stdexcept>
#include <thread>

#include <gtest/gtest.h>

using namespace aio_test;

TEST(to_thread, returns_the_result_from_another_thread) {
    run([]() -> aio::task<> {
        const auto loop_thread = std::this_thread::get_id();
        auto [v, tid] = co_await aio::to_thread(
            [](int a, int b) {
                return std::pair{a * b, std::this_thread::get_id()};
            },
            6, 7);
        EXPECT_EQ(v, 42);
        EXPECT_NE(tid, loop_thread);
    });
}

TEST(to_thread, rethrows_the_exception_on_the_loop) {
    run([]() -> aio::task<> {
        EXPECT_THROW(co_await aio::to_thread([] { throw std::logic_error("in thread"); }),
                     std::logic_error);
    });
}

TEST(to_thread, keeps_the_loop_responsive_while_work_blocks) {
    int ticks = 0;
    run([&]() -> aio::task<> {
        auto ticker = aio::create_task([](int* t) -> aio::task<> {
            for (;;) {
                co_await aio::sleep(5ms);
                ++*t;
            }
        }(&ticks));
        co_await aio::to_thread([] { std::this_thread::sleep_for(100ms); });
        ticker.cancel();
    });
    EXPECT_GE(ticks, 5); // the loop kept running while the thread slept
}

TEST(to_thread, cancel_resumes_at_once_and_run_waits_for_the_job) {
    std::atomic<bool> finished{false};
    run([&]() -> aio::task<> {
        auto h = aio::create_task([](std::atomic<bool>* f) -> aio::task<> {
            co_await aio::to_thread([f] {
                std::this_thread::sleep_for(50ms);
                f->store(true);
            });
        }(&finished));
        co_await aio::sleep(5ms);
        h.cancel();
        EXPECT_THROW(co_await h, aio::cancelled_error);
        EXPECT_FALSE(finished.load()); // the awaiting task did not wait for the thread
    });
    EXPECT_TRUE(finished.load()); // but run() did not return before the job ended
}

TEST(thread_pool, runs_jobs_in_parallel) {
    aio::thread_pool pool(4);
    EXPECT_EQ(pool.size(), 4u);
    const auto t0 = std::chrono::steady_clock::now();
    run([&]() -> aio::task<> {
        co_await aio::gather(pool.run([] { std::this_thread::sleep_for(100ms); }),
                             pool.run([] { std::this_thread::sleep_for(100ms); }),
                             pool.run([] { std::this_thread::sleep_for(100ms); }));
    });
    EXPECT_LT(seconds_since(t0), 0.29); // three 100 ms jobs overlapped
}

TEST(call_soon_threadsafe, wakes_a_loop_waiting_for_io) {
    run([]() -> aio::task<> {
        aio::event done;
        auto& loop = aio::get_running_loop();
        std::thread t([&] {
            std::this_thread::sleep_for(20ms);
            aio::call_soon_threadsafe(loop, [&] { done.set(); });
        });
        // Without the wake-up the loop would sit in its I/O wait for the whole hour.
        co_await aio::wait_for(done.wait(), 10s);
        t.join();
    });
}
