// Batching of the io_uring backend's blocking waits (completion moderation), when
// run_options::io_batch_window asks for it.
//
// A loop serving many connections that outruns its peers wakes once per message: each
// blocking io_uring_enter returns with one completion, so every round trip pays a whole
// kernel entry and exit. The kernel (6.12+, IORING_FEAT_MIN_TIMEOUT) can instead hold a
// wait open for a short window once a completion is there, collecting whatever else
// arrives meanwhile: one entry then serves many messages, as a network card's interrupt
// moderation does. The window costs latency (and, for clients that wait for each answer,
// throughput) whenever little else arrives, so it is used only while it pays:
//
// - off (the start): plain waits; every `probe_every`-th wait is a probe, held open for the
//   window. A wait costs the window only if a completion arrives before it ends; an idle
//   loop's waits are not lengthened at all.
// - a probe (or held wait) that collected `on_at` completions or more turns holding on:
//   every wait is held open for the window or until `max_batch` completions;
// - a held wait that collected fewer than `off_below` turns it off again.
//
// So a lone request/response connection pays the window on one wait in `probe_every` (its
// probes collect one completion). Waits that a timer ends sooner than the window are
// never held open.
#pragma once

#include "io/backend.hpp"

#include <cstdint>

namespace aio::detail {

class wait_moderator {
  public:
    static constexpr unsigned probe_every = 128;
    static constexpr unsigned max_batch = 32;
    static constexpr unsigned on_at = 8;
    static constexpr unsigned off_below = 4;

    /// window_us == 0: never hold a wait open.
    explicit wait_moderator(unsigned window_us = 0) noexcept : m_window_us(window_us) {}

    /// How to wait: for `wait_nr` completions, returning early once `min_wait_us` has passed
    /// with at least one (min_wait_us == 0: a plain wait for one completion).
    struct plan {
        unsigned wait_nr = 1;
        unsigned min_wait_us = 0;
    };

    /// The plan for a blocking wait of up to timeout_ns (< 0: no limit; never 0).
    plan next(std::int64_t timeout_ns) noexcept {
        ++m_stats.waits;
        m_held = false;
        if (m_window_us == 0 || (timeout_ns >= 0 && timeout_ns < std::int64_t{m_window_us} * 1000))
            return {}; // off, or a timer is due within the window: keep it on time
        if (!m_on && ++m_waits < probe_every)
            return {};
        m_waits = 0;
        m_held = true;
        ++m_stats.held;
        return {max_batch, m_window_us};
    }

    /// How many completions the last wait collected (only a wait next() planned counts:
    /// calls for polls that did not ask are ignored).
    void observe(unsigned completions) noexcept {
        if (!m_held)
            return;
        m_held = false;
        m_on = completions >= (m_on ? off_below : on_at);
    }

    bool holding() const noexcept { return m_on; }
    const wait_stats& stats() const noexcept { return m_stats; }

  private:
    unsigned m_window_us;
    unsigned m_waits = 0; ///< plain waits since the last probe
    bool m_on = false;
    bool m_held = false; ///< the last plan held the wait open
    wait_stats m_stats;
};

} // namespace aio::detail
