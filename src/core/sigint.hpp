// Ctrl-C for aio::run (run_options::handle_sigint): the first SIGINT cancels the main task,
// a second one ends the process; a main task ended by it ends the process as killed by
// SIGINT, like CPython. Private to the core layer.
#pragma once

#include "core/loop_impl.hpp"

namespace aio::detail {

/// Arms SIGINT -> cancel(main) for one run_main and undoes it at the end.
class sigint_scope {
  public:
    explicit sigint_scope(loop_impl& impl);
    ~sigint_scope() { disarm(); }
    sigint_scope(const sigint_scope&) = delete;
    sigint_scope& operator=(const sigint_scope&) = delete;

    /// After a loop turn: the first SIGINT cancels the main task and gives SIGINT its
    /// default disposition back, so a second Ctrl-C ends the process.
    void check(promise_base* main) noexcept;
    /// At the very end: a main task that ended by the SIGINT cancellation ends the
    /// process as killed by SIGINT (stdio flushed first), like CPython.
    void finish(promise_base* main) noexcept;

  private:
    void disarm() noexcept;

    loop_impl& m_impl;
    bool m_armed = false;
    bool m_interrupted = false;
};

/// Debug mode (Python's faulthandler habit): SIGUSR1 makes the loop print dump_tasks to
/// stderr after the current turn. Armed for one run_main when SIGUSR1 has its default
/// disposition and no other loop has it; the handler only sets a flag and wakes the loop.
class dump_signal_scope {
  public:
    explicit dump_signal_scope(loop_impl& impl);
    ~dump_signal_scope();
    dump_signal_scope(const dump_signal_scope&) = delete;
    dump_signal_scope& operator=(const dump_signal_scope&) = delete;
    /// After a loop turn: prints the dump if SIGUSR1 came.
    void check() noexcept;

  private:
    loop_impl& m_impl;
    bool m_armed = false;
};

} // namespace aio::detail
