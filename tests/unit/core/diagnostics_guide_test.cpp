// The examples of docs/guide/diagnostics.md, compiled and run here. Each region between
// "// guide: NAME" and "// end guide" is quoted verbatim by the guide (checked by
// check_diagnostics_guide.py, the CTest diagnostics_guide_is_verbatim).
#include "support/helpers.hpp"

#include <aio/core.hpp>
#include <aio/sync.hpp>

#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>

#include <gtest/gtest.h>

using namespace std::chrono_literals;

namespace {

// guide: slow_step
aio::task<> blocking() {
    std::this_thread::sleep_for(20ms); // a blocking call: the whole loop stops
    co_return;
}

aio::task<> slow_main() {
    co_await aio::gather(blocking(), aio::sleep(1ms));
}

int run_slow() {
    aio::run(slow_main(), {.debug = true, .slow_callback_duration = 5ms});
    // stderr: aio: task 'Task-2' ran for 20 ms without suspending (blocking call or
    //         CPU-heavy code? use aio::to_thread); coroutine blocking (guide_test.cpp:23)
    return 0;
}
// end guide

// guide: never_awaited
aio::task<int> compute() {
    co_return 42;
}

aio::task<> forgetful() {
    auto t = compute(); // no co_await: destroyed without ever running
    co_return;
}
// aio::run(forgetful(), {.debug = true}) prints
//   aio: a task was never awaited: coroutine compute (guide_test.cpp:40) was destroyed
//   without being started (forgotten co_await?)
// end guide

// guide: unretrieved
aio::task<> fails() {
    throw std::runtime_error("disk full");
    co_return;
}

aio::task<> fire_and_forget() {
    aio::create_task(fails(), "writer"); // handle dropped, never awaited
    co_await aio::sleep(1ms);
}
// aio::run(fire_and_forget()) prints, debug mode or not:
//   aio: Task exception was never retrieved: task 'writer' failed with: disk full
// end guide

// guide: dump_tasks
aio::task<> worker(aio::lock& m) {
    auto guard = co_await m.scoped(); // parks here while main holds the lock
}

aio::task<> dump_main() {
    aio::lock m;
    auto g = co_await m.scoped();
    auto h = aio::create_task(worker(m), "worker");
    co_await aio::sleep(0s);
    for (const aio::task_ref& t : aio::all_tasks()) // asyncio.all_tasks()
        std::cout << t.name() << (t.done() ? " done\n" : " pending\n");
    aio::dump_tasks(std::cerr); // every task, its state and where it waits
    g.release();
    co_await h;
}
// end guide

// guide: timeline
aio::task<> make(const char* what, std::chrono::milliseconds d) {
    co_await aio::sleep(d);
    std::cout << what << " ready\n";
}

aio::task<> breakfast() {
    co_await aio::gather(make("coffee", 20ms), make("toast", 10ms));
}
// aio::run(breakfast(), {.timeline = true}) draws one row per task on stderr when the
// loop ends; AIO_TRACE=trace.json ./prog writes the same as a Chrome trace (Perfetto).
// end guide

std::string joined(const aio_test::report_capture& c) {
    std::string s;
    for (auto& l : c.lines)
        s += l + "\n";
    return s;
}

} // namespace

TEST(diagnostics_guide, slow_step_example_reports_the_blocking_coroutine) {
    testing::internal::CaptureStderr();
    EXPECT_EQ(run_slow(), 0);
    const std::string err = testing::internal::GetCapturedStderr();
    EXPECT_NE(err.find("without suspending"), std::string::npos) << err;
    EXPECT_NE(err.find("coroutine blocking ("), std::string::npos) << err;
    EXPECT_NE(err.find("diagnostics_guide_test.cpp:"), std::string::npos) << err;
}

TEST(diagnostics_guide, never_awaited_example_names_compute) {
    testing::internal::CaptureStderr();
    aio::run(forgetful(), {.debug = true});
    const std::string err = testing::internal::GetCapturedStderr();
#if defined(__clang__)
    // Clang may elide the frame's allocation (HALO): then there is no record to name.
    if (err.find("never awaited: it was destroyed") != std::string::npos)
        return;
#endif
    EXPECT_NE(err.find("never awaited: coroutine compute ("), std::string::npos) << err;
}

TEST(diagnostics_guide, unretrieved_example_names_the_task_and_error) {
    testing::internal::CaptureStderr();
    aio::run(fire_and_forget());
    const std::string err = testing::internal::GetCapturedStderr();
    EXPECT_NE(err.find("aio: Task exception was never retrieved: task 'writer' failed with: "
                       "disk full"),
              std::string::npos)
        << err;
}

TEST(diagnostics_guide, dump_tasks_example_shows_the_worker_at_its_lock) {
    testing::internal::CaptureStdout();
    testing::internal::CaptureStderr();
    aio::run(dump_main(), {.debug = true});
    const std::string err = testing::internal::GetCapturedStderr();
    const std::string out = testing::internal::GetCapturedStdout();
    EXPECT_NE(out.find("worker pending"), std::string::npos) << out;
    EXPECT_NE(err.find("task 'worker' suspended"), std::string::npos) << err;
    EXPECT_NE(err.find("waiting at "), std::string::npos) << err;
    EXPECT_NE(err.find("in worker ("), std::string::npos) << err;
}

TEST(diagnostics_guide, timeline_example_draws_a_row_per_task) {
    testing::internal::CaptureStdout();
    testing::internal::CaptureStderr();
    aio::run(breakfast(), {.timeline = true});
    const std::string err = testing::internal::GetCapturedStderr();
    const std::string out = testing::internal::GetCapturedStdout();
    EXPECT_EQ(out, "toast ready\ncoffee ready\n");
    EXPECT_NE(err.find("timeline ("), std::string::npos) << err;
    EXPECT_NE(err.find("main "), std::string::npos) << err;
    (void)&joined;
}
