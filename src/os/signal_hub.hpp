// Signal delivery to an event loop (private).
//
// Design: signal dispositions are process-wide, so is the forwarding handler. Each loop that
// uses signals owns a non-blocking self-pipe and a slot in a fixed process-wide table
// {write fd, mask of wanted signals}; the handler writes the signal number as one byte to
// every slot that wants it (write(2) and lock-free atomics are async-signal-safe), whichever
// thread it runs on. The loop keeps a poll operation on the pipe's read end and, on the loop
// thread, drains it and dispatches: the loop's callback for the signal (add_signal_handler),
// then every signal_received waiter whose set contains it; a signal nobody consumed is kept
// pending (coalesced, like the kernel) for the next signal_received that asks for it, except
// that SIGINT with no consumer is passed on to the disposition we replaced (the Ctrl-C
// handler of aio::run), so Ctrl-C still cancels the main task.
//
// Installing: a process-wide reference count per signal; the first user saves the previous
// disposition, the last one restores it. A loop keeps a signal installed while it has a
// callback for it, and, once signal_received asked for it, until the loop ends (so a signal
// arriving between two waits is kept pending instead of killing the process).
//
// Removing a slot: the loop clears it, then waits until no handler is running (a
// process-wide counter the handler raises around its work, seq_cst with the slot store), and
// only then closes the pipe, so a handler never writes to a closed or reused descriptor.
#pragma once

#include "io/backend.hpp"

#include <aio/core/event_loop.hpp>
#include <aio/detail/intrusive_list.hpp>
#include <aio/os/signal.hpp>

#include <cstdint>
#include <functional>

namespace aio::detail {

class signal_hub {
  public:
    explicit signal_hub(event_loop& loop);
    ~signal_hub();
    signal_hub(const signal_hub&) = delete;
    signal_hub& operator=(const signal_hub&) = delete;

    void add_handler(int sig, std::function<void()> cb);
    bool remove_handler(int sig);

    /// Installs the forwarding handler for every signal in `mask` (kept until loop end).
    void use_for_waiting(std::uint64_t mask);
    /// Takes the lowest pending signal in `mask`, or returns 0.
    int take_pending(std::uint64_t mask) noexcept;
    void link(signal_waiter* w) noexcept;
    void unlink(signal_waiter* w) noexcept;

  private:
    struct pipe_op : io_op {
        signal_hub* m_hub = nullptr;
    };
    static void on_readable(io_op* op) noexcept;
    void arm() noexcept;
    void install(int sig);
    void uninstall(int sig) noexcept;
    void dispatch(int sig) noexcept;

    event_loop& m_loop;
    int m_rd = -1;
    int m_wr = -1;
    int m_slot = -1;
    pipe_op m_op;
    bool m_inflight = false;
    bool m_closing = false;
    std::function<void()> m_callbacks[65];
    std::uint64_t m_installed = 0; // signals this loop holds a process-wide reference for
    std::uint64_t m_waiting = 0;   // signals signal_received asked for (kept until the end)
    std::uint64_t m_pending = 0;   // arrived with no consumer
    intrusive_list<signal_waiter, &signal_waiter::m_next, &signal_waiter::m_prev> m_waiters;
};

} // namespace aio::detail
