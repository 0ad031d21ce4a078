// aio::future / aio::promise (asyncio.Future; cases after CPython's test_futures.py).
#include "support/helpers.hpp"

#include <memory>
#include <stdexcept>

#include <gtest/gtest.h>

using namespace aio_test;

TEST(future, result_set_by_a_callback_reaches_every_awaiter) {
    run_virtual([]() -> aio::task<> {
        aio::future<int> f;
        EXPECT_FALSE(f.done());
        EXPECT_THROW((void)f.result(), aio::invalid_state_error);
        aio::get_running_loop().call_later(10ms, [f]() mutable { f.set_result(42); });
        auto waiter = [](aio::future<int> g) -> aio::task<int> { co_return co_await g; };
        auto a = aio::create_task(waiter(f));
        auto b = aio::create_task(waiter(f));
        EXPECT_EQ(co_await f, 42);
        EXPECT_EQ(co_await a, 42);
        EXPECT_EQ(co_await b, 42);
        EXPECT_EQ(f.result(), 42);
        EXPECT_EQ(f.exception(), nullptr);
    });
}

TEST(future, set_twice_is_an_invalid_state) {
    run([]() -> aio::task<> {
        aio::future<int> f;
        f.set_result(1);
        EXPECT_THROW(f.set_result(2), aio::invalid_state_error);
        EXPECT_THROW(f.set_exception(std::make_exception_ptr(std::runtime_error("x"))),
                     aio::invalid_state_error);
        EXPECT_FALSE(f.cancel());
        EXPECT_EQ(co_await f, 1);
    });
}

TEST(future, exception_is_rethrown_to_awaiters) {
    run([]() -> aio::task<> {
        aio::future<> f;
        f.set_exception(std::make_exception_ptr(std::runtime_error("db down")));
        try {
            co_await f;
            ADD_FAILURE();
        } catch (const std::runtime_error& e) {
            EXPECT_STREQ(e.what(), "db down");
        }
        EXPECT_NE(f.exception(), nullptr);
    });
}

TEST(future, cancel_with_message_reaches_awaiters) {
    run_virtual([]() -> aio::task<> {
        aio::future<int> f;
        aio::get_running_loop().call_later(5ms, [f]() mutable { f.cancel("shutting down"); });
        try {
            (void)co_await f;
            ADD_FAILURE();
        } catch (const aio::cancelled_error& e) {
            EXPECT_STREQ(e.what(), "shutting down");
        }
        EXPECT_TRUE(f.cancelled());
        EXPECT_THROW((void)f.exception(), aio::cancelled_error);
    });
}

TEST(future, cancelling_an_awaiting_task_cancels_the_future) {
    run_virtual([]() -> aio::task<> {
        aio::future<int> f;
        auto t =
            aio::create_task([](aio::future<int> g) -> aio::task<int> { co_return co_await g; }(f));
        co_await aio::sleep(1ms);
        t.cancel();
        EXPECT_THROW(co_await t, aio::cancelled_error);
        EXPECT_TRUE(f.cancelled()); // asyncio: Task.cancel cancels the future it waits on
    });
}

TEST(future, wait_for_times_out_and_cancels_the_future) {
    run_virtual([]() -> aio::task<> {
        aio::future<int> f;
        EXPECT_THROW(co_await aio::wait_for(f, 10ms), aio::timeout_error);
        EXPECT_TRUE(f.cancelled());
    });
}

TEST(future, done_callbacks_run_after_the_result_in_order) {
    std::vector<int> order;
    run_virtual([&]() -> aio::task<> {
        aio::future<int> f;
        f.add_done_callback([&](aio::future<int> g) { order.push_back(g.result()); });
        f.add_done_callback([&](aio::future<int>) { order.push_back(-1); });
        f.set_result(5);
        EXPECT_TRUE(order.empty()); // scheduled, not run inline (asyncio)
        co_await aio::sleep(0ms);
        f.add_done_callback([&](aio::future<int>) { order.push_back(9); }); // already done
        co_await aio::sleep(0ms);
    });
    EXPECT_EQ(order, (std::vector<int>{5, -1, 9}));
}

TEST(future, move_only_result_is_moved_out_once) {
    run([]() -> aio::task<> {
        aio::future<std::unique_ptr<int>> f;
        f.set_result(std::make_unique<int>(3));
        auto p = co_await f;
        EXPECT_EQ(*p, 3);
        EXPECT_THROW((void)f.result(), aio::invalid_state_error);
    });
}

TEST(promise, set_value_wakes_the_future_and_a_broken_promise_fails_it) {
    run_virtual([]() -> aio::task<> {
        aio::future<std::string> kept;
        aio::future<std::string> broken;
        {
            aio::promise<std::string> p;
            kept = p.get_future();
            aio::get_running_loop().call_later(
                1ms, [q = std::make_shared<aio::promise<std::string>>(std::move(p))] {
                    q->set_value("ok");
                });
            aio::promise<std::string> dropped;
            broken = dropped.get_future();
        }
        EXPECT_EQ(co_await kept, "ok");
        EXPECT_THROW(co_await broken, aio::invalid_state_error);
    });
}
