// task_group.
#include "support/helpers.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <gtest/gtest.h>

using namespace aio_test;

namespace {
aio::task<> fail_after(std::chrono::milliseconds d, std::string msg) {
    co_await aio::sleep(d);
    throw std::runtime_error(msg);
}

} // namespace

TEST(task_group, join_waits_for_every_child) {
    run_virtual([]() -> aio::task<> {
        aio::task_group g;
        auto a = g.spawn(value_after(1, 10ms));
        auto b = g.spawn(value_after(2, 30ms));
        EXPECT_EQ(g.running(), 2u);
        co_await g.join();
        EXPECT_TRUE(a.done());
        EXPECT_TRUE(b.done());
        EXPECT_EQ(co_await b, 2);
    });
}

TEST(task_group, a_failing_child_cancels_the_rest_and_errors_are_collected) {
    bool cancelled = false;
    run_virtual([&]() -> aio::task<> {
        aio::task_group g;
        g.spawn(mark_on_cancel(&cancelled));
        g.spawn(fail_after(5ms, "first"));
        // A sibling whose cleanup fails too: both errors are collected.
        g.spawn([]() -> aio::task<> {
            try {
                co_await aio::sleep(1h);
            } catch (const aio::cancelled_error&) {
                throw std::runtime_error("second");
            }
        }());
        try {
            co_await g.join();
            ADD_FAILURE();
        } catch (const aio::task_group_error& e) {
            EXPECT_EQ(e.errors().size(), 2u);
            EXPECT_NE(std::string(e.what()).find("first"), std::string::npos);
            EXPECT_NE(std::string(e.what()).find("second"), std::string::npos);
        }
    });
    EXPECT_TRUE(cancelled);
}

TEST(task_group, works_as_a_context_manager) {
    run_virtual([]() -> aio::task<> {
        aio::task_group g;
        int total = 0;
        co_await aio::with(g, [&](aio::task_group& grp) -> aio::task<> {
            grp.spawn([](int* t) -> aio::task<> { *t += co_await value_after(5, 5ms); }(&total));
            co_return;
        });
        EXPECT_EQ(total, 5); // the scope joined its children
        EXPECT_THROW(g.spawn(value_after(1, 1ms)), aio::invalid_state_error);
    });
}
