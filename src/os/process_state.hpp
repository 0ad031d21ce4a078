// The state behind aio::process (private).
#pragma once

#include <aio/os/subprocess.hpp>

#include <optional>
#include <string>

#include <sys/types.h>

namespace aio::detail {

/// Test seam: pretend pidfd_open is unavailable, so the SIGCHLD fallback is used.
inline bool g_no_pidfd = false;
/// Test seam: pretend the spawn cannot close descriptors from a number up (no close_range
/// and no /proc in the child), so the parent's list of inheritable descriptors is used.
inline bool g_no_closefrom = false;

class process_state {
  public:
    ~process_state();

    std::string m_program;
    pid_t m_pid = -1;
    int m_pidfd = -1;
    std::optional<int> m_returncode;
    // Our ends of the pipes (empty streams when not piped).
    net::stream m_in;
    net::stream m_out;
    net::stream m_err;
    bool m_piped[3] = {false, false, false};

    /// waitpid(WNOHANG); true once the child is reaped (m_returncode set).
    bool try_reap() noexcept;
    void close_fd(int& fd) noexcept;
};

} // namespace aio::detail
