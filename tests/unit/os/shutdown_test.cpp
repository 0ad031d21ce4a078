// Graceful shutdown: Ctrl-C (SIGINT) to a program run with aio::run cancels its main task,
// its cleanup runs, and it ends as interrupted. Exercised on examples/tail_follow as a
// child process, the way a user's terminal would.
#include "support/os.hpp"

#include <aio/aio.hpp>

#include <csignal>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

using namespace std::chrono_literals;

#ifdef AIO_TAIL_FOLLOW_BIN

TEST(graceful_shutdown, sigint_cancels_main_runs_cleanup_and_ends_as_interrupted) {
    aio_test::temp_dir dir;
    const std::string log = dir / "log.txt", pidfile = dir / "tail.pid";
    std::ofstream(log) << "before\n";
    auto [rest, rc] = aio::run([](std::string log,
                                  std::string pidfile) -> aio::task<std::pair<std::string, int>> {
        std::vector<std::string> argv{AIO_TAIL_FOLLOW_BIN, log, "--pidfile", pidfile};
        auto p =
            co_await aio::create_subprocess_exec(argv, aio::subprocess_options{.out = aio::pipe});
        EXPECT_EQ(co_await aio::wait_for(p.out().read_line(), 10s), "following " + log + "\n");
        EXPECT_TRUE(std::filesystem::exists(pidfile));
        co_await aio::sleep(100ms); // let it reach the end of the file
        {
            auto f = co_await aio::file::open(log, aio::open_mode::write | aio::open_mode::append);
            co_await f.write("appended\n");
        }
        EXPECT_EQ(co_await aio::wait_for(p.out().read_line(), 10s), "appended\n");
        p.send_signal(SIGINT);
        std::string rest = co_await aio::wait_for(p.out().read_all(), 10s);
        co_return std::pair{rest, co_await aio::wait_for(p.wait(), 10s)};
    }(log, pidfile));
    EXPECT_EQ(rest, "interrupted, cleaning up\nremoved pidfile\n");
    EXPECT_EQ(rc, -SIGINT); // ended by SIGINT after cleanup, as the shell expects
    EXPECT_FALSE(std::filesystem::exists(pidfile));
}

TEST(graceful_shutdown, second_sigint_during_cleanup_ends_the_process_at_once) {
    aio_test::temp_dir dir;
    const std::string log = dir / "log.txt", pidfile = dir / "tail.pid";
    std::ofstream(log) << "x\n";
    auto [rest, rc] = aio::run([](std::string log,
                                  std::string pidfile) -> aio::task<std::pair<std::string, int>> {
        std::vector<std::string> argv{AIO_TAIL_FOLLOW_BIN, log,    "--pidfile", pidfile,
                                      "--cleanup-ms",      "20000"};
        auto p =
            co_await aio::create_subprocess_exec(argv, aio::subprocess_options{.out = aio::pipe});
        EXPECT_EQ(co_await aio::wait_for(p.out().read_line(), 10s), "following " + log + "\n");
        p.send_signal(SIGINT);
        EXPECT_EQ(co_await aio::wait_for(p.out().read_line(), 10s), "interrupted, cleaning up\n");
        p.send_signal(SIGINT); // impatient user: no 20 s cleanup
        std::string rest = co_await aio::wait_for(p.out().read_all(), 10s);
        co_return std::pair{rest, co_await aio::wait_for(p.wait(), 10s)};
    }(log, pidfile));
    EXPECT_EQ(rest, "");
    EXPECT_EQ(rc, -SIGINT);
    EXPECT_TRUE(std::filesystem::exists(pidfile)); // its cleanup never ran
}

TEST(graceful_shutdown, sigterm_handled_by_signal_received_ends_normally) {
    aio_test::temp_dir dir;
    const std::string log = dir / "log.txt";
    std::ofstream(log) << "x\n";
    auto [rest, rc] = aio::run([](std::string log) -> aio::task<std::pair<std::string, int>> {
        std::vector<std::string> argv{AIO_TAIL_FOLLOW_BIN, log};
        auto p =
            co_await aio::create_subprocess_exec(argv, aio::subprocess_options{.out = aio::pipe});
        EXPECT_EQ(co_await aio::wait_for(p.out().read_line(), 10s), "following " + log + "\n");
        // Its SIGTERM watcher starts after that line; a slow child (a sanitizer build) may
        // take a while to get there, and a SIGTERM before it would simply kill it.
        for (int i = 0; i < 1000 && !aio_test::catches_signal(p.pid(), SIGTERM); ++i)
            co_await aio::sleep(10ms);
        p.terminate();
        std::string rest = co_await aio::wait_for(p.out().read_all(), 10s);
        co_return std::pair{rest, co_await aio::wait_for(p.wait(), 10s)};
    }(log));
    EXPECT_EQ(rest, "got SIGTERM\n");
    EXPECT_EQ(rc, 0);
}

TEST(graceful_shutdown, bounded_run_stops_by_itself) {
    aio_test::temp_dir dir;
    const std::string log = dir / "log.txt";
    std::ofstream(log) << "a\nb\nc\n";
    auto out = aio::run([](std::string log) -> aio::task<std::string> {
        auto p = co_await aio::create_subprocess_exec(AIO_TAIL_FOLLOW_BIN, log, "--from-start",
                                                      "--lines", "2",
                                                      aio::subprocess_options{.out = aio::pipe});
        auto [out, err] = co_await aio::wait_for(p.communicate(), 10s);
        EXPECT_EQ(p.returncode(), 0);
        co_return out;
    }(log));
    EXPECT_EQ(out, "following " + log + "\na\nb\ndone after 2 lines\n");
}

#endif
