// gather and gather_settled.
#include "support/helpers.hpp"

#include <stdexcept>

#include <gtest/gtest.h>

using namespace aio_test;

namespace {
aio::task<int> fail_after(std::chrono::milliseconds d) {
    co_await aio::sleep(d);
    throw std::runtime_error("child failed");
}

} // namespace

TEST(gather, returns_a_tuple_in_argument_order) {
    run_virtual([]() -> aio::task<> {
        auto [a, b, c] =
            co_await aio::gather(value_after(1, 30ms), value_after(2, 10ms), aio::sleep(20ms));
        EXPECT_EQ(a, 1);
        EXPECT_EQ(b, 2);
        static_assert(std::is_same_v<decltype(c), std::monostate>);
    });
}

TEST(gather, vector_form_keeps_input_order) {
    run_virtual([]() -> aio::task<> {
        std::vector<aio::task<int>> ts;
        for (int i = 0; i < 10; ++i)
            ts.push_back(value_after(i, std::chrono::milliseconds(10 - i)));
        auto r = co_await aio::gather(std::move(ts));
        for (int i = 0; i < 10; ++i)
            EXPECT_EQ(r[i], i);
    });
}

TEST(gather, runs_children_concurrently) {
    run_virtual([]() -> aio::task<> {
        const auto t0 = aio::get_running_loop().now();
        co_await aio::gather(value_after(1, 100ms), value_after(2, 100ms), value_after(3, 100ms));
        EXPECT_LT(aio::get_running_loop().now() - t0, 150ms);
    });
}

TEST(gather, cancels_siblings_on_first_error) {
    bool sibling_cancelled = false;
    run_virtual([&]() -> aio::task<> {
        try {
            co_await aio::gather(fail_after(5ms), mark_on_cancel(&sibling_cancelled));
            ADD_FAILURE();
        } catch (const std::runtime_error& e) {
            EXPECT_STREQ(e.what(), "child failed");
        }
        // The sibling has been awaited, not just cancelled.
        EXPECT_TRUE(sibling_cancelled);
    });
}

TEST(gather, cancelling_the_caller_cancels_and_awaits_every_child) {
    bool a = false, b = false;
    run_virtual([&]() -> aio::task<> {
        auto h = aio::create_task([](bool* x, bool* y) -> aio::task<> {
            co_await aio::gather(mark_on_cancel(x), mark_on_cancel(y));
        }(&a, &b));
        co_await aio::sleep(1ms);
        h.cancel();
        EXPECT_THROW(co_await h, aio::cancelled_error);
        EXPECT_TRUE(a);
        EXPECT_TRUE(b);
    });
}

TEST(gather_settled, holds_values_and_exceptions) {
    run_virtual([]() -> aio::task<> {
        auto [ok, bad] = co_await aio::gather_settled(value_after(7, 1ms), fail_after(1ms));
        EXPECT_EQ(ok.index(), 0u);
        EXPECT_EQ(std::get<0>(ok), 7);
        EXPECT_EQ(bad.index(), 1u);
        EXPECT_THROW(std::rethrow_exception(std::get<1>(bad)), std::runtime_error);

        std::vector<aio::task<int>> ts;
        ts.push_back(fail_after(2ms));
        ts.push_back(value_after(3, 1ms));
        auto v = co_await aio::gather_settled(std::move(ts));
        EXPECT_EQ(v[0].index(), 1u);
        EXPECT_EQ(std::get<0>(v[1]), 3);
    });
}

TEST(gather, accepts_task_handles) {
    run_virtual([]() -> aio::task<> {
        auto h = aio::create_task(value_after(5, 1ms));
        auto [x, y] = co_await aio::gather(h, value_after(6, 2ms));
        EXPECT_EQ(x + y, 11);
    });
}
