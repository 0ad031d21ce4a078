#include "os/process_state.hpp"
#include "support/os.hpp"

#include <aio/core.hpp>
#include <aio/os/subprocess.hpp>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <fstream>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

using namespace std::chrono_literals;

namespace {

/// True if `pid` is neither running nor a zombie child of ours.
bool gone(int pid) {
    int status = 0;
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    return r < 0 && errno == ECHILD && ::kill(pid, 0) != 0;
}

long rss_high_water_kib() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("VmHWM:", 0) == 0)
            return std::stol(line.substr(6));
    }
    return -1;
}

} // namespace

TEST(subprocess, sort_round_trip_through_communicate) {
    auto [out, rc] = aio::run([]() -> aio::task<std::pair<std::string, int>> {
        auto p = co_await aio::create_subprocess_exec(
            "sort", "-r", aio::subprocess_options{.in = aio::pipe, .out = aio::pipe});
        EXPECT_GT(p.pid(), 0);
        EXPECT_FALSE(p.returncode());
        auto [out, err] = co_await p.communicate("a\nb\n");
        EXPECT_EQ(err, "");
        EXPECT_EQ(p.returncode(), 0);
        co_return std::pair{out, co_await p.wait()};
    }());
    EXPECT_EQ(out, "b\na\n");
    EXPECT_EQ(rc, 0);
}

TEST(subprocess, exit_codes_and_signals_are_reported_like_python) {
    aio::run([]() -> aio::task<> {
        auto p = co_await aio::create_subprocess_shell("exit 3");
        EXPECT_EQ(co_await p.wait(), 3);
        EXPECT_EQ(co_await p.wait(), 3); // again: same answer
        auto q = co_await aio::create_subprocess_exec("sleep", "30");
        q.terminate();
        EXPECT_EQ(co_await q.wait(), -SIGTERM);
        q.kill(); // reaped already: no-op, never hits a recycled pid
    }());
}

TEST(subprocess, missing_program_throws_naming_it) {
    const int fds = aio_test::open_fds();
    aio::run([]() -> aio::task<> {
        try {
            co_await aio::create_subprocess_exec("aio-no-such-program-xyz", "arg",
                                                 aio::subprocess_options{.out = aio::pipe});
            ADD_FAILURE() << "spawn of a missing program succeeded";
        } catch (const aio::io_error& e) {
            EXPECT_EQ(e.code(), std::errc::no_such_file_or_directory);
            EXPECT_NE(std::string(e.what()).find("aio-no-such-program-xyz"), std::string::npos)
                << e.what();
        }
        try {
            co_await aio::create_subprocess_exec("/nonexistent/dir/prog");
            ADD_FAILURE();
        } catch (const aio::io_error& e) {
            EXPECT_NE(std::string(e.what()).find("/nonexistent/dir/prog"), std::string::npos);
        }
        try {
            co_await aio::create_subprocess_exec(
                "true", aio::subprocess_options{.cwd = "/nonexistent-dir"});
            ADD_FAILURE();
        } catch (const aio::io_error& e) {
            EXPECT_NE(std::string(e.what()).find("/nonexistent-dir"), std::string::npos)
                << e.what();
        }
    }());
    EXPECT_EQ(aio_test::open_fds(), fds);
}

TEST(subprocess, flood_through_communicate_does_not_deadlock) {
    auto [n, err] = aio::run([]() -> aio::task<std::pair<std::size_t, std::string>> {
        // Floods both pipes at once: a sequential reader would deadlock on the other pipe.
        auto p = co_await aio::create_subprocess_shell(
            "head -c 50000000 /dev/zero; head -c 3000000 /dev/zero >&2",
            aio::subprocess_options{.out = aio::pipe, .err = aio::pipe});
        auto [out, err] = co_await aio::wait_for(p.communicate(), 60s);
        EXPECT_EQ(out.find_first_not_of('\0'), std::string::npos);
        EXPECT_EQ(co_await p.wait(), 0);
        co_return std::pair{out.size(), std::to_string(err.size())};
    }());
    EXPECT_EQ(n, 50000000u);
    EXPECT_EQ(err, "3000000");
}

TEST(subprocess, input_larger_than_the_pipe_is_fed_while_output_is_read) {
    std::string input;
    for (int i = 0; i < 200000; ++i)
        input += std::to_string(i) + "\n";
    auto out = aio::run([](std::string in) -> aio::task<std::string> {
        auto p = co_await aio::create_subprocess_exec(
            "cat", aio::subprocess_options{.in = aio::pipe, .out = aio::pipe});
        auto [out, err] = co_await p.communicate(in);
        co_return out;
    }(input));
    EXPECT_TRUE(out == input);
}

TEST(subprocess, child_that_ignores_its_input_is_not_an_error) {
    auto rc = aio::run([]() -> aio::task<int> {
        auto p =
            co_await aio::create_subprocess_exec("true", aio::subprocess_options{.in = aio::pipe});
        co_await p.communicate(std::string(4 << 20, 'x'));
        co_return *p.returncode();
    }());
    EXPECT_EQ(rc, 0);
}

