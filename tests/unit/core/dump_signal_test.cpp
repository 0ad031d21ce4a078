// SIGUSR1 in debug mode prints dump_tasks (Python's faulthandler habit), checked on a
// helper program stuck on an aio::lock (stuck_on_lock.cpp), run as a subprocess.
#include "support/os.hpp"

#include <chrono>
#include <csignal>
#include <string>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

/// Reads from `fd` into `acc` until `needle` shows up or `limit` passes; true if it did.
bool read_until(int fd, std::string& acc, const std::string& needle, std::chrono::seconds limit) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (acc.find(needle) == std::string::npos) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            end - std::chrono::steady_clock::now());
        if (left.count() <= 0)
            return false;
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left.count())) <= 0)
            continue;
        char buf[4096];
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0)
            return false; // EOF: the program ended
        acc.append(buf, static_cast<std::size_t>(n));
    }
    return true;
}

struct child_process {
    pid_t pid = -1;
    int out = -1;
    int err = -1;
    ~child_process() {
        if (pid > 0) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
        }
        if (out >= 0)
            ::close(out);
        if (err >= 0)
            ::close(err);
    }
};

} // namespace

TEST(dump_tasks, prints_stuck_tasks_on_sigusr1_in_debug_mode) {
    int o[2], e[2];
    ASSERT_EQ(::pipe2(o, O_CLOEXEC), 0);
    ASSERT_EQ(::pipe2(e, O_CLOEXEC), 0);
    child_process c;
    c.pid = ::fork();
    ASSERT_GE(c.pid, 0);
    if (c.pid == 0) {
        ::dup2(o[1], 1);
        ::dup2(e[1], 2);
        ::setenv("AIO_DEBUG", "1", 1);
        ::unsetenv("AIO_TRACE");
        ::unsetenv("AIO_TIMELINE");
        ::execl(AIO_STUCK_ON_LOCK_BIN, AIO_STUCK_ON_LOCK_BIN, static_cast<char*>(nullptr));
        ::_exit(127);
    }
    ::close(o[1]);
    ::close(e[1]);
    c.out = o[0];
    c.err = e[0];

    std::string out, err;
    ASSERT_TRUE(read_until(c.out, out, "ready\n", std::chrono::seconds(30))) << out;
    const auto at = out.find("acquire line ");
    ASSERT_NE(at, std::string::npos) << out;
    const int acquire_line = std::atoi(out.c_str() + at + 13);
    ASSERT_TRUE(aio_test::catches_signal(c.pid, SIGUSR1)); // debug mode armed the dump
    ASSERT_EQ(::kill(c.pid, SIGUSR1), 0);
    const std::string site = "stuck_on_lock.cpp:" + std::to_string(acquire_line);
    ASSERT_TRUE(read_until(c.err, err, site, std::chrono::seconds(30)))
        << "expected " << site << " in\n"
        << err;
    EXPECT_NE(err.find("task 'stuck on lock' suspended"), std::string::npos) << err;
    EXPECT_NE(err.find("in wait_for_lock"), std::string::npos) << err;
    EXPECT_NE(err.find("task 'main' suspended"), std::string::npos) << err;
    // The dump changed nothing: the program is still waiting (SIGKILLed by the guard).
    int status = 0;
    EXPECT_EQ(::waitpid(c.pid, &status, WNOHANG), 0);
}
