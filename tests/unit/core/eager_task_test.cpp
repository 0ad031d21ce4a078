// aio::create_eager_task: asyncio's create_task(coro, eager_start=True).
#include "support/helpers.hpp"

#include <aio/sync.hpp>

#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

using namespace aio_test;

namespace {

aio::task<int> note_then_sleep(std::vector<std::string>* log, std::string who) {
    log->push_back(who + " starts");
    co_await aio::sleep(0s);
    log->push_back(who + " resumes");
    co_return 7;
}

aio::task<int> immediate(std::vector<std::string>* log) {
    log->push_back("immediate runs");
    co_return 42;
}

aio::task<int> throws_at_once() {
    throw std::runtime_error("failed before suspending");
    co_return 0;
}

aio::task<> nested(std::vector<std::string>* log, int depth) {
    log->push_back("enter " + std::to_string(depth));
    if (depth < 3) {
        auto h = aio::create_eager_task(nested(log, depth + 1));
        log->push_back("after child of " + std::to_string(depth) +
                       (h.done() ? " (child done)" : " (child pending)"));
        co_await h;
    }
    co_return;
}

} // namespace

TEST(eager_task, runs_its_first_step_inside_create_eager_task) {
    std::vector<std::string> log;
    run([&]() -> aio::task<> {
        auto lazy = aio::create_task(note_then_sleep(&log, "lazy"));
        log.push_back("after create_task");
        auto eager = aio::create_eager_task(note_then_sleep(&log, "eager"));
        log.push_back("after create_eager_task");
        EXPECT_EQ(co_await eager, 7);
        EXPECT_EQ(co_await lazy, 7);
    });
    const std::vector<std::string> expected{"after create_task",       "eager starts",
                                            "after create_eager_task", "lazy starts",
                                            "eager resumes",           "lazy resumes"};
    EXPECT_EQ(log, expected);
}

TEST(eager_task, is_done_before_any_await_when_it_never_suspends) {
    std::vector<std::string> log;
    run([&]() -> aio::task<> {
        auto h = aio::create_eager_task(immediate(&log), "cached");
        EXPECT_TRUE(h.done());
        EXPECT_EQ(h.result(), 42); // no loop turn needed
        EXPECT_EQ(h.name(), "cached");
        EXPECT_EQ(co_await h, 42);
        co_return;
    });
    EXPECT_EQ(log, std::vector<std::string>{"immediate runs"});
}

TEST(eager_task, keeps_an_exception_of_its_eager_part_in_the_handle) {
    run([&]() -> aio::task<> {
        auto h = aio::create_eager_task(throws_at_once());
        EXPECT_TRUE(h.done());
        EXPECT_FALSE(h.cancelled());
        EXPECT_THROW(co_await h, std::runtime_error);
        // The creator kept running: it is still the current task.
        EXPECT_EQ(aio::current_task().name(), "main");
    });
}

TEST(eager_task, can_be_cancelled_right_after_creation) {
    bool cancelled = false;
    run([&]() -> aio::task<> {
        auto h = aio::create_eager_task(mark_on_cancel(&cancelled));
        EXPECT_FALSE(h.done()); // parked in its sleep
        EXPECT_TRUE(h.cancel());
        EXPECT_THROW(co_await h, aio::cancelled_error);
        EXPECT_TRUE(h.cancelled());
    });
    EXPECT_TRUE(cancelled);
}

TEST(eager_task, nests_eager_creation_depth_first) {
    std::vector<std::string> log;
    run([&]() -> aio::task<> { co_await nested(&log, 0); });
    const std::vector<std::string> expected{
        "enter 0",
        "enter 1",
        "enter 2",
        "enter 3",
        "after child of 2 (child done)",
        "after child of 1 (child done)",
        "after child of 0 (child done)",
    };
    EXPECT_EQ(log, expected);
}

TEST(eager_task, runs_eagerly_in_debug_and_trace_modes_too) {
    std::vector<std::string> log;
    aio::run_options o;
    o.debug = true;
    o.timeline = true;
    testing::internal::CaptureStderr();
    aio::run(
        [](std::vector<std::string>* log) -> aio::task<> {
            auto h = aio::create_eager_task(note_then_sleep(log, "eager"));
            log->push_back("creator continues");
            co_await h;
        }(&log),
        o);
    const std::string err = testing::internal::GetCapturedStderr();
    const std::vector<std::string> expected{"eager starts", "creator continues", "eager resumes"};
    EXPECT_EQ(log, expected);
    EXPECT_NE(err.find("timeline"), std::string::npos);
}

TEST(eager_task, needs_a_running_loop) {
    std::vector<std::string> log;
    EXPECT_THROW((void)aio::create_eager_task(immediate(&log)), aio::runtime_error);
    EXPECT_TRUE(log.empty()); // the body never ran
}
