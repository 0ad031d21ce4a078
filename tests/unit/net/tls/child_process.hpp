// A child process with pipes on stdin and stdout (stderr goes to /dev/null), for the
// interoperability tests against `openssl s_server` / `openssl s_client`. Killed and reaped
// by the destructor.
#pragma once

#include <cerrno>
#include <chrono>
#include <csignal>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace aio_test {

class child_process {
  public:
    /// Starts argv[0] (looked up in PATH). ok() is false when it could not be started.
    explicit child_process(const std::vector<std::string>& argv) {
        int in[2], out[2];
        if (::pipe2(in, O_CLOEXEC) != 0)
            return;
        if (::pipe2(out, O_CLOEXEC) != 0) {
            ::close(in[0]);
            ::close(in[1]);
            return;
        }
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, in[0], 0);
        posix_spawn_file_actions_adddup2(&fa, out[1], 1);
        posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
        std::vector<char*> args;
        for (const auto& a : argv)
            args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        const int rc = ::posix_spawnp(&m_pid, args[0], &fa, nullptr, args.data(), environ);
        posix_spawn_file_actions_destroy(&fa);
        ::close(in[0]);
        ::close(out[1]);
        m_in = in[1];
        m_out = out[0];
        if (rc != 0)
            m_pid = -1;
    }
    ~child_process() {
        close_stdin();
        if (m_out >= 0)
            ::close(m_out);
        if (m_pid > 0) {
            ::kill(m_pid, SIGTERM);
            int st = 0;
            ::waitpid(m_pid, &st, 0);
        }
    }
    child_process(const child_process&) = delete;
    child_process& operator=(const child_process&) = delete;

    bool ok() const noexcept { return m_pid > 0; }
    /// Hands the stdout pipe over (e.g. to aio::net::stream::from_fd).
    int release_stdout() noexcept { return std::exchange(m_out, -1); }
    void write_stdin(std::string_view s) {
        while (!s.empty() && m_in >= 0) {
            const ssize_t n = ::write(m_in, s.data(), s.size());
            if (n <= 0)
                break;
            s.remove_prefix(static_cast<std::size_t>(n));
        }
    }
    void close_stdin() {
        if (m_in >= 0)
            ::close(std::exchange(m_in, -1));
    }
    /// Blocking: reads stdout until `marker` appears (returns everything read) or until
    /// `limit` passes or EOF (returns what was read, without the marker).
    std::string read_until(std::string_view marker, std::chrono::milliseconds limit) {
        std::string got;
        const auto end = std::chrono::steady_clock::now() + limit;
        while (got.find(marker) == std::string::npos) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                end - std::chrono::steady_clock::now());
            if (left.count() <= 0)
                break;
            pollfd p{m_out, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(left.count())) <= 0)
                break;
            char buf[512];
            const ssize_t n = ::read(m_out, buf, sizeof buf);
            if (n <= 0)
                break;
            got.append(buf, static_cast<std::size_t>(n));
        }
        return got;
    }

  private:
    pid_t m_pid = -1;
    int m_in = -1;
    int m_out = -1;
};

} // namespace aio_test
