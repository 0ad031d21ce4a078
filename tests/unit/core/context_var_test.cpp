// aio::context_var (contextvars; cases after CPython's test_context.py and asyncio's
// test_context.py: tasks copy their creator's context, changes never flow back).
#include "support/helpers.hpp"

#include <stdexcept>

#include <gtest/gtest.h>

using namespace aio_test;

namespace {
aio::context_var<std::string> request_id("request_id", "-");
aio::context_var<int> depth("depth");

aio::task<std::string> read_id_later() {
    co_await aio::sleep(5ms);
    co_return request_id.get();
}
} // namespace

TEST(context_var, default_then_set_get_reset) {
    run([]() -> aio::task<> {
        EXPECT_EQ(request_id.get(), "-");
        EXPECT_THROW((void)depth.get(), aio::lookup_error);
        EXPECT_EQ(depth.get(7), 7);
        auto t1 = request_id.set("r-1");
        auto t2 = request_id.set("r-2");
        EXPECT_EQ(request_id.get(), "r-2");
        EXPECT_EQ(t2.old_value(), std::optional<std::string>("r-1"));
        EXPECT_EQ(t1.old_value(), std::nullopt);
        request_id.reset(t2);
        EXPECT_EQ(request_id.get(), "r-1");
        EXPECT_THROW(request_id.reset(t2), aio::runtime_error);
        request_id.reset(t1);
        EXPECT_EQ(request_id.get(), "-");
        aio::context_var<std::string> user("user");
        auto other = user.set("ann");
        EXPECT_THROW(request_id.reset(other), std::invalid_argument); // another variable's token
        co_return;
    });
}

TEST(context_var, a_task_starts_with_a_copy_of_its_creators_values) {
    run_virtual([]() -> aio::task<> {
        auto tok = request_id.set("parent");
        auto child = aio::create_task(read_id_later());
        request_id.set("parent-changed-after"); // the child copied the context at creation
        EXPECT_EQ(co_await child, "parent");
        auto [a, b] = co_await aio::gather(read_id_later(), read_id_later());
        EXPECT_EQ(a, "parent-changed-after");
        EXPECT_EQ(b, "parent-changed-after");
        request_id.reset(tok);
    });
}

TEST(context_var, a_childs_changes_never_reach_its_parent_or_siblings) {
    run_virtual([]() -> aio::task<> {
        request_id.set("parent");
        auto writer = aio::create_task([]() -> aio::task<std::string> {
            request_id.set("child");
            co_await aio::sleep(1ms);
            co_return request_id.get();
        }());
        auto sibling = aio::create_task(read_id_later());
        EXPECT_EQ(co_await writer, "child");
        EXPECT_EQ(request_id.get(), "parent");
        EXPECT_EQ(co_await sibling, "parent");
    });
}

TEST(context_var, inline_awaits_share_the_tasks_context) {
    run([]() -> aio::task<> {
        co_await []() -> aio::task<> {
            depth.set(3); // an awaited coroutine runs in its caller's task, as in asyncio
            co_return;
        }();
        EXPECT_EQ(depth.get(), 3);
    });
}

TEST(context_var, aio_run_starts_from_the_threads_context) {
    auto tok = request_id.set("from-main-thread");
    std::string seen = run([]() -> aio::task<std::string> { co_return request_id.get(); });
    EXPECT_EQ(seen, "from-main-thread");
    request_id.reset(tok);
    EXPECT_EQ(request_id.get(), "-");
}
