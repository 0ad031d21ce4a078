// aio::wait and aio::as_completed over handles (asyncio.wait / as_completed; the cases follow
// CPython's test_tasks.py: test_wait, test_wait_first_completed, test_wait_first_exception,
// test_wait_with_timeout, test_as_completed_with_timeout).
#include "support/helpers.hpp"

#include <stdexcept>

#include <gtest/gtest.h>

using namespace aio_test;

namespace {
aio::task<int> fail_after(std::chrono::milliseconds d) {
    co_await aio::sleep(d);
    throw std::runtime_error("boom");
}
} // namespace

TEST(wait, all_completed_returns_every_task_done) {
    run_virtual([]() -> aio::task<> {
        auto t0 = aio::get_running_loop().time();
        std::vector<aio::task_handle<int>> hs{aio::create_task(value_after(1, 10ms)),
                                              aio::create_task(value_after(2, 20ms))};
        auto [done, pending] = co_await aio::wait(hs);
        EXPECT_EQ(done.size(), 2u);
        EXPECT_TRUE(pending.empty());
        EXPECT_EQ(aio::get_running_loop().time() - t0, 20ms);
        EXPECT_EQ(done[0].result() + done[1].result(), 3);
    });
}

TEST(wait, first_completed_leaves_the_others_running_and_uncancelled) {
    run_virtual([]() -> aio::task<> {
        auto fast = aio::create_task(value_after(1, 10ms));
        auto slow = aio::create_task(value_after(2, 100ms));
        std::vector hs{fast, slow};
        auto r = co_await aio::wait(hs, aio::return_when::first_completed);
        EXPECT_EQ(r.done.size(), 1u);
        EXPECT_EQ(r.pending.size(), 1u);
        if (r.done.size() != 1 || r.pending.size() != 1)
            co_return;
        EXPECT_TRUE(r.done[0] == fast);
        EXPECT_TRUE(r.pending[0] == slow);
        EXPECT_FALSE(slow.done());
        EXPECT_EQ(co_await slow, 2); // still runs to completion: wait never cancels
    });
}

TEST(wait, first_exception_returns_at_the_first_failure) {
    run_virtual([]() -> aio::task<> {
        auto bad = aio::create_task(fail_after(10ms));
        auto slow = aio::create_task(value_after(2, 100ms));
        auto t0 = aio::get_running_loop().time();
        std::vector hs{bad, slow};
        auto r = co_await aio::wait(hs, aio::return_when::first_exception);
        EXPECT_EQ(aio::get_running_loop().time() - t0, 10ms);
        EXPECT_EQ(r.done.size(), 1u);
        EXPECT_TRUE(!r.done.empty() && r.done[0] == bad);
        EXPECT_THROW((void)bad.result(), std::runtime_error);
        slow.cancel();
    });
}

TEST(wait, first_exception_without_a_failure_waits_for_all_and_ignores_cancellation) {
    run_virtual([]() -> aio::task<> {
        auto a = aio::create_task(value_after(1, 10ms));
        auto b = aio::create_task(value_after(2, 30ms));
        auto c = aio::create_task(value_after(3, 50ms));
        c.cancel(); // a cancellation is not an exception (asyncio FIRST_EXCEPTION)
        std::vector hs{a, b, c};
        auto r = co_await aio::wait(hs, aio::return_when::first_exception);
        EXPECT_EQ(r.done.size(), 3u);
        EXPECT_TRUE(c.cancelled());
    });
}

TEST(wait, timeout_returns_what_is_done_without_throwing_or_cancelling) {
    run_virtual([]() -> aio::task<> {
        auto a = aio::create_task(value_after(1, 10ms));
        auto b = aio::create_task(value_after(2, 1000ms));
        std::vector hs{a, b};
        auto r = co_await aio::wait(hs, 50ms);
        EXPECT_EQ(r.done.size(), 1u);
        EXPECT_EQ(r.pending.size(), 1u);
        EXPECT_FALSE(b.done());
        EXPECT_FALSE(b.cancelled());
        b.cancel();
    });
}

TEST(wait, mixes_result_types_through_task_ref) {
    run_virtual([]() -> aio::task<> {
        auto n = aio::create_task(value_after(7, 20ms));
        auto s = aio::create_task([]() -> aio::task<std::string> {
            co_await aio::sleep(10ms);
            co_return "seven";
        }());
        std::vector<aio::task_ref> hs{n, s};
        auto r = co_await aio::wait(hs,
                                    aio::return_when::first_completed);
        EXPECT_EQ(r.done.size(), 1u);
        EXPECT_TRUE(!r.done.empty() && r.done[0] == s);
        EXPECT_EQ(s.result(), "seven");
        co_await n;
    });
}

TEST(wait, rejects_an_empty_list) {
    run([]() -> aio::task<> {
        std::vector<aio::task_handle<int>> none;
        EXPECT_THROW(co_await aio::wait(none), std::invalid_argument);
        co_return;
    });
}

TEST(wait, cancelling_the_waiter_does_not_cancel_the_tasks) {
    run_virtual([]() -> aio::task<> {
        auto a = aio::create_task(value_after(1, 100ms));
        auto waiter = aio::create_task(aio::wait(std::vector{a}));
        co_await aio::sleep(10ms);
        waiter.cancel();
        EXPECT_THROW(co_await waiter, aio::cancelled_error);
        EXPECT_FALSE(a.cancelled());
        EXPECT_EQ(co_await a, 1);
    });
}

TEST(as_completed, over_handles_yields_in_finish_order_and_cancels_nothing) {
    run_virtual([]() -> aio::task<> {
        auto a = aio::create_task(value_after(1, 30ms));
        auto b = aio::create_task(value_after(2, 10ms));
        auto done_first = aio::create_task(value_after(3, 0ms));
        co_await aio::sleep(1ms); // done_first has finished before iteration starts
        std::vector<int> got;
        {
            std::vector hs{a, b, done_first};
            auto it = aio::as_completed(hs);
            while (auto h = co_await it.next()) {
                got.push_back(h->result());
                if (got.size() == 2)
                    break; // dropping the iterator must not cancel `a`
            }
        }
        EXPECT_EQ(got, (std::vector<int>{3, 2}));
        EXPECT_EQ(co_await a, 1);
    });
}

TEST(as_completed, with_a_timeout_throws_timeout_error_once_it_passes) {
    run_virtual([]() -> aio::task<> {
        auto a = aio::create_task(value_after(1, 10ms));
        auto b = aio::create_task(value_after(2, 1000ms));
        std::vector hs{a, b};
        auto it = aio::as_completed(hs, 100ms);
        auto first = co_await it.next();
        EXPECT_TRUE(first && first->result() == 1);
        EXPECT_THROW(co_await it.next(), aio::timeout_error);
        EXPECT_FALSE(b.cancelled());
        b.cancel();
    });
}
