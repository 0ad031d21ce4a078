// Per-loop state of the os layer (a loop_extension owned by the loop, see loop_impl.hpp):
// the signal hub and the reaper of children whose `process` object went away before they
// exited.
#pragma once

#include "core/loop_impl.hpp"
#include "io/backend.hpp"

#include <aio/core/event_loop.hpp>

#include <memory>

namespace aio::detail {

class signal_hub;
class child_reaper;

/// Performs one blocking file operation synchronously; returns the result or -errno.
int run_blocking(io_op& op) noexcept;

class os_state final : public loop_extension {
  public:
    explicit os_state(event_loop& loop);
    ~os_state() override;

    /// The os state of the running loop (created on first use).
    static os_state& get();
    static os_state& of(event_loop& loop);
    /// True if `loop` has its os state already (never creates it).
    static bool exists(event_loop& loop) noexcept;

    signal_hub& signals();
    child_reaper& reaper();

    event_loop& m_loop;
    bool m_offload_files;

  private:
    std::unique_ptr<child_reaper> m_reaper;
    std::unique_ptr<signal_hub> m_signals;
};

} // namespace aio::detail
