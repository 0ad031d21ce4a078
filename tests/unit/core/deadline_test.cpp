// Deadlines: aio::timeout_at, a timeout's handle (reschedule, asyncio.Timeout), and
// event_loop::call_later / call_at handles (asyncio's TimerHandle.cancel).
#include "support/helpers.hpp"

#include <gtest/gtest.h>

using namespace aio_test;

TEST(timeout_at, expires_at_an_absolute_deadline) {
    run_virtual([]() -> aio::task<> {
        auto& loop = aio::get_running_loop();
        auto t0 = loop.time();
        EXPECT_THROW(co_await aio::timeout_at(t0 + 50ms, aio::sleep(1s)), aio::timeout_error);
        EXPECT_EQ(loop.time() - t0, 50ms);
        int v = co_await aio::timeout_at(loop.time() + 50ms, value_after(3, 10ms));
        EXPECT_EQ(v, 3);
    });
}

TEST(timeout_at, a_deadline_in_the_past_times_out_at_the_first_suspension) {
    run_virtual([]() -> aio::task<> {
        auto past = aio::get_running_loop().time() - 1s;
        EXPECT_THROW(co_await aio::timeout_at(past, aio::sleep(1ms)), aio::timeout_error);
    });
}

TEST(timeout_handle, reschedule_extends_and_removes_the_deadline) {
    run_virtual([]() -> aio::task<> {
        auto& loop = aio::get_running_loop();
        auto t0 = loop.time();
        co_await aio::timeout(10ms, [&](aio::timeout_handle t) -> aio::task<> {
            EXPECT_EQ(t.when(), std::optional(t0 + 10ms));
            t.reschedule(loop.time() + 100ms);
            co_await aio::sleep(50ms); // past the first deadline: no timeout
            t.reschedule(std::nullopt);
            EXPECT_FALSE(t.when());
            co_await aio::sleep(1s);
        });
        EXPECT_EQ(loop.time() - t0, 1050ms);
    });
}

TEST(timeout_handle, reschedule_to_an_earlier_time_and_after_expiry) {
    run_virtual([]() -> aio::task<> {
        auto& loop = aio::get_running_loop();
        auto t0 = loop.time();
        bool rescheduled_late = false;
        EXPECT_THROW(co_await aio::timeout(1h,
                                           [&](aio::timeout_handle t) -> aio::task<> {
                                               t.reschedule(loop.time() + 20ms);
                                               try {
                                                   co_await aio::sleep(1s);
                                               } catch (const aio::cancelled_error&) {
                                                   EXPECT_TRUE(t.expired());
                                                   EXPECT_THROW(t.reschedule(loop.time() + 1h),
                                                                aio::invalid_state_error);
                                                   rescheduled_late = true;
                                                   throw;
                                               }
                                           }),
                     aio::timeout_error);
        EXPECT_TRUE(rescheduled_late);
        EXPECT_EQ(loop.time() - t0, 20ms);
    });
}

TEST(call_later, handle_cancels_the_callback) {
    run_virtual([]() -> aio::task<> {
        auto& loop = aio::get_running_loop();
        int fired = 0;
        auto h = loop.call_later(10ms, [&] { ++fired; });
        auto kept = loop.call_later(20ms, [&] { fired += 10; });
        EXPECT_EQ(h.when(), loop.time() + 10ms);
        EXPECT_TRUE(h.cancel());
        EXPECT_TRUE(h.cancelled());
        EXPECT_FALSE(h.cancel());
        co_await aio::sleep(30ms);
        EXPECT_EQ(fired, 10);
        EXPECT_FALSE(kept.cancel()); // already ran
        EXPECT_FALSE(kept.cancelled());
    });
}

TEST(call_at, runs_at_the_deadline_and_can_be_cancelled_after_its_timer_fired) {
    run_virtual([]() -> aio::task<> {
        auto& loop = aio::get_running_loop();
        auto t0 = loop.time();
        std::vector<int> order;
        loop.call_at(t0 + 20ms, [&] { order.push_back(2); });
        loop.call_at(t0 + 10ms, [&] { order.push_back(1); });
        // Both due in the same turn: the first callback cancels the second before it runs.
        aio::timer_handle second;
        loop.call_at(t0 + 30ms, [&] {
            order.push_back(3);
            second.cancel();
        });
        second = loop.call_at(t0 + 30ms, [&] { order.push_back(4); });
        co_await aio::sleep(40ms);
        EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
    });
}