TEST(subprocess, killed_by_timeout_leaves_no_zombie) {
    int pid = aio::run([]() -> aio::task<int> {
        int pid = -1;
        try {
            co_await aio::wait_for(
                [](int& pid) -> aio::task<> {
                    auto p = co_await aio::create_subprocess_exec("sleep", "30");
                    pid = p.pid();
                    co_await p.wait();
                }(pid),
                50ms);
            ADD_FAILURE();
        } catch (const aio::timeout_error&) {
        }
        // The process object died with the cancelled task: the child was killed and is
        // reaped in the background by the loop.
        for (int i = 0; i < 200 && !gone(pid); ++i)
            co_await aio::sleep(5ms);
        EXPECT_TRUE(gone(pid));
        co_return pid;
    }());
    EXPECT_TRUE(gone(pid));
}

TEST(subprocess, cancelled_wait_leaves_the_child_running_and_waitable) {
    aio::run([]() -> aio::task<> {
        auto p = co_await aio::create_subprocess_exec("sleep", "30");
        EXPECT_THROW(co_await aio::wait_for(p.wait(), 20ms), aio::timeout_error);
        EXPECT_EQ(::kill(p.pid(), 0), 0); // still running
        EXPECT_FALSE(p.returncode());
        p.kill();
        EXPECT_EQ(co_await p.wait(), -SIGKILL);
    }());
}

TEST(subprocess, dropping_a_running_process_after_the_loop_ends_reaps_it) {
    int pid = aio::run([]() -> aio::task<int> {
        auto p = co_await aio::create_subprocess_exec("sleep", "30");
        // Detached into a background task that the loop cancels at shutdown.
        aio::create_task([](aio::process p) -> aio::task<> { co_await p.wait(); }(std::move(p)));
        co_await aio::sleep(5ms);
        co_return -1;
    }());
    (void)pid;
    int status;
    EXPECT_EQ(::waitpid(-1, &status, WNOHANG), -1); // no child of ours is left at all
    EXPECT_EQ(errno, ECHILD);
}

TEST(subprocess, environment_and_working_directory) {
    aio_test::temp_dir dir;
    auto [out,
          out2] = aio::run([](std::string d) -> aio::task<std::pair<std::string, std::string>> {
        std::vector<std::string> env{"AIO_X=1"}, extra{"AIO_Y=two words"}, z{"AIO_Z=z"};
        auto p = co_await aio::create_subprocess_shell(
            "pwd; echo \"$AIO_X|$AIO_Y|${HOME:-nohome}\"",
            aio::subprocess_options{.out = aio::pipe, .cwd = d, .env = env, .env_extra = extra});
        auto [out, err] = co_await p.communicate();
        // env_extra alone keeps the parent's environment.
        auto q = co_await aio::create_subprocess_exec(
            "sh", "-c", "echo \"$AIO_Z|${PATH:+haspath}\"",
            aio::subprocess_options{.out = aio::pipe, .env_extra = z});
        auto [out2, err2] = co_await q.communicate();
        co_return std::pair{out, out2};
    }(dir.path));
    char real[4096];
    ASSERT_TRUE(::realpath(dir.path.c_str(), real));
    EXPECT_EQ(out, std::string(real) + "\n1|two words|nohome\n");
    EXPECT_EQ(out2, "z|haspath\n");
}

TEST(subprocess, devnull_and_stderr_to_stdout) {
    auto out = aio::run([]() -> aio::task<std::string> {
        auto p = co_await aio::create_subprocess_shell(
            "echo out; echo err >&2; cat",
            aio::subprocess_options{.in = aio::devnull, .out = aio::pipe, .err = aio::to_stdout});
        auto [out, err] = co_await p.communicate();
        EXPECT_EQ(err, "");
        co_return out;
    }());
    EXPECT_EQ(out, "out\nerr\n");
}

TEST(subprocess, child_gets_default_signal_dispositions) {
    // The loop ignores SIGPIPE; a child must not inherit that (yes | head would spin).
    auto out = aio::run([]() -> aio::task<std::string> {
        auto p = co_await aio::create_subprocess_shell("yes | head -n 3",
                                                       aio::subprocess_options{.out = aio::pipe});
        auto [out, err] = co_await aio::wait_for(p.communicate(), 20s);
        co_return out;
    }());
    EXPECT_EQ(out, "y\ny\ny\n");
}

TEST(subprocess, no_descriptor_leaks_into_the_child_or_stays_open) {
    const int fds = aio_test::open_fds();
    auto out = aio::run([]() -> aio::task<std::string> {
        auto p = co_await aio::create_subprocess_exec(
            "sh", "-c", "ls /proc/self/fd | wc -l",
            aio::subprocess_options{.in = aio::pipe, .out = aio::pipe, .err = aio::pipe});
        auto [out, err] = co_await p.communicate();
        co_return out;
    }());
    // 0, 1, 2 and the directory ls reads: not even what the test runner let us inherit.
    EXPECT_EQ(std::stoi(out), 4);
    EXPECT_EQ(aio_test::open_fds(), fds);
}

