// timeout and wait_for.
#include "support/helpers.hpp"

#include <aio/sync.hpp>

#include <stdexcept>

#include <gtest/gtest.h>

using namespace aio_test;

TEST(timeout, throws_timeout_error_and_cancels_the_body) {
    bool body_cancelled = false;
    run_virtual([&]() -> aio::task<> {
        EXPECT_THROW(co_await aio::timeout(10ms, mark_on_cancel(&body_cancelled)),
                     aio::timeout_error);
        EXPECT_TRUE(body_cancelled);
    });
}

TEST(timeout, returns_the_result_in_time) {
    run_virtual([]() -> aio::task<> {
        EXPECT_EQ(co_await aio::timeout(50ms, value_after(4, 10ms)), 4);
        // callable form: an asyncio.timeout() block around several awaits
        int n = co_await aio::timeout(50ms, []() -> aio::task<int> {
            int a = co_await value_after(1, 5ms);
            int b = co_await value_after(2, 5ms);
            co_return a + b;
        });
        EXPECT_EQ(n, 3);
    });
}

TEST(wait_for, works_on_any_awaitable_and_handles) {
    run_virtual([]() -> aio::task<> {
        EXPECT_THROW(co_await aio::wait_for(aio::sleep(1h), 5ms), aio::timeout_error);
        auto h = aio::create_task(value_after(1, 1h));
        EXPECT_THROW(co_await aio::wait_for(h, 5ms), aio::timeout_error);
        co_await aio::sleep(0s);
        EXPECT_TRUE(h.cancelled()); // asyncio: wait_for cancels the task it timed out on
        EXPECT_EQ(co_await aio::wait_for(value_after(9, 1ms), 1s), 9);
    });
}

TEST(timeout, outer_cancellation_is_not_a_timeout) {
    run_virtual([]() -> aio::task<> {
        auto h = aio::create_task(
            []() -> aio::task<> { co_await aio::timeout(1h, value_after(1, 2h)); }());
        co_await aio::sleep(1ms);
        h.cancel();
        EXPECT_THROW(co_await h, aio::cancelled_error);
    });
}

TEST(timeout, bounds_any_awaitable_and_shield_accepts_one) {
    aio::run([]() -> aio::task<> {
        aio::event ev;
        EXPECT_THROW(co_await aio::timeout(5ms, ev.wait()), aio::timeout_error);
        co_await aio::shield(aio::sleep(1ms));
        ev.set();
        co_await aio::timeout(1s, ev.wait());
    }());
}
