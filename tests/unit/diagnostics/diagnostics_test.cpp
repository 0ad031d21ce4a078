// Diagnostics: unretrieved exceptions, debug-mode reports, trace export.
#include "support/helpers.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <gtest/gtest.h>

using namespace aio_test;

namespace {
aio::task<> nap(std::chrono::milliseconds d) {
    co_await aio::sleep(d);
}
} // namespace

TEST(diagnostics, unretrieved_exception_is_reported_with_the_task_name) {
    report_capture cap;
    run([&]() -> aio::task<> {
        cap.install();
        aio::spawn(
            []() -> aio::task<> {
                co_await aio::sleep(0s);
                throw std::runtime_error("lost error");
            }(),
            "forgotten");
        co_await aio::sleep(5ms);
    });
    EXPECT_TRUE(cap.contains("never retrieved"));
    EXPECT_TRUE(cap.contains("forgotten"));
    EXPECT_TRUE(cap.contains("lost error"));
}

TEST(diagnostics, debug_mode_reports_a_blocking_task_with_name_and_site) {
    report_capture cap;
    aio::run_options o;
    o.debug = true;
    o.slow_callback_duration = 20ms;
    run(
        [&]() -> aio::task<> {
            cap.install();
            auto h = aio::create_task(
                []() -> aio::task<> {
                    std::this_thread::sleep_for(60ms); // the pitfall: blocks the loop
                    co_return;
                }(),
                "blocker");
            co_await h;
        },
        o);
    EXPECT_TRUE(cap.contains("blocker"));
    EXPECT_TRUE(cap.contains("diagnostics_test.cpp")); // Clang 14 too: see source_location.hpp
    EXPECT_TRUE(cap.contains("without suspending"));
}

TEST(diagnostics, debug_mode_reports_a_never_awaited_task) {
    report_capture cap;
    aio::run_options o;
    o.debug = true;
    run(
        [&]() -> aio::task<> {
            cap.install();
            { [[maybe_unused]] auto forgotten = nap(1ms); }
            co_return;
        },
        o);
    EXPECT_TRUE(cap.contains("never"));
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
