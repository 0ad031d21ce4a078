#include <aio/core.hpp>
#include <aio/os/signal.hpp>

#include <atomic>
#include <csignal>
#include <thread>

#include <gtest/gtest.h>

using namespace std::chrono_literals;

namespace {
void (*handler_of(int sig))(int) {
    struct sigaction sa {};
    ::sigaction(sig, nullptr, &sa);
    return sa.sa_handler;
}
} // namespace

TEST(signal_received, returns_the_signal_raised) {
    int got = aio::run([]() -> aio::task<int> {
        auto h = aio::create_task([]() -> aio::task<int> {
            co_return co_await aio::signal_received(SIGUSR1, SIGUSR2);
        }());
        co_await aio::sleep(1ms);
        ::raise(SIGUSR2);
        co_return co_await h;
    }());
    EXPECT_EQ(got, SIGUSR2);
    EXPECT_EQ(handler_of(SIGUSR2), SIG_DFL); // restored at loop end
}

TEST(signal_received, wakes_every_waiter) {
    auto [a, b] = aio::run([]() -> aio::task<std::pair<int, int>> {
        auto w = []() -> aio::task<int> { co_return co_await aio::signal_received(SIGUSR1); };
        auto h1 = aio::create_task(w());
        auto h2 = aio::create_task(w());
        co_await aio::sleep(1ms);
        ::raise(SIGUSR1);
        co_return std::pair{co_await h1, co_await h2};
    }());
    EXPECT_EQ(a, SIGUSR1);
    EXPECT_EQ(b, SIGUSR1);
}

TEST(signal_received, keeps_a_signal_that_arrives_between_waits) {
    auto n = aio::run([]() -> aio::task<int> {
        int count = 0;
        // First wait installs the handler; the next signals arrive while nobody waits.
        auto h = aio::create_task(
            []() -> aio::task<int> { co_return co_await aio::signal_received(SIGUSR1); }());
        co_await aio::sleep(1ms);
        ::raise(SIGUSR1);
        count += co_await h == SIGUSR1;
        ::raise(SIGUSR1); // nobody waits: pending, not fatal
        co_await aio::sleep(1ms);
        count += co_await aio::signal_received(SIGUSR1) == SIGUSR1; // returns at once
        co_return count;
    }());
    EXPECT_EQ(n, 2);
}

TEST(signal_received, cancellation_by_timeout_unregisters_the_waiter) {
    aio::run([]() -> aio::task<> {
        EXPECT_THROW(co_await aio::wait_for(aio::signal_received(SIGUSR2), 5ms),
                     aio::timeout_error);
        // The signal after the timeout is kept for the next wait, not delivered to the dead one.
        ::raise(SIGUSR2);
        EXPECT_EQ(co_await aio::wait_for(aio::signal_received(SIGUSR2), 1s), SIGUSR2);
    }());
}

TEST(signal_received, rejects_signals_that_cannot_be_caught) {
    aio::run([]() -> aio::task<> {
        EXPECT_THROW((void)aio::signal_received(SIGKILL), aio::error);
        EXPECT_THROW((void)aio::signal_received(SIGUSR1, 0), aio::error);
        try {
            (void)aio::signal_received(SIGSTOP);
        } catch (const aio::error& e) {
            EXPECT_NE(std::string(e.what()).find(std::to_string(SIGSTOP)), std::string::npos);
        }
        co_return;
    }());
}

TEST(add_signal_handler, runs_the_callback_on_the_loop_and_restores_on_remove) {
    int calls = 0;
    aio::run([](int& calls) -> aio::task<> {
        aio::add_signal_handler(SIGHUP, [&calls] { ++calls; });
        EXPECT_NE(handler_of(SIGHUP), SIG_DFL);
        ::raise(SIGHUP);
        co_await aio::sleep(2ms);
        ::raise(SIGHUP);
        co_await aio::sleep(2ms);
        EXPECT_TRUE(aio::remove_signal_handler(SIGHUP));
        EXPECT_FALSE(aio::remove_signal_handler(SIGHUP));
        EXPECT_EQ(handler_of(SIGHUP), SIG_DFL);
    }(calls));
    EXPECT_EQ(calls, 2);
}

TEST(add_signal_handler, takes_precedence_over_ctrl_c_cancellation) {
    bool got = false;
    aio::run([](bool& got) -> aio::task<> {
        aio::add_signal_handler(SIGINT, [&] { got = true; });
        ::raise(SIGINT);
        for (int i = 0; i < 1000 && !got; ++i)
            co_await aio::sleep(1ms); // not cancelled
    }(got));
    EXPECT_TRUE(got);
    EXPECT_EQ(handler_of(SIGINT), SIG_DFL);
}

TEST(signal_received, every_loop_that_waits_gets_a_process_signal) {
    // Two loops on two threads wait for SIGUSR1; one kill() to the process wakes both,
    // whichever thread the kernel picks to run the handler.
    std::atomic<int> ready{0};
    auto waiter = [&ready] {
        return aio::run([](std::atomic<int>& ready) -> aio::task<int> {
            auto h = aio::create_task(
                []() -> aio::task<int> { co_return co_await aio::signal_received(SIGUSR1); }());
            co_await aio::sleep(1ms); // the waiter is registered now
            ++ready;
            co_return co_await aio::wait_for(h, 10s);
        }(ready));
    };
    int a = 0, b = 0;
    std::thread t1([&] { a = waiter(); });
    std::thread t2([&] { b = waiter(); });
    for (int i = 0; i < 5000 && ready.load() < 2; ++i)
        std::this_thread::sleep_for(1ms);
    ::kill(::getpid(), SIGUSR1);
    t1.join();
    t2.join();
    EXPECT_EQ(a, SIGUSR1);
    EXPECT_EQ(b, SIGUSR1);
    EXPECT_EQ(handler_of(SIGUSR1), SIG_DFL);
}
