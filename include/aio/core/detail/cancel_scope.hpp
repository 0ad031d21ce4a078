// A cancel scope: a region of one task's code that can be cancelled on its own, without
// cancelling the rest of the task (trio's CancelScope; asyncio's timeout scopes and the
// TaskGroup body). aio::timeout and aio::task_group are built on it.
//
// A scope costs nothing until it fires: entering it records the task and the task's shield
// depth. Firing makes every suspension point inside the scope throw aio::cancelled_error
// (level-triggered, like a task's cancel) and interrupts the task if it is parked there. A
// shield entered inside the scope masks it, as it masks the task's own cancel; a scope
// entered inside a shield still applies (a timeout inside a shield still times out).
// Fired scopes are the only ones the loop knows of: promise_base::f_scope_cancel says the
// task has some, and the loop keeps them per task (src/core/cancel_scope.cpp).
#pragma once

#include <aio/core/detail/promise_base.hpp>

#include <cstdint>

namespace aio::detail {

class cancel_scope {
  public:
    cancel_scope() noexcept = default;
    ~cancel_scope() { exit(); }
    cancel_scope(const cancel_scope&) = delete;
    cancel_scope& operator=(const cancel_scope&) = delete;

    /// Opens the scope around the code the current task runs from now on.
    void enter() {
        m_task = &current();
        m_depth = m_task->m_shield;
        m_fired = false;
    }
    /// Cancels the code inside the scope (no effect once it is closed or already fired).
    void fire() noexcept;
    /// Closes the scope; returns true if it had fired. Idempotent.
    bool exit() noexcept {
        if (!m_task)
            return false;
        if (m_fired)
            forget();
        m_task = nullptr;
        return m_fired;
    }
    bool active() const noexcept { return m_task != nullptr; }
    bool fired() const noexcept { return m_fired; }
    promise_base* task() const noexcept { return m_task; }
    /// The shield depth of the task when the scope was entered.
    std::uint16_t depth() const noexcept { return m_depth; }

    cancel_scope* m_next_fired = nullptr; // the task's fired scopes (loop-owned list)

  private:
    void forget() noexcept;

    promise_base* m_task = nullptr;
    std::uint16_t m_depth = 0;
    bool m_fired = false;
};

/// Sets the current task's shield depth to `depth` for its lifetime (restored after):
/// lets code that is cancel-safe run cancellable inside a shield its caller put up, e.g.
/// a task_group's join inside aio::with's shielded exit.
class unshield_scope {
  public:
    explicit unshield_scope(std::uint16_t depth) : m_task(&current()), m_saved(m_task->m_shield) {
        if (depth < m_saved)
            m_task->m_shield = depth;
    }
    ~unshield_scope() { m_task->m_shield = m_saved; }
    unshield_scope(const unshield_scope&) = delete;
    unshield_scope& operator=(const unshield_scope&) = delete;

  private:
    promise_base* m_task;
    std::uint16_t m_saved;
};

} // namespace aio::detail
