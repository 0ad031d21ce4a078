// Reaps children whose aio::process went away while they still ran (private).
//
// The process destructor kills such a child (SIGKILL) and hands its pid and pidfd here; a
// poll operation on the pidfd completes when it has exited, and waitpid collects it, so
// no zombie is left and the loop never blocks. Children still unreaped when the loop ends
// (they were killed, so this is brief) are collected with a blocking waitpid then.
#pragma once

#include "io/backend.hpp"

#include <aio/core/event_loop.hpp>

#include <list>

#include <sys/types.h>

namespace aio::detail {

class child_reaper {
  public:
    explicit child_reaper(event_loop& loop) : m_loop(loop) {}
    ~child_reaper();
    child_reaper(const child_reaper&) = delete;
    child_reaper& operator=(const child_reaper&) = delete;

    /// Takes ownership of `pidfd` (may be -1: no pidfd, reaped at once, blocking).
    void adopt(pid_t pid, int pidfd) noexcept;
    std::size_t size() const noexcept { return m_children.size(); }

  private:
    struct child : io_op {
        child_reaper* m_owner = nullptr;
        pid_t m_pid = -1;
        bool m_inflight = false;
    };
    static void on_exit(io_op* op) noexcept;
    void finish(std::list<child>::iterator it) noexcept;

    event_loop& m_loop;
    std::list<child> m_children; // stable addresses: each element is an in-flight io_op
    bool m_closing = false;
};

/// Blocking waitpid that retries on EINTR; returns the raw status or -1.
int wait_blocking(pid_t pid) noexcept;

} // namespace aio::detail
