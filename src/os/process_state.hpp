// The state behind aio::process (private).
#pragma once

#include <aio/os/subprocess.hpp>

#include <optional>
#include <string>
#include <sys/types.h>

namespace aio::detail {

/// Test seam: pretend pidfd_open is unavailable, so the SIGCHLD fallback is used.
inline bool g_no_pidfd = false;

class process_state {
  public:
    ~process_state();

    std::string m_program;
    pid_t m_pid = -1;
    int m_pidfd = -1;
    std::optional<int> m_returncode;
    int m_in = -1; // our ends of the pipes (non-blocking), -1 if not piped
    int m_out = -1;
    int m_err = -1;
    unsigned m_waiters = 0;

    /// waitpid(WNOHANG); true once the child is reaped (m_returncode set).
    bool try_reap() noexcept;
    void close_fd(int& fd) noexcept;
};

} // namespace aio::detail
