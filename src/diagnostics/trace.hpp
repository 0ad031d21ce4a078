// Task timeline recording: Chrome trace export (AIO_TRACE=file.json) and the terminal
// timeline renderer (AIO_TIMELINE=1 or run_options::timeline).
#pragma once

#include <aio/core/detail/promise_base.hpp>

#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace aio::detail {

class trace_recorder {
  public:
    trace_recorder();
    void on_create(const promise_base& t);
    void on_step_begin(const promise_base& t);
    void on_step_end(std::uint32_t id);
    void on_finish(const promise_base& t);

    /// Writes Chrome trace-event JSON (opens in Perfetto / chrome://tracing).
    bool write_chrome_json(const std::string& path) const;
    /// Draws one row per task: '#' while running, '-' while suspended, over `width` columns.
    void render_timeline(std::ostream& out, int width = 60) const;

  private:
    struct task_row {
        std::uint32_t id;
        std::string name;
        std::int64_t created_us = 0;
        std::int64_t finished_us = -1;
        std::vector<std::pair<std::int64_t, std::int64_t>> steps; // [begin, end) in µs
    };
    std::int64_t now_us() const;
    task_row* row(std::uint32_t id);

    std::chrono::steady_clock::time_point m_origin;
    std::vector<task_row> m_rows;
    std::int64_t m_step_begin = 0;
};

} // namespace aio::detail
