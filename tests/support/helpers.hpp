// Shared test helpers: run a coroutine on a fresh loop, count fds, capture loop reports.
#pragma once

#include <aio/core.hpp>

#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <dirent.h>

namespace aio_test {

using namespace std::chrono_literals;

/// Runs `f()` (a callable returning a task) on a fresh loop; the callable outlives the run.
template <class F> auto run(F&& f, aio::run_options opts = {}) {
    return aio::run(f(), opts);
}

/// Same with virtual time: sleeps complete instantly, in deadline order.
template <class F> auto run_virtual(F&& f) {
    aio::run_options o;
    o.virtual_time = true;
    return aio::run(f(), o);
}

/// The name of the I/O backend a loop made with `opts` runs on.
inline std::string backend_used(const aio::run_options& opts) {
    std::string used;
    aio::run(
        [](std::string* out) -> aio::task<> {
            *out = std::string(aio::get_running_loop().backend_name());
            co_return;
        }(&used),
        opts);
    return used;
}

/// Number of open file descriptors of this process.
inline int open_fds() {
    int n = 0;
    if (DIR* d = ::opendir("/proc/self/fd")) {
        while (::readdir(d))
            ++n;
        ::closedir(d);
    }
    return n - 3; // ".", ".." and the DIR's own fd
}

/// Captures what the running loop reports (unretrieved exceptions, debug reports).
struct report_capture {
    std::vector<std::string> lines;
    void install() {
        aio::get_running_loop().set_exception_handler(
            [this](std::string_view s) { lines.emplace_back(s); });
    }
    bool contains(std::string_view needle) const {
        for (auto& l : lines)
            if (l.find(needle) != std::string::npos)
                return true;
        return false;
    }
};

/// Sets (or, with nullptr, unsets) an environment variable for a scope.
class scoped_env {
  public:
    scoped_env(const char* name, const char* value) : m_name(name) {
        if (const char* old = std::getenv(name))
            m_old = old;
        value ? ::setenv(name, value, 1) : ::unsetenv(name);
    }
    ~scoped_env() { m_old ? ::setenv(m_name, m_old->c_str(), 1) : ::unsetenv(m_name); }
    scoped_env(const scoped_env&) = delete;
    scoped_env& operator=(const scoped_env&) = delete;

  private:
    const char* m_name;
    std::optional<std::string> m_old;
};

/// Returns `v` after sleeping `d`.
inline aio::task<int> value_after(int v, std::chrono::milliseconds d) {
    co_await aio::sleep(d);
    co_return v;
}

/// Sleeps for an hour; sets `*cancelled` when that sleep is cancelled, and rethrows.
inline aio::task<> mark_on_cancel(bool* cancelled) {
    try {
        co_await aio::sleep(1h);
    } catch (const aio::cancelled_error&) {
        *cancelled = true;
        throw;
    }
}

inline double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

} // namespace aio_test
