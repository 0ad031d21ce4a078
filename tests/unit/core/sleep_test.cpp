#include "support/helpers.hpp"

#include <gtest/gtest.h>

using namespace aio_test;

namespace {
aio::task<> nap(std::chrono::milliseconds d) {
    co_await aio::sleep(d);
}
} // namespace

TEST(sleep, zero_yields_to_every_other_ready_task) {
    std::vector<int> order;
    run([&]() -> aio::task<> {
        auto a = aio::create_task([](std::vector<int>* o) -> aio::task<> {
            o->push_back(1);
            co_await aio::sleep(0s);
            o->push_back(3);
        }(&order));
        auto b = aio::create_task([](std::vector<int>* o) -> aio::task<> {
            o->push_back(2);
            co_await aio::sleep(0s);
            o->push_back(4);
        }(&order));
        co_await a;
        co_await b;
    });
    EXPECT_EQ(order, (std::vector<int>{1, 2, 3, 4}));
}

TEST(sleep, wakes_tasks_in_deadline_order) {
    std::vector<int> order;
    run_virtual([&]() -> aio::task<> {
        std::vector<aio::task<>> ts;
        for (int d : {30, 10, 20, 10}) {
            ts.push_back([](std::vector<int>* o, int ms) -> aio::task<> {
                co_await aio::sleep(std::chrono::milliseconds(ms));
                o->push_back(ms);
            }(&order, d));
        }
        co_await aio::gather(std::move(ts));
    });
    EXPECT_EQ(order, (std::vector<int>{10, 10, 20, 30}));
}

TEST(sleep, virtual_time_advances_without_waiting) {
    const auto t0 = std::chrono::steady_clock::now();
    run_virtual([]() -> aio::task<> {
        const auto start = aio::get_running_loop().now();
        co_await aio::sleep(1h);
        EXPECT_GE(aio::get_running_loop().now() - start, 1h);
    });
    EXPECT_LT(seconds_since(t0), 5.0);
}

TEST(sleep, two_gathered_sleeps_overlap) {
    const auto t0 = std::chrono::steady_clock::now();
    run([]() -> aio::task<> { co_await aio::gather(aio::sleep(200ms), aio::sleep(200ms)); });
    const double took = seconds_since(t0);
    EXPECT_GE(took, 0.19);
    EXPECT_LT(took, 0.39); // well under the sequential 400 ms
}

TEST(sleep, cancelled_sleep_leaves_no_timer_behind) {
    run_virtual([]() -> aio::task<> {
        auto h = aio::create_task(nap(1h));
        co_await aio::sleep(1ms);
        h.cancel();
        EXPECT_THROW(co_await h, aio::cancelled_error);
        const auto before = aio::get_running_loop().now();
        co_await aio::sleep(1ms);
        // Had the 1 h timer stayed in the heap, virtual time would not have jumped past it,
        // but the next sleep must complete at +1 ms.
        EXPECT_LT(aio::get_running_loop().now() - before, 1s);
    });
}

TEST(sleep, counts_from_the_call_even_after_a_long_step) {
    run([]() -> aio::task<> {
        co_await aio::sleep(0s);           // start of a turn: the loop's clock is read here
        std::this_thread::sleep_for(60ms); // a long step
        const auto t0 = std::chrono::steady_clock::now();
        co_await aio::sleep(50ms);
        EXPECT_GE(std::chrono::steady_clock::now() - t0, 50ms);
    });
}
