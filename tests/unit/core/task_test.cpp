// task<T>, run, create_task.
#include "support/helpers.hpp"

#include <aio/sync.hpp>

#include <stdexcept>

#include <gtest/gtest.h>

using namespace aio_test;

#if defined(__SANITIZE_THREAD__)
#define AIO_TEST_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define AIO_TEST_TSAN 1
#endif
#endif

namespace {
aio::task<int> twice(int x, bool* ran) {
    *ran = true;
    co_return 2 * x;
}

aio::task<long> depth(int n) {
    if (n == 0)
        co_return 0;
    co_return 1 + co_await depth(n - 1);
}

aio::task<void> fail(std::string msg) {
    co_await aio::sleep(0ms);
    throw std::runtime_error(msg);
}

int g_value = 5;
aio::task<int&> ref() {
    co_return g_value;
}
} // namespace

TEST(task, does_not_start_until_awaited) {
    bool ran = false;
    run([&]() -> aio::task<> {
        auto t = twice(21, &ran);
        co_await aio::sleep(1ms);
        EXPECT_FALSE(ran);
        EXPECT_EQ(co_await std::move(t), 42);
        EXPECT_TRUE(ran);
    });
}

TEST(task, destroyed_unstarted_task_never_runs) {
    bool ran = false;
    run([&]() -> aio::task<> {
        { auto t = twice(1, &ran); }
        co_await aio::sleep(0ms);
    });
    EXPECT_FALSE(ran);
}

TEST(task, deep_await_chain_does_not_grow_the_stack) {
#ifdef AIO_DETAIL_ASAN
    GTEST_SKIP() << "AddressSanitizer instrumentation prevents the tail call that symmetric "
                    "transfer compiles to, so deep chains grow the stack only under ASan";
#endif
#ifdef AIO_TEST_TSAN
    GTEST_SKIP() << "ThreadSanitizer instruments every function exit (and its CI build is "
                    "-O0), which prevents the tail call that symmetric transfer compiles to, "
                    "so deep chains grow the stack only under TSan";
#endif
    // A million nested awaits would overflow an 8 MiB stack without symmetric transfer.
    EXPECT_EQ(run([] { return depth(1'000'000); }), 1'000'000);
}

TEST(task, exception_propagates_to_awaiter) {
    run([]() -> aio::task<> {
        EXPECT_THROW(co_await fail("bad"), std::runtime_error);
        co_return;
    });
}

TEST(task, reference_result_refers_to_the_same_object) {
    run([]() -> aio::task<> {
        int& r = co_await ref();
        EXPECT_EQ(&r, &g_value);
    });
}

TEST(run, returns_the_main_result) {
    EXPECT_EQ(aio::run(depth(3)), 3);
}

TEST(run, rethrows_the_main_exception) {
    EXPECT_THROW(aio::run(fail("main failed")), std::runtime_error);
}

TEST(run, nested_run_throws_runtime_error_that_says_to_co_await) {
    run([]() -> aio::task<> {
        try {
            aio::run(depth(1));
            ADD_FAILURE() << "nested run did not throw";
        } catch (const aio::runtime_error& e) {
            EXPECT_NE(std::string(e.what()).find("co_await"), std::string::npos);
        }
        co_return;
    });
}

TEST(run, can_run_again_after_a_loop_ended) {
    EXPECT_EQ(aio::run(depth(2)), 2);
    EXPECT_EQ(aio::run(depth(4)), 4);
}

TEST(run, cancels_tasks_still_running_at_the_end) {
    bool cleaned_up = false;
    run([&]() -> aio::task<> {
        aio::spawn([](bool* flag) -> aio::task<> {
            try {
                co_await aio::sleep(1h);
            } catch (const aio::cancelled_error&) {
                *flag = true;
                throw;
            }
        }(&cleaned_up));
        co_await aio::sleep(1ms);
    });
    EXPECT_TRUE(cleaned_up);
}

TEST(run, unknown_backend_is_a_clear_error) {
    aio::run_options o;
    o.backend = "kqueue";
    try {
        aio::run(depth(1), o);
        FAIL();
    } catch (const aio::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("kqueue"), std::string::npos);
    }
}

TEST(run, backend_can_be_chosen) {
    for (const char* b : {"epoll", "io_uring"}) {
        const std::string used = aio_test::backend_used({.backend = b});
        if (std::string(b) == "epoll")
            EXPECT_EQ(used, "epoll");
        else
            EXPECT_TRUE(used == "io_uring" || used == "epoll"); // may fall back
    }
}

TEST(create_task, accepts_any_awaitable_as_asyncio_ensure_future_does) {
    aio::run([]() -> aio::task<> {
        aio::event ev;
        auto waiter = aio::create_task(ev.wait(), "waits-for-event");
        aio::spawn(aio::sleep(1ms));
        co_await aio::sleep(1ms);
        EXPECT_FALSE(waiter.done());
        ev.set();
        co_await waiter;
        EXPECT_TRUE(waiter.done());
        EXPECT_EQ(waiter.name(), "waits-for-event");
    }());
}
