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

} // namespace aio::detail
