// as_completed.
#include "support/helpers.hpp"

#include <stdexcept>

#include <gtest/gtest.h>

using namespace aio_test;

TEST(as_completed, yields_in_completion_order_and_cancels_the_rest_when_dropped) {
    bool slow_cancelled = false;
    run_virtual([&]() -> aio::task<> {
        std::vector<aio::task<int>> ts;
        ts.push_back(value_after(3, 30ms));
        ts.push_back(value_after(1, 10ms));
        ts.push_back(value_after(2, 20ms));
        std::vector<int> got;
        auto it = aio::as_completed(std::move(ts));
        while (auto h = co_await it.next())
            got.push_back(co_await *h);
        EXPECT_EQ(got, (std::vector<int>{1, 2, 3}));

        std::vector<aio::task<int>> two;
        two.push_back(value_after(1, 1ms));
        two.push_back([](bool* c) -> aio::task<int> {
            co_await mark_on_cancel(c);
            co_return 0;
        }(&slow_cancelled));
        {
            auto first = aio::as_completed(std::move(two));
            auto winner = co_await first.next();
            EXPECT_EQ(co_await *winner, 1);
        }
        co_await aio::sleep(1ms);
    });
    EXPECT_TRUE(slow_cancelled);
}