TEST(subprocess, descriptors_are_closed_in_the_child_without_closefrom_too) {
    // Without close_range and /proc in the child, the parent lists its inheritable
    // descriptors below RLIMIT_NOFILE and the child closes those.
    aio::detail::g_no_closefrom = true;
    // No O_CLOEXEC, as C code leaves them; numbers ls cannot take for its directory.
    const int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    const int leaked = ::fcntl(devnull, F_DUPFD, 100);
    const int passed = ::fcntl(devnull, F_DUPFD_CLOEXEC, 200);
    ::close(devnull);
    auto out = aio::run([](int passed) -> aio::task<std::string> {
        const std::vector<int> keep{passed};
        auto p = co_await aio::create_subprocess_exec(
            "ls", "/proc/self/fd", aio::subprocess_options{.out = aio::pipe, .pass_fds = keep});
        auto [out, err] = co_await p.communicate();
        co_return out;
    }(passed));
    aio::detail::g_no_closefrom = false;
    ::close(leaked);
    ::close(passed);
    // 0, 1, 2, the passed one and the directory ls reads.
    EXPECT_EQ(out.find("\n" + std::to_string(leaked) + "\n"), std::string::npos) << out;
    EXPECT_NE(out.find("\n" + std::to_string(passed) + "\n"), std::string::npos) << out;
    EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 5) << out;
}

TEST(subprocess, sigchld_fallback_without_pidfd) {
    aio::detail::g_no_pidfd = true;
    auto rcs = aio::run([]() -> aio::task<std::vector<int>> {
        std::vector<aio::task<int>> waits;
        for (int i = 0; i < 5; ++i) {
            waits.push_back([](int i) -> aio::task<int> {
                auto p = co_await aio::create_subprocess_shell("sleep 0.0" + std::to_string(i) +
                                                               "; exit " + std::to_string(i));
                co_return co_await p.wait();
            }(i));
        }
        co_return co_await aio::gather(std::move(waits));
    }());
    aio::detail::g_no_pidfd = false;
    EXPECT_EQ(rcs, (std::vector<int>{0, 1, 2, 3, 4}));
}

TEST(subprocess, streaming_a_flood_keeps_memory_bounded) {
    std::ofstream("/proc/self/clear_refs") << "5"; // reset VmHWM to the current RSS
    const long before = rss_high_water_kib();
    auto total = aio::run([]() -> aio::task<std::size_t> {
        auto p = co_await aio::create_subprocess_exec("head", "-c", "200000000", "/dev/zero",
                                                      aio::subprocess_options{.out = aio::pipe});
        std::size_t n = 0;
        for (;;) {
            std::string chunk = co_await p.out().read(65536);
            if (chunk.empty())
                break;
            n += chunk.size();
        }
        EXPECT_EQ(co_await p.wait(), 0);
        co_return n;
    }());
    EXPECT_EQ(total, 200000000u);
    // 200 MB went through; the high-water mark of our memory moved by far less.
#ifndef AIO_DETAIL_ASAN
    // (ASan's quarantine holds freed memory on purpose, so RSS says nothing there.)
    EXPECT_LT(rss_high_water_kib() - before, 64 * 1024);
#else
    (void)before;
#endif
}

TEST(subprocess, pipes_as_streams_line_by_line) {
    auto lines = aio::run([]() -> aio::task<std::vector<std::string>> {
        auto p = co_await aio::create_subprocess_exec(
            "cat", aio::subprocess_options{.in = aio::pipe, .out = aio::pipe});
        std::vector<std::string> got;
        for (int i = 0; i < 3; ++i) {
            co_await p.in().write("line " + std::to_string(i) + "\n");
            got.push_back(co_await p.out().read_line()); // echoed before the next is sent
        }
        co_await p.in().close();
        EXPECT_EQ(co_await p.out().read_line(), ""); // EOF after stdin closed
        EXPECT_EQ(co_await p.wait(), 0);
        EXPECT_THROW(p.err(), aio::invalid_state_error);
        co_return got;
    }());
    EXPECT_EQ(lines, (std::vector<std::string>{"line 0\n", "line 1\n", "line 2\n"}));
}

TEST(subprocess, communicate_needs_a_stdin_pipe_for_input) {
    aio::run([]() -> aio::task<> {
        auto p = co_await aio::create_subprocess_exec("true");
        try {
            co_await p.communicate("data");
            ADD_FAILURE();
        } catch (const aio::invalid_state_error& e) {
            EXPECT_NE(std::string(e.what()).find("stdin"), std::string::npos);
        }
        EXPECT_EQ(co_await p.wait(), 0);
    }());
}
