// Which I/O backend the loop uses: the fallback to epoll where io_uring is forbidden (as
// container runtimes do with seccomp), and a check that CI's per-backend passes really
// run on the backend they name.
#include "support/helpers.hpp"

#include <aio/core.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>

#include <gtest/gtest.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

using aio_test::backend_used;

#if defined(__x86_64__)
constexpr unsigned this_arch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
constexpr unsigned this_arch = AUDIT_ARCH_AARCH64;
#else
constexpr unsigned this_arch = 0;
#endif

/// Makes io_uring_setup fail with EPERM in this process from now on, as Docker's default
/// seccomp profile does. False if the filter cannot be installed.
bool forbid_io_uring() {
    sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, this_arch, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    sock_fprog prog{static_cast<unsigned short>(sizeof filter / sizeof filter[0]), filter};
    return ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
           ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == 0;
}

} // namespace

TEST(backend_choice, falls_back_to_epoll_where_io_uring_is_forbidden_and_says_so_in_debug_mode) {
    if (this_arch == 0)
        GTEST_SKIP() << "seccomp filter written for x86_64 and aarch64 only";
    int out[2];
    ASSERT_EQ(::pipe(out), 0);
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        // Child: io_uring forbidden, stderr into the pipe; exit code = what it saw.
        ::dup2(out[1], 2);
        ::close(out[0]);
        ::unsetenv("AIO_BACKEND");
        if (!forbid_io_uring())
            ::_exit(3);
        int code = 0;
        try {
            if (backend_used({.debug = true}) != "epoll")
                code = 1;
            if (backend_used({.backend = "io_uring"}) != "epoll") // asked for, still falls back
                code = 2;
        } catch (...) {
            code = 4;
        }
        std::fflush(nullptr);
        ::_exit(code);
    }
    ::close(out[1]);
    std::string err;
    char buf[512];
    for (ssize_t n; (n = ::read(out[0], buf, sizeof buf)) > 0;)
        err.append(buf, static_cast<std::size_t>(n));
    ::close(out[0]);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status)) << err;
    if (WEXITSTATUS(status) == 3)
        GTEST_SKIP() << "cannot install a seccomp filter here";
    EXPECT_EQ(WEXITSTATUS(status), 0) << "1: default, 2: io_uring asked for; stderr: " << err;
    EXPECT_NE(err.find("io_uring unavailable (Operation not permitted), falling back to epoll"),
              std::string::npos)
        << err;
}

TEST(backend_choice, ci_runs_each_pass_on_the_backend_it_names) {
    // tools/test.sh sets AIO_EXPECT_BACKEND with AIO_BACKEND, so a silent fallback (no
    // io_uring on the CI machine) cannot pass off an epoll run as the io_uring pass.
    const char* want = std::getenv("AIO_EXPECT_BACKEND");
    if (!want || !*want)
        GTEST_SKIP() << "AIO_EXPECT_BACKEND not set";
    EXPECT_EQ(backend_used({}), want);
}
