// Helpers of the aiocrawl tests: run a program with its output in files, bounded in time.
#pragma once

#include "support/os.hpp"

#include <chrono>
#include <csignal>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace aiocrawl_test {

inline std::string read_text(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
}

inline std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream s(text);
    for (std::string l; std::getline(s, l);)
        out.push_back(l);
    return out;
}

/// True if `name` is an executable on PATH.
inline bool have_program(const std::string& name) {
    return std::system(("command -v " + name + " >/dev/null 2>&1").c_str()) == 0;
}

/// A child process whose stdout and stderr go to files in `dir`. Killed (SIGKILL) and reaped
/// by the destructor if still running.
class child {
  public:
    child(const std::vector<std::string>& argv, const aio_test::temp_dir& dir)
        : m_out(dir / "stdout"), m_err(dir / "stderr") {
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&fa, 1, m_out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        posix_spawn_file_actions_addopen(&fa, 2, m_err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        std::vector<char*> args;
        for (const std::string& a : argv)
            args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        if (posix_spawnp(&m_pid, args[0], &fa, nullptr, args.data(), environ) != 0)
            m_pid = -1;
        posix_spawn_file_actions_destroy(&fa);
    }
    ~child() {
        if (m_pid > 0 && !m_reaped) {
            ::kill(m_pid, SIGKILL);
            int st = 0;
            ::waitpid(m_pid, &st, 0);
        }
    }
    child(const child&) = delete;
    child& operator=(const child&) = delete;

    pid_t pid() const { return m_pid; }
    /// The exit code (128 + signal if killed by one), or -1 if it did not end within `limit`.
    int wait(std::chrono::seconds limit) {
        const auto until = std::chrono::steady_clock::now() + limit;
        while (std::chrono::steady_clock::now() < until) {
            int st = 0;
            const pid_t r = ::waitpid(m_pid, &st, WNOHANG);
            if (r == m_pid) {
                m_reaped = true;
                return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return -1;
    }
    std::string out() const { return read_text(m_out); }
    std::string err() const { return read_text(m_err); }

  private:
    std::string m_out, m_err;
    pid_t m_pid = -1;
    bool m_reaped = false;
};

/// Runs argv to completion (bounded by `limit`); returns the exit code, stdout and stderr.
struct result {
    int code;
    std::string out, err;
};
inline result run(const std::vector<std::string>& argv,
                  std::chrono::seconds limit = std::chrono::seconds(90)) {
    aio_test::temp_dir dir;
    child c(argv, dir);
    const int code = c.wait(limit);
    return {code, c.out(), c.err()};
}

} // namespace aiocrawl_test
