// Conformance with Python's subprocess descriptor rules (close_fds=True, pass_fds), which
// asyncio's create_subprocess_exec inherits: each test mirrors a POSIX test of CPython's
// Lib/test/test_subprocess.py (same name; a suffix names a variant of it).
#include <aio/core.hpp>
#include <aio/os/subprocess.hpp>

#include <cerrno>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

using aio::task;

namespace {

/// An fd the test owns, closed at scope end.
struct owned_fd {
    int fd = -1;
    explicit owned_fd(int f) : fd(f) {}
    owned_fd(const owned_fd&) = delete;
    owned_fd& operator=(const owned_fd&) = delete;
    ~owned_fd() {
        if (fd >= 0)
            ::close(fd);
    }
};

/// `fd` moved to a number >= 100 without FD_CLOEXEC (as C code that opens files without
/// O_CLOEXEC leaves them), so the number cannot be the one `ls` opens in the child.
int high_inheritable(int fd) {
    const int high = ::fcntl(fd, F_DUPFD, 100);
    ::close(fd);
    return high;
}

/// The descriptors open in a child started with `opts` (what `ls /proc/self/fd` lists:
/// 0, 1, 2, the directory ls reads, and whatever the child inherited).
task<std::set<int>> child_fds(aio::subprocess_options opts) {
    opts.out = aio::pipe;
    auto p = co_await aio::create_subprocess_exec("ls", "/proc/self/fd", opts);
    auto [out, err] = co_await p.communicate();
    EXPECT_EQ(co_await p.wait(), 0) << err;
    std::set<int> fds;
    std::istringstream in(out);
    for (int fd; in >> fd;)
        fds.insert(fd);
    co_return fds;
}

bool has(const std::set<int>& s, int fd) {
    return s.count(fd) != 0;
}

} // namespace

// A descriptor opened without O_CLOEXEC (here a file and a pipe) is not inherited.
TEST(cpython_subprocess, test_close_fds) {
    owned_fd file(high_inheritable(::open("/dev/null", O_RDONLY)));
    int p[2];
    ASSERT_EQ(::pipe(p), 0);
    owned_fd r(high_inheritable(p[0])), w(high_inheritable(p[1]));
    ASSERT_GE(file.fd, 100);
    ASSERT_GE(w.fd, 100);
    const std::set<int> fds = aio::run(child_fds({}));
    EXPECT_FALSE(has(fds, file.fd));
    EXPECT_FALSE(has(fds, r.fd));
    EXPECT_FALSE(has(fds, w.fd));
    EXPECT_EQ(fds.size(), 4u); // 0, 1, 2 and the directory ls reads
}

// pass_fds keeps exactly the listed descriptors, at the same number; the others still go.
TEST(cpython_subprocess, test_pass_fds) {
    int p[2];
    ASSERT_EQ(::pipe(p), 0);
    owned_fd r(high_inheritable(p[0])), w(high_inheritable(p[1]));
    owned_fd other(high_inheritable(::open("/dev/null", O_RDONLY)));
    const std::vector<int> keep{w.fd};
    const std::set<int> fds = aio::run(child_fds({.pass_fds = keep}));
    EXPECT_TRUE(has(fds, w.fd));
    EXPECT_FALSE(has(fds, r.fd));
    EXPECT_FALSE(has(fds, other.fd));
    EXPECT_EQ(fds.size(), 5u);

    // The child writes to it; we read what it wrote.
    const int rc = aio::run([](int wfd) -> task<int> {
        const std::vector<int> keep{wfd};
        // (dash's ">&N" takes one digit only, so the fd is reopened through /proc.)
        const std::string cmd = "echo hi > /proc/self/fd/" + std::to_string(wfd);
        auto c = co_await aio::create_subprocess_exec("sh", "-c", cmd,
                                                      aio::subprocess_options{.pass_fds = keep});
        co_return co_await c.wait();
    }(w.fd));
    EXPECT_EQ(rc, 0);
    char buf[8] = {};
    EXPECT_EQ(::read(r.fd, buf, sizeof buf), 3);
    EXPECT_EQ(std::string(buf, 3), "hi\n");
}

// A passed descriptor that is close-on-exec in the parent is inherited all the same; its
// flag is cleared in the child only.
TEST(cpython_subprocess, test_pass_fds_inheritable) {
    owned_fd fd(::fcntl(::open("/dev/null", O_RDONLY | O_CLOEXEC), F_DUPFD_CLOEXEC, 100));
    ASSERT_GE(fd.fd, 100);
    const std::vector<int> keep{fd.fd, 1, fd.fd}; // 0..2 and repeats are harmless
    const std::set<int> fds = aio::run(child_fds({.pass_fds = keep}));
    EXPECT_TRUE(has(fds, fd.fd));
    EXPECT_EQ(fds.size(), 5u);
    EXPECT_TRUE(::fcntl(fd.fd, F_GETFD) & FD_CLOEXEC);
}

// A negative or closed descriptor in pass_fds is an error naming it, and nothing starts.
TEST(cpython_subprocess, test_pass_fds_invalid) {
    // A high number, so that the loop's own descriptors do not take it again.
    const int closed = ::fcntl(0, F_DUPFD_CLOEXEC, 500);
    ::close(closed);
    for (int bad : {-1, closed}) {
        try {
            aio::run(child_fds({.pass_fds = std::span<const int>(&bad, 1)}));
            ADD_FAILURE() << "no error for pass_fds " << bad;
        } catch (const aio::io_error& e) {
            EXPECT_EQ(e.code(), std::errc::bad_file_descriptor);
            EXPECT_NE(std::string(e.what()).find("pass_fds holds " + std::to_string(bad)),
                      std::string::npos)
                << e.what();
        }
        errno = 0;
        EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1); // no child was started
        EXPECT_EQ(errno, ECHILD);
    }
}
