// task_group, generator, with, trace export.
#include "support/helpers.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <gtest/gtest.h>

using namespace aio_test;

namespace {
aio::task<int> value_after(int v, std::chrono::milliseconds d) {
    co_await aio::sleep(d);
    co_return v;
}
aio::task<> fail_after(std::chrono::milliseconds d, std::string msg) {
    co_await aio::sleep(d);
    throw std::runtime_error(msg);
}
aio::task<> mark_on_cancel(bool* cancelled) {
    try {
        co_await aio::sleep(1h);
    } catch (const aio::cancelled_error&) {
        *cancelled = true;
        throw;
    }
}

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

struct resource {
    std::vector<std::string>* log;
    aio::task<resource&> enter() {
        co_await aio::sleep(1ms);
        log->push_back("enter");
        co_return *this;
    }
    aio::task<void> exit(std::exception_ptr e) {
        co_await aio::sleep(1ms); // async cleanup, also when cancelled
        log->push_back(e ? "exit with error" : "exit");
    }
};
struct suppressing {
    aio::task<int> enter() { co_return 1; }
    aio::task<bool> exit(std::exception_ptr) { co_return true; }
};
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

TEST(with, runs_exit_after_the_body_and_on_error) {
    std::vector<std::string> log;
    run([&]() -> aio::task<> {
        resource r{&log};
        int n = co_await aio::with(r, [&](resource&) -> aio::task<int> {
            log.push_back("body");
            co_return 3;
        });
        EXPECT_EQ(n, 3);
        EXPECT_THROW(co_await aio::with(r,
                                        [](resource&) -> aio::task<> {
                                            throw std::runtime_error("body failed");
                                            co_return;
                                        }),
                     std::runtime_error);
    });
    EXPECT_EQ(log, (std::vector<std::string>{"enter", "body", "exit", "enter", "exit with error"}));
}

TEST(with, exit_completes_even_when_the_task_is_cancelled) {
    std::vector<std::string> log;
    run_virtual([&]() -> aio::task<> {
        auto h = aio::create_task([](std::vector<std::string>* l) -> aio::task<> {
            co_await aio::with(resource{l},
                               [](resource&) -> aio::task<> { co_await aio::sleep(1h); });
        }(&log));
        co_await aio::sleep(5ms);
        h.cancel();
        EXPECT_THROW(co_await h, aio::cancelled_error);
    });
    EXPECT_EQ(log, (std::vector<std::string>{"enter", "exit with error"}));
}

TEST(with, exit_returning_true_suppresses_the_exception) {
    run([]() -> aio::task<> {
        co_await aio::with(suppressing{}, [](int) -> aio::task<> {
            throw std::runtime_error("suppressed");
            co_return;
        });
    });
}

TEST(trace, writes_chrome_trace_events_for_every_task) {
    const std::string path = ::testing::TempDir() + "aio_trace_test.json";
    ::setenv("AIO_TRACE", path.c_str(), 1);
    run([]() -> aio::task<> { co_await aio::gather(value_after(1, 2ms), value_after(2, 1ms)); });
    ::unsetenv("AIO_TRACE");
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string json = ss.str();
    EXPECT_NE(json.find("\"traceEvents\""), std::string::npos);
    EXPECT_NE(json.find("\"main\""), std::string::npos);
    EXPECT_NE(json.find("\"ph\":\"X\""), std::string::npos);
}
