// The live progress display; see progress.hpp.
#include "progress.hpp"

#include <aio/core/sleep.hpp>

#include <algorithm>
#include <cstdio>

#include <sys/ioctl.h>
#include <unistd.h>

namespace aiocrawl {

namespace {

std::size_t terminal_width(std::FILE* out) {
    winsize ws{};
    if (::ioctl(::fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
        return ws.ws_col;
    return 80;
}

double rate(const progress_snapshot& s) {
    return s.seconds > 0 ? static_cast<double>(s.done) / s.seconds : 0.0;
}

} // namespace

std::string progress_bar_line(const progress_snapshot& s, std::size_t width) {
    const std::size_t total = std::max(s.total, s.done + s.in_flight);
    char stats[160];
    std::snprintf(stats, sizeof stats, " %zu/%zu done  %zu in flight  %.1f pages/s  %zu error%s",
                  s.done, total, s.in_flight, rate(s), s.errors, s.errors == 1 ? "" : "s");
    std::string tail = stats;
    // The bar takes what is left of the line, between 10 and 40 columns.
    const std::size_t room = width > tail.size() + 3 ? width - tail.size() - 3 : 0;
    const std::size_t bar = std::clamp<std::size_t>(room, 10, 40);
    const std::size_t filled = total == 0 ? 0 : bar * s.done / total;
    std::string line = "[";
    line += std::string(filled, '=');
    if (filled < bar) {
        line += '>';
        line += std::string(bar - filled - 1, ' ');
    }
    line += "]" + tail;
    if (line.size() > width - 1) // never wrap: a wrapped line cannot be redrawn with '\r'
        line.resize(width - 1);
    return line;
}

std::string progress_plain_line(const progress_snapshot& s) {
    char buf[200];
    std::snprintf(
        buf, sizeof buf,
        "aiocrawl: %.1f s  %zu done, %zu queued, %zu in flight, %.1f pages/s, %zu error%s",
        s.seconds, s.done, s.queued, s.in_flight, rate(s), s.errors, s.errors == 1 ? "" : "s");
    return buf;
}

progress_display::progress_display(mode m, std::FILE* out, const crawler& c)
    : m_mode(m), m_out(out), m_crawler(c), m_start(clock::now()) {}

progress_display::~progress_display() {
    finish();
}

progress_snapshot progress_display::snapshot() const {
    const crawl_stats& st = m_crawler.stats();
    progress_snapshot s;
    s.done = st.done;
    s.queued = m_crawler.queued();
    s.in_flight = st.in_flight;
    s.errors = st.errors;
    s.bytes = st.bytes;
    s.total = st.accepted - st.robots_blocked;
    s.seconds = std::chrono::duration<double>(clock::now() - m_start).count();
    return s;
}

void progress_display::draw() {
    if (m_mode == mode::tty) {
        if (!m_started)
            std::fputs("\x1b[?25l", m_out); // hide the cursor while the bar is live
        m_started = true;
        const std::string line = progress_bar_line(snapshot(), terminal_width(m_out));
        std::fprintf(m_out, "\r%s\x1b[K", line.c_str());
    } else if (m_mode == mode::plain) {
        m_started = true;
        std::fprintf(m_out, "%s\n", progress_plain_line(snapshot()).c_str());
    }
    std::fflush(m_out);
}

aio::task<void> progress_display::run() {
    if (m_mode == mode::quiet)
        co_return;
    const auto period =
        m_mode == mode::tty ? std::chrono::milliseconds(100) : std::chrono::milliseconds(1000);
    for (;;) {
        if (m_mode == mode::tty)
            draw();
        co_await aio::sleep(period);
        if (m_mode == mode::plain)
            draw();
    }
}

void progress_display::finish() {
    if (m_finished || m_mode != mode::tty)
        return;
    m_finished = true;
    draw();
    std::fputs("\n\x1b[?25h", m_out); // end the bar's line, show the cursor again
    std::fflush(m_out);
}

} // namespace aiocrawl
