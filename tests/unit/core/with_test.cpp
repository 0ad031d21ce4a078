// with (async resource scopes).
#include "support/helpers.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <gtest/gtest.h>

using namespace aio_test;

namespace {
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
