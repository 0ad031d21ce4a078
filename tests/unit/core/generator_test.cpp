// generator<T>.
#include "support/helpers.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <gtest/gtest.h>

using namespace aio_test;

namespace {
aio::generator<int> counter(int n) {
    for (int i = 1; i <= n; ++i) {
        co_await aio::sleep(1ms);
        co_yield i;
    }
}

aio::generator<std::string> failing_gen() {
    co_yield "one";
    throw std::runtime_error("generator failed");
}
} // namespace

TEST(generator, yields_values_lazily_then_nullopt) {
    run([]() -> aio::task<> {
        auto gen = counter(3);
        std::vector<int> got;
        while (auto v = co_await gen.next())
            got.push_back(*v);
        EXPECT_EQ(got, (std::vector<int>{1, 2, 3}));
        EXPECT_FALSE(co_await gen.next());
    });
}

TEST(generator, rethrows_the_body_exception) {
    run([]() -> aio::task<> {
        auto gen = failing_gen();
        EXPECT_EQ(*co_await gen.next(), "one");
        EXPECT_THROW(co_await gen.next(), std::runtime_error);
    });
}

TEST(generator, collect_drains_an_async_iterator) {
    run([]() -> aio::task<> {
        auto gen = counter(4);
        auto all = co_await aio::collect(gen);
        EXPECT_EQ(all.size(), 4u);
    });
}

TEST(generator, is_cancelled_where_its_consumer_is) {
    run_virtual([]() -> aio::task<> {
        auto h = aio::create_task([]() -> aio::task<> {
            auto gen = counter(1000000);
            while (auto v = co_await gen.next()) {
            }
        }());
        co_await aio::sleep(5ms);
        h.cancel();
        EXPECT_THROW(co_await h, aio::cancelled_error);
    });
}

// aclose(): Python's async generator finalisation (CPython's test_asyncgen.py:
// test_async_gen_asyncio_aclose_*, test_async_gen_aclose_after_exhaustion).
namespace {
aio::generator<int> with_async_cleanup(std::vector<std::string>* log) {
    std::exception_ptr stop;
    try {
        for (int i = 1;; ++i) {
            co_await aio::sleep(1ms);
            co_yield i;
        }
    } catch (...) {
        stop = std::current_exception();
    }
    log->push_back("cleanup started");
    co_await aio::sleep(5ms); // an await inside the cleanup
    log->push_back("cleanup done");
    if (stop)
        std::rethrow_exception(stop);
}
} // namespace

TEST(generator, aclose_runs_cleanup_that_awaits) {
    std::vector<std::string> log;
    run_virtual([&]() -> aio::task<> {
        auto gen = with_async_cleanup(&log);
        EXPECT_EQ(co_await gen.next(), std::optional<int>(1));
        EXPECT_EQ(co_await gen.next(), std::optional<int>(2));
        co_await gen.aclose();
        log.push_back("closed");
        EXPECT_EQ(co_await gen.next(), std::nullopt);
        co_await gen.aclose(); // idempotent
    });
    EXPECT_EQ(log, (std::vector<std::string>{"cleanup started", "cleanup done", "closed"}));
}

TEST(generator, aclose_of_an_unstarted_or_exhausted_generator_runs_nothing) {
    std::vector<std::string> log;
    run([&]() -> aio::task<> {
        auto fresh = with_async_cleanup(&log);
        co_await fresh.aclose();
        EXPECT_EQ(co_await fresh.next(), std::nullopt); // never runs after a close
        auto short_one = []() -> aio::generator<int> { co_yield 1; }();
        EXPECT_EQ(co_await short_one.next(), std::optional<int>(1));
        EXPECT_EQ(co_await short_one.next(), std::nullopt);
        co_await short_one.aclose();
    });
    EXPECT_TRUE(log.empty());
}

TEST(generator, a_generator_that_yields_while_closing_is_an_error) {
    run([]() -> aio::task<> {
        auto stubborn = []() -> aio::generator<int> {
            for (;;) {
                try {
                    co_yield 1;
                } catch (const aio::generator_exit&) {
                    // swallowed: yields again
                }
            }
        }();
        EXPECT_EQ(co_await stubborn.next(), std::optional<int>(1));
        EXPECT_THROW(co_await stubborn.aclose(), aio::runtime_error);
    });
}

TEST(generator, an_error_raised_by_the_cleanup_reaches_aclose) {
    run([]() -> aio::task<> {
        auto failing = []() -> aio::generator<int> {
            try {
                co_yield 1;
            } catch (const aio::generator_exit&) {
                throw std::runtime_error("cleanup failed");
            }
        }();
        EXPECT_EQ(co_await failing.next(), std::optional<int>(1));
        EXPECT_THROW(co_await failing.aclose(), std::runtime_error);
    });
}

TEST(generator, destroying_a_suspended_generator_runs_its_async_cleanup_in_a_task) {
    std::vector<std::string> log;
    run_virtual([&]() -> aio::task<> {
        {
            auto gen = with_async_cleanup(&log);
            EXPECT_EQ(co_await gen.next(), std::optional<int>(1));
        } // dropped while suspended at co_yield: Python's asyncgen finalizer hook
        log.push_back("dropped");
        co_await aio::sleep(20ms);
    });
    EXPECT_EQ(log, (std::vector<std::string>{"dropped", "cleanup started", "cleanup done"}));
}
