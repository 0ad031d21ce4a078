// aio::run_coroutine_threadsafe: a foreign thread hands coroutines to a running loop.
#include "support/helpers.hpp"

#include <aio/sync.hpp>
#include <aio/threads.hpp>

#include <stdexcept>
#include <thread>

#include <gtest/gtest.h>

using namespace aio_test;

namespace {
aio::task<int> add_later(int a, int b) {
    co_await aio::sleep(5ms);
    co_return a + b;
}
aio::task<int> fails() {
    co_await aio::sleep(1ms);
    throw std::invalid_argument("no such user");
}
} // namespace

TEST(run_coroutine_threadsafe, returns_results_and_exceptions_to_the_calling_thread) {
    int sum = 0;
    bool threw = false;
    run([&]() -> aio::task<> {
        auto& loop = aio::get_running_loop();
        aio::event finished;
        std::thread worker([&] {
            auto f = aio::run_coroutine_threadsafe(add_later(2, 3), loop);
            sum = f.get();
            auto g = aio::run_coroutine_threadsafe(fails(), loop);
            try {
                g.get();
            } catch (const std::invalid_argument&) {
                threw = true;
            }
            aio::call_soon_threadsafe(loop, [&] { finished.set(); });
        });
        co_await finished.wait();
        worker.join();
    });
    EXPECT_EQ(sum, 5);
    EXPECT_TRUE(threw);
}

TEST(run_coroutine_threadsafe, cancel_from_the_other_thread_cancels_the_task) {
    bool cancelled_inside = false;
    bool got_cancelled = false;
    run([&]() -> aio::task<> {
        auto& loop = aio::get_running_loop();
        aio::event finished;
        std::thread worker([&] {
            auto f = aio::run_coroutine_threadsafe(mark_on_cancel(&cancelled_inside), loop);
            EXPECT_FALSE(f.wait_for(20ms)); // still running after 20 ms: it sleeps for an hour
            EXPECT_TRUE(f.cancel());
            try {
                f.get();
            } catch (const aio::cancelled_error&) {
                got_cancelled = true;
            }
            EXPECT_TRUE(f.done());
            EXPECT_FALSE(f.cancel());
            aio::call_soon_threadsafe(loop, [&] { finished.set(); });
        });
        co_await finished.wait();
        worker.join();
    });
    EXPECT_TRUE(cancelled_inside);
    EXPECT_TRUE(got_cancelled);
}

TEST(run_coroutine_threadsafe, a_loop_that_ends_first_fails_the_future_instead_of_hanging) {
    std::thread worker;
    std::optional<aio::concurrent_future<int>> f;
    run([&]() -> aio::task<> {
        auto& loop = aio::get_running_loop();
        aio::event submitted;
        worker = std::thread([&] {
            f.emplace(aio::run_coroutine_threadsafe(add_later(1, 1), loop));
            aio::call_soon_threadsafe(loop, [&] { submitted.set(); });
        });
        co_await submitted.wait();
        // The main task ends now: asyncio.run's rule cancels the started task at shutdown.
    });
    worker.join();
    ASSERT_TRUE(f);
    EXPECT_TRUE(f->wait_for(5s));
    EXPECT_THROW(f->get(), aio::error); // cancelled (or never started): never a hang
}
