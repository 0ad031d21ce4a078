// The live progress display: a bar redrawn in place on a terminal, plain periodic lines
// otherwise, nothing with --quiet.
#pragma once

#include "crawler.hpp"

#include <aio/core/task.hpp>

#include <chrono>
#include <cstdio>
#include <string>

namespace aiocrawl {

/// What the display shows at one moment.
struct progress_snapshot {
    std::size_t done = 0, queued = 0, in_flight = 0, errors = 0, bytes = 0;
    /// URLs known to be fetched in all: done, in flight, waiting (robots.txt-blocked ones out).
    std::size_t total = 0;
    double seconds = 0;
};

/// The bar line (no control characters), at most `width` columns:
/// `[=========>          ] 123/456 done   8 in flight   45.2 pages/s   3 errors`.
std::string progress_bar_line(const progress_snapshot& s, std::size_t width);

/// The plain line printed every second when stdout is not a terminal:
/// `aiocrawl: 12.0 s  123 done, 333 queued, 8 in flight, 45.2 pages/s, 3 errors`.
std::string progress_plain_line(const progress_snapshot& s);

/// Draws the progress of a crawler on `out` until cancelled or finish().
///
/// On a terminal: hides the cursor, redraws one line in place every 100 ms (`\r`, the line,
/// erase to end of line: no flicker, no scrolling) and, in finish(), draws the last state,
/// ends the line and shows the cursor again, so the terminal is left as it was. Elsewhere:
/// one plain line a second. Loop thread only.
class progress_display {
  public:
    enum class mode { tty, plain, quiet };
    progress_display(mode m, std::FILE* out, const crawler& c);
    ~progress_display();
    progress_display(const progress_display&) = delete;
    progress_display& operator=(const progress_display&) = delete;

    /// Redraws until cancelled. Never throws anything but cancellation.
    [[nodiscard]] aio::task<void> run();
    /// Draws the final state and restores the terminal. Idempotent.
    void finish();

  private:
    progress_snapshot snapshot() const;
    void draw();
    mode m_mode;
    std::FILE* m_out;
    const crawler& m_crawler;
    clock::time_point m_start;
    bool m_started = false, m_finished = false;
};

} // namespace aiocrawl
