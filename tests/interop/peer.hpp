// Helpers of the interop tests: real peers (nginx, Python servers and clients, curl, wrk)
// started by the test itself on 127.0.0.1, each in a temporary directory that is removed
// afterwards, each bounded in time.
#pragma once

#include "support/free_port.hpp"

#include <aio/core.hpp>
#include <aio/net.hpp>
#include <aio/os.hpp>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace aio_interop {

using namespace std::chrono_literals;

/// The full path of `program` on PATH (or in /usr/sbin, where Debian puts nginx), or "".
inline std::string find_program(const std::string& program) {
    std::string path = std::getenv("PATH") ? std::getenv("PATH") : "/usr/bin:/bin";
    path += ":/usr/sbin:/sbin";
    std::stringstream dirs(path);
    for (std::string dir; std::getline(dirs, dir, ':');) {
        const std::string full = dir + "/" + program;
        if (!dir.empty() && ::access(full.c_str(), X_OK) == 0)
            return full;
    }
    return "";
}

/// Debian's Python, which has the python3-* packages tools/deps.sh installs (a python3
/// earlier on PATH, e.g. pyenv's, may not); "python3" where there is none.
inline std::string debian_python() {
    return ::access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
}

/// True when `python3 -c "import <module>"` succeeds with debian_python().
inline bool have_python_module(const std::string& module) {
    const std::string cmd = debian_python() + " -c 'import " + module + "' >/dev/null 2>&1";
    return std::system(cmd.c_str()) == 0;
}

/// A fresh directory under $TMPDIR (or /tmp), removed with everything in it on destruction.
class temp_dir {
  public:
    temp_dir() {
        const char* base = std::getenv("TMPDIR");
        std::string pattern = std::string(base && *base ? base : "/tmp") + "/aio_interop_XXXXXX";
        if (::mkdtemp(pattern.data()) == nullptr)
            throw std::runtime_error("mkdtemp failed for " + pattern);
        m_path = pattern;
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(m_path, ec);
    }
    const std::string& path() const { return m_path; }
    std::string operator/(const std::string& name) const { return m_path + "/" + name; }

  private:
    std::string m_path;
};

inline void write_text(const std::string& path, const std::string& data) {
    std::ofstream f(path, std::ios::binary);
    f << data;
    if (!f)
        throw std::runtime_error("cannot write " + path);
}

inline std::string read_text(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

/// Waits until 127.0.0.1:`port` accepts a connection: at most 200 tries 25 ms apart (5 s).
/// Throws aio::error naming `who` if it never does.
inline aio::task<void> wait_listening(std::uint16_t port, std::string who) {
    for (int i = 0; i < 200; ++i) {
        bool up = false;
        try {
            aio::net::stream s = co_await aio::net::open_connection("127.0.0.1", port);
            co_await s.close();
            up = true;
        } catch (const aio::io_error&) {
        }
        if (up)
            co_return;
        co_await aio::sleep(25ms);
    }
    throw aio::error(who + " did not listen on 127.0.0.1:" + std::to_string(port) + " within 5 s");
}

/// Reads the child's stdout up to the first newline (at most 5 s): how a peer that bound
/// port 0 reports its port.
inline aio::task<std::string> first_line(aio::process& p) {
    co_return co_await aio::wait_for(p.out().read_line(), 5s);
}

/// Stops a child: `sig`, then SIGKILL if it has not exited after 5 s. Returns its status.
inline aio::task<int> stop(aio::process& p, int sig = SIGTERM) {
    if (p.returncode())
        co_return *p.returncode();
    p.send_signal(sig);
    std::optional<int> rc;
    try {
        rc = co_await aio::wait_for(p.wait(), 5s);
    } catch (const aio::timeout_error&) {
    }
    if (!rc) {
        p.kill();
        rc = co_await p.wait();
    }
    co_return *rc;
}

/// Runs a client program to completion (at most `limit`) and returns (exit status, stdout +
/// stderr). A program still running at the limit is killed and the test fails on its status.
inline aio::task<std::pair<int, std::string>> run_client(std::vector<std::string> argv,
                                                         std::chrono::milliseconds limit = 30s) {
    aio::process p = co_await aio::create_subprocess_exec(
        std::move(argv),
        aio::subprocess_options{.in = aio::devnull, .out = aio::pipe, .err = aio::to_stdout});
    std::string out;
    bool late = false;
    try {
        auto [o, e] = co_await aio::wait_for(p.communicate(), limit);
        out = std::move(o);
    } catch (const aio::timeout_error&) {
        late = true;
    }
    if (late) {
        p.kill();
        co_await p.wait();
        co_return std::pair<int, std::string>{-1, "timed out after " +
                                                      std::to_string(limit.count()) + " ms"};
    }
    const int rc = co_await p.wait();
    co_return std::pair<int, std::string>{rc, std::move(out)};
}

} // namespace aio_interop
