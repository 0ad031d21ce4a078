// The part of the event loop that awaiters in public templates touch on the hot path:
// the intrusive ready queue, the cached clock and the timer heap.
#pragma once

#include <aio/core/detail/promise_base.hpp>
#include <aio/detail/intrusive_list.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace aio::detail {

using clock = std::chrono::steady_clock;

/// A timer in the loop's binary heap; lives inside the awaiter that waits for it, so
/// arming a timer allocates nothing. m_index lets cancel remove it in O(log n).
struct timer_node {
    clock::time_point m_deadline{};
    std::uint32_t m_index = npos;
    void (*m_fire)(timer_node*) noexcept = nullptr;

    static constexpr std::uint32_t npos = static_cast<std::uint32_t>(-1);
    bool armed() const noexcept { return m_index != npos; }
};

/// A heap slot: the ordering key sits in the array itself, so sifting compares contiguous
/// memory instead of dereferencing timer nodes scattered across coroutine frames.
struct timer_entry {
    clock::time_point deadline;
    std::uint32_t seq; // FIFO order among equal deadlines (compared modulo 2^32)
    timer_node* node;
};

class backend;

/// Background work that no task owns (a stream's sender: an I/O operation that finishes
/// on its own after write() returned). The loop cannot end while one is busy: at shutdown,
/// in the sweep that cancels the remaining tasks, each busy one gets m_shutdown called once
/// (it must make the work finish soon, e.g. cancel its operation), and the loop runs until
/// none is busy. Registration is kept across busy periods (so starting and ending work
/// costs a counter), until the owner calls forget_detached or the loop is destroyed.
struct detached_work {
    detached_work* m_detached_next = nullptr;
    detached_work* m_detached_prev = nullptr;
    void (*m_shutdown)(detached_work*) noexcept = nullptr;
    loop_core* m_dloop = nullptr; // the loop it is registered with
    bool m_dbusy = false;
    bool m_shutdown_called = false;
};

class loop_core {
  public:
    /// Appends w to the ready queue; it runs at this or the next loop turn, in FIFO order.
    void schedule(work_item* w) noexcept {
        w->m_next = nullptr;
        *m_tail = w;
        m_tail = &w->m_next;
    }
    /// The loop's clock, read once per loop turn (or the virtual clock).
    clock::time_point now() const noexcept { return m_now; }
    /// Reads the clock afresh (virtual time: unchanged). Deadlines count from the moment a
    /// timer is armed, as asyncio's do, even after a long step earlier in the same turn.
    clock::time_point refresh_now() noexcept {
        if (!m_virtual)
            m_now = clock::now();
        return m_now;
    }
    bool debug() const noexcept { return m_debug; }
    /// The loop's I/O backend (private to the library: src/io/backend.hpp).
    backend& io_backend() const noexcept { return *m_io; }
    bool tracing() const noexcept { return m_trace; }

    void add_timer(timer_node& t) noexcept;
    void cancel_timer(timer_node& t) noexcept;

    // The live root tasks (for cancellation at shutdown and diagnostics).
    void link_task(promise_base* t) noexcept;
    void unlink_task(promise_base* t) noexcept;
    std::size_t live_tasks() const noexcept { return m_tasks.size(); }
    const std::vector<promise_base*>& live_roots() const noexcept { return m_tasks; }

    // Detached work (see detached_work).
    void begin_detached(detached_work* w) noexcept {
        if (w->m_dloop != this) [[unlikely]]
            register_detached(w);
        w->m_dbusy = true;
        w->m_shutdown_called = false;
        ++m_detached_busy;
    }
    void end_detached(detached_work* w) noexcept {
        w->m_dbusy = false;
        --m_detached_busy;
    }
    /// The owner of `w` goes away: unregisters it (if its loop still exists). Not busy.
    static void forget_detached(detached_work* w) noexcept {
        if (w->m_dloop)
            w->m_dloop->unregister_detached(w);
    }

  protected:
    loop_core();
    ~loop_core();

    void sift_up(std::size_t i) noexcept;
    void sift_down(std::size_t i) noexcept;
    void register_detached(detached_work* w) noexcept;
    void unregister_detached(detached_work* w) noexcept;

    work_item* m_head = nullptr;
    work_item** m_tail = &m_head;
    clock::time_point m_now{};
    std::vector<timer_entry> m_timers;
    std::uint32_t m_timer_seq = 0;
    std::vector<promise_base*> m_tasks; // live roots; promise_base::m_index is the slot
    std::uint32_t m_next_id = 1;
    backend* m_io = nullptr; // set by event_loop once its backend exists
    // Every registered entry, busy or not.
    intrusive_list<detached_work, &detached_work::m_detached_next, &detached_work::m_detached_prev>
        m_detached;
    std::size_t m_detached_busy = 0;
    bool m_debug = false;
    bool m_trace = false;
    bool m_virtual = false;

    friend class promise_base;
};

inline bool parking::begin_park(std::coroutine_handle<> h, void (*cancel)(parking*) noexcept) {
    promise_base* t = t_current;
    if (!t)
        throw_no_running_task();
    if (t->cancel_pending()) {
        m_cancelled = true;
        return false;
    }
    m_task = t;
    m_cancel = cancel;
    t->m_link = h;
    t->m_parked = this;
    return true;
}

inline void parking::wake() noexcept {
    m_task->m_parked = nullptr;
    t_loop->schedule(m_task);
}

inline loop_core& running_loop_core() {
    if (!t_loop)
        throw_no_running_task();
    return *t_loop;
}

} // namespace aio::detail
