#include "example_runner.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace aio_test {

namespace {

bool stripped_variable(const char* entry) {
    for (const char* name : {"AIO_DEBUG=", "AIO_TIMELINE=", "AIO_TRACE="}) {
        if (std::strncmp(entry, name, std::strlen(name)) == 0)
            return true;
    }
    return false;
}

} // namespace

run_result run_example(const std::string& name,
                       const std::vector<std::string>& args,
                       const std::vector<std::pair<std::string, std::string>>& env) {
    const std::string path = std::string(AIO_EXAMPLES_BIN_DIR) + "/" + name;
    std::vector<std::string> argv_s{path};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<std::string> env_s;
    for (char** e = environ; *e; ++e) {
        if (!stripped_variable(*e))
            env_s.emplace_back(*e);
    }
    for (const auto& [k, v] : env)
        env_s.push_back(k + "=" + v);
    // Built before fork: the child only calls async-signal-safe functions.
    std::vector<char*> argv, envp;
    for (auto& s : argv_s)
        argv.push_back(s.data());
    argv.push_back(nullptr);
    for (auto& s : env_s)
        envp.push_back(s.data());
    envp.push_back(nullptr);

    int out_pipe[2], err_pipe[2];
    if (::pipe2(out_pipe, O_CLOEXEC) != 0)
        throw std::runtime_error("pipe2 failed");
    if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
        ::close(out_pipe[0]);
        ::close(out_pipe[1]);
        throw std::runtime_error("pipe2 failed");
    }
    const auto start = std::chrono::steady_clock::now();
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::dup2(out_pipe[1], 1);
        ::dup2(err_pipe[1], 2);
        ::execve(path.c_str(), argv.data(), envp.data());
        ::_exit(127);
    }
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    run_result r;
    if (pid < 0) {
        ::close(out_pipe[0]);
        ::close(err_pipe[0]);
        throw std::runtime_error("fork failed");
    }

    const auto deadline = start + std::chrono::seconds(30);
    pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
    std::string* sinks[2] = {&r.out, &r.err};
    int open_fds = 2;
    bool killed = false;
    while (open_fds > 0) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            ::kill(pid, SIGKILL); // our own child, by pid
            killed = true;
            break;
        }
        const int n = ::poll(fds, 2, static_cast<int>(left.count()));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            break;
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || fds[i].revents == 0)
                continue;
            char buf[4096];
            const ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
            if (got > 0) {
                sinks[i]->append(buf, static_cast<std::size_t>(got));
            } else if (got == 0 || errno != EINTR) {
                ::close(fds[i].fd);
                fds[i].fd = -1;
                --open_fds;
            }
        }
    }
    for (auto& f : fds) {
        if (f.fd >= 0)
            ::close(f.fd);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    r.wall = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    if (WIFEXITED(status))
        r.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        r.exit_code = 128 + WTERMSIG(status);
    if (killed)
        r.err += "\n[killed after 30 s]\n";
    return r;
}

std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        lines.push_back(line);
    return lines;
}

std::string compare_with_file(const std::string& actual, const std::string& expected_path) {
    if (!file_exists(expected_path))
        return "missing expected-output file " + expected_path;
    const std::vector<std::string> want = split_lines(read_file(expected_path));
    const std::vector<std::string> got = split_lines(actual);
    std::ostringstream diff;
    const std::size_t n = std::max(want.size(), got.size());
    for (std::size_t i = 0; i < n; ++i) {
        if (i >= want.size()) {
            diff << "line " << i + 1 << ": unexpected extra line \"" << got[i] << "\"";
            break;
        }
        if (i >= got.size()) {
            diff << "line " << i + 1 << ": missing, expected \"" << want[i] << "\"";
            break;
        }
        const std::string& w = want[i];
        const bool ok = w.rfind("re: ", 0) == 0 ? std::regex_match(got[i], std::regex(w.substr(4)))
                                                : got[i] == w;
        if (!ok) {
            diff << "line " << i + 1 << ": got \"" << got[i] << "\", expected \"" << w << "\"";
            break;
        }
    }
    if (diff.str().empty())
        return {};
    diff << "\n--- expected (" << expected_path << ")\n";
    for (const auto& l : want)
        diff << l << "\n";
    diff << "--- actual\n" << actual;
    return diff.str();
}

std::string examples_source_dir() {
    return AIO_EXAMPLES_SRC_DIR;
}
std::string expected_dir() {
    return AIO_EXAMPLES_EXPECTED_DIR;
}

std::vector<std::string> example_names() {
    std::vector<std::string> names;
    std::istringstream in(AIO_EXAMPLE_NAMES);
    for (std::string name; std::getline(in, name, ',');) {
        if (!name.empty())
            names.push_back(name);
    }
    std::sort(names.begin(), names.end());
    return names;
}

bool file_exists(const std::string& path) {
    return ::access(path.c_str(), R_OK) == 0;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

} // namespace aio_test
