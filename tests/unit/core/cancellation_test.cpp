// Cancellation: level-triggered, propagation, handles, shield.
#include "support/helpers.hpp"

#include <stdexcept>

#include <gtest/gtest.h>

using namespace aio_test;

namespace {
aio::task<> nap(std::chrono::milliseconds d) {
    co_await aio::sleep(d);
}

aio::task<int> swallow_then_sleep_again(int* phase) {
    try {
        co_await aio::sleep(1h);
    } catch (const aio::cancelled_error&) {
        *phase = 1; // swallowed...
    }
    co_await aio::sleep(1h); // ...but the next suspension throws again (level-triggered)
    *phase = 2;
    co_return 0;
}
} // namespace

TEST(cancellation, cancel_interrupts_a_sleep) {
    run([]() -> aio::task<> {
        auto h = aio::create_task(nap(1h), "sleeper");
        co_await aio::sleep(1ms);
        EXPECT_FALSE(h.done());
        EXPECT_TRUE(h.cancel());
        EXPECT_THROW(co_await h, aio::cancelled_error);
        EXPECT_TRUE(h.done());
        EXPECT_TRUE(h.cancelled());
        EXPECT_FALSE(h.cancel()); // already finished
    });
}

TEST(cancellation, is_level_triggered_so_a_swallowed_cancel_cannot_keep_a_task_alive) {
    int phase = 0;
    run_virtual([&]() -> aio::task<> {
        auto h = aio::create_task(swallow_then_sleep_again(&phase));
        co_await aio::sleep(1ms);
        h.cancel();
        EXPECT_THROW(co_await h, aio::cancelled_error);
    });
    EXPECT_EQ(phase, 1);
}

TEST(cancellation, cancel_before_start_never_runs_the_body) {
    bool ran = false;
    run([&]() -> aio::task<> {
        auto h = aio::create_task([](bool* r) -> aio::task<> {
            *r = true;
            co_return;
        }(&ran));
        h.cancel();
        EXPECT_THROW(co_await h, aio::cancelled_error);
    });
    EXPECT_FALSE(ran);
}

TEST(cancellation, propagates_into_an_awaited_task) {
    run([]() -> aio::task<> {
        auto inner = aio::create_task(nap(1h), "inner");
        auto outer = aio::create_task(
            [](aio::task_handle<void> h) -> aio::task<> { co_await h; }(inner), "outer");
        co_await aio::sleep(1ms);
        outer.cancel();
        EXPECT_THROW(co_await outer, aio::cancelled_error);
        EXPECT_TRUE(inner.done());
        EXPECT_TRUE(inner.cancelled());
    });
}

TEST(cancellation, propagates_through_inline_awaits) {
    run([]() -> aio::task<> {
        auto h = aio::create_task(
            []() -> aio::task<> { co_await []() -> aio::task<> { co_await nap(1h); }(); }());
        co_await aio::sleep(1ms);
        h.cancel();
        EXPECT_THROW(co_await h, aio::cancelled_error);
    });
}

TEST(cancellation, dropped_handle_does_not_cancel_the_task) {
    int done = 0;
    run([&]() -> aio::task<> {
        {
            auto h = aio::create_task([](int* d) -> aio::task<> {
                co_await aio::sleep(5ms);
                *d = 1;
            }(&done));
        }
        co_await aio::sleep(30ms);
    });
    EXPECT_EQ(done, 1);
}

TEST(cancellation, handle_is_awaitable_more_than_once) {
    run([]() -> aio::task<> {
        auto h = aio::create_task([]() -> aio::task<std::string> {
            co_await aio::sleep(1ms);
            co_return "x";
        }());
        EXPECT_EQ(co_await h, "x");
        EXPECT_EQ(co_await h, "x");
        auto copy = h;
        EXPECT_EQ(co_await copy, "x");
    });
}

TEST(cancellation, current_task_can_cancel_itself) {
    run([]() -> aio::task<> {
        auto h = aio::create_task([]() -> aio::task<> {
            aio::current_task().cancel();
            co_await aio::sleep(0s);
            ADD_FAILURE() << "survived its own cancel";
        }());
        EXPECT_THROW(co_await h, aio::cancelled_error);
    });
}

TEST(task_handle, has_the_given_name_or_a_generated_one) {
    run([]() -> aio::task<> {
        auto a = aio::create_task(nap(0ms), "fetcher");
        auto b = aio::create_task(nap(0ms));
        EXPECT_EQ(a.name(), "fetcher");
        EXPECT_EQ(b.name().rfind("Task-", 0), 0u);
        co_await a;
        co_await b;
        EXPECT_EQ(aio::current_task().name(), "main");
    });
}

TEST(shield, protects_work_from_an_outer_cancel_which_then_lands_after_it) {
    int steps = 0;
    run_virtual([&]() -> aio::task<> {
        auto h = aio::create_task([](int* s) -> aio::task<> {
            co_await aio::shield([](int* s2) -> aio::task<> {
                co_await aio::sleep(10ms);
                ++*s2;
                co_await aio::sleep(10ms);
                ++*s2;
            }(s));
            co_await aio::sleep(0s); // the pending cancel is delivered here
            *s = 100;
        }(&steps));
        co_await aio::sleep(5ms);
        h.cancel();
        EXPECT_THROW(co_await h, aio::cancelled_error);
    });
    EXPECT_EQ(steps, 2);
}
