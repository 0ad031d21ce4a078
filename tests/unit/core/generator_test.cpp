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
