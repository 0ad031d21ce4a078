// Task bookkeeping on handles (asyncio's Task API: cancel(msg), set_name, result(),
// exception(), add_done_callback, all_tasks; cases after CPython's test_tasks.py).
#include "support/helpers.hpp"

#include <algorithm>
#include <stdexcept>

#include <gtest/gtest.h>

using namespace aio_test;

TEST(task_handle, result_and_exception_before_done_are_invalid_state) {
    run_virtual([]() -> aio::task<> {
        auto h = aio::create_task(value_after(1, 10ms));
        EXPECT_THROW((void)h.result(), aio::invalid_state_error);
        EXPECT_THROW((void)h.exception(), aio::invalid_state_error);
        co_await aio::sleep(20ms);
        EXPECT_EQ(h.result(), 1);
        EXPECT_EQ(h.exception(), nullptr);
    });
}

TEST(task_handle, exception_returns_the_error_and_result_rethrows_it) {
    report_capture reports;
    run_virtual([&]() -> aio::task<> {
        reports.install();
        auto h = aio::create_task([]() -> aio::task<int> {
            co_await aio::sleep(1ms);
            throw std::logic_error("bad input");
        }());
        co_await aio::sleep(5ms);
        std::exception_ptr e = h.exception();
        EXPECT_NE(e, nullptr);
        if (!e)
            co_return;
        EXPECT_THROW(std::rethrow_exception(e), std::logic_error);
        EXPECT_THROW((void)h.result(), std::logic_error);
    });
    EXPECT_FALSE(reports.contains("never retrieved")); // exception() retrieved it
}

TEST(task_handle, cancel_message_is_carried_by_cancelled_error) {
    run_virtual([]() -> aio::task<> {
        std::string seen_inside;
        auto h = aio::create_task([](std::string* seen) -> aio::task<> {
            try {
                co_await aio::sleep(1h);
            } catch (const aio::cancelled_error& e) {
                *seen = e.what();
                throw;
            }
        }(&seen_inside));
        co_await aio::sleep(1ms);
        EXPECT_TRUE(h.cancel("user pressed stop"));
        try {
            co_await h;
            ADD_FAILURE();
        } catch (const aio::cancelled_error& e) {
            EXPECT_STREQ(e.what(), "user pressed stop");
        }
        EXPECT_EQ(seen_inside, "user pressed stop");
        EXPECT_THROW((void)h.exception(), aio::cancelled_error);
        EXPECT_FALSE(h.cancel("again")); // done
    });
}

TEST(task_handle, cancel_without_message_keeps_the_default) {
    run_virtual([]() -> aio::task<> {
        auto h = aio::create_task(value_after(1, 1h));
        co_await aio::sleep(1ms);
        h.cancel();
        try {
            co_await h;
        } catch (const aio::cancelled_error& e) {
            EXPECT_STREQ(e.what(), "task was cancelled");
        }
    });
}

TEST(task_handle, set_name_renames_an_unnamed_task) {
    run([]() -> aio::task<> {
        auto h = aio::create_task(value_after(1, 1ms));
        EXPECT_EQ(h.name().rfind("Task-", 0), 0u);
        h.set_name("downloader");
        EXPECT_EQ(h.name(), "downloader");
        auto named = aio::create_task(value_after(2, 1ms), "first");
        named.set_name("second");
        EXPECT_EQ(named.name(), "second");
        co_await h;
        co_await named;
    });
}

TEST(task_handle, done_callbacks_run_once_in_order_after_the_task) {
    std::vector<std::string> log;
    run_virtual([&]() -> aio::task<> {
        auto h = aio::create_task(value_after(4, 10ms), "worker");
        h.add_done_callback([&](aio::task_ref t) { log.push_back("a:" + t.name()); });
        h.add_done_callback([&](aio::task_ref t) { log.push_back(t.done() ? "b:done" : "b:?"); });
        co_await h;
        log.push_back("awaited");
        co_await aio::sleep(0ms);
        h.add_done_callback([&](aio::task_ref) { log.push_back("late"); });
        co_await aio::sleep(0ms);
    });
    // As in asyncio, where awaiting a task adds the awaiter's wake-up as one more done
    // callback: the callbacks added before the await run before the awaiter resumes.
    EXPECT_EQ(log, (std::vector<std::string>{"a:worker", "b:done", "awaited", "late"}));
}

TEST(task_handle, a_throwing_done_callback_is_reported_not_fatal) {
    report_capture reports;
    run_virtual([&]() -> aio::task<> {
        reports.install();
        auto h = aio::create_task(value_after(1, 1ms));
        h.add_done_callback([](aio::task_ref) { throw std::runtime_error("callback broke"); });
        co_await h;
        co_await aio::sleep(1ms);
    });
    EXPECT_TRUE(reports.contains("callback broke"));
}

TEST(all_tasks, lists_the_live_tasks_including_main) {
    run_virtual([]() -> aio::task<> {
        auto a = aio::create_task(value_after(1, 10ms), "a");
        auto b = aio::create_task(value_after(2, 20ms), "b");
        auto names = [] {
            std::vector<std::string> n;
            for (auto& t : aio::all_tasks())
                n.push_back(t.name());
            std::sort(n.begin(), n.end());
            return n;
        };
        EXPECT_EQ(names(), (std::vector<std::string>{"a", "b", "main"}));
        co_await a;
        EXPECT_EQ(names(), (std::vector<std::string>{"b", "main"}));
        co_await b;
        const auto live = aio::all_tasks();
        EXPECT_TRUE(std::find(live.begin(), live.end(), aio::current_task()) != live.end());
    });
}
