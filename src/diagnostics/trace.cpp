#include "diagnostics/trace.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>

namespace aio::detail {

namespace {
std::string json_escape(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (static_cast<unsigned char>(c) < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out += buf;
        } else {
            out += c;
        }
    }
    return out;
}
} // namespace

trace_recorder::trace_recorder() : m_origin(std::chrono::steady_clock::now()) {}

std::int64_t trace_recorder::now_us() const {
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                                 m_origin)
        .count();
}

trace_recorder::task_row* trace_recorder::row(std::uint32_t id) {
    // Ids are handed out in increasing order, so rows are sorted by id.
    auto it = std::lower_bound(m_rows.begin(), m_rows.end(), id,
                               [](const task_row& r, std::uint32_t v) { return r.id < v; });
    return it != m_rows.end() && it->id == id ? &*it : nullptr;
}

void trace_recorder::on_create(const promise_base& t) {
    m_rows.push_back(task_row{t.m_id, t.name(), now_us(), -1, {}});
}

void trace_recorder::on_step_begin(const promise_base&) {
    m_step_begin = now_us();
}

void trace_recorder::on_step_end(std::uint32_t id) {
    if (task_row* r = row(id))
        r->steps.emplace_back(m_step_begin, now_us());
}

void trace_recorder::on_finish(const promise_base& t) {
    if (task_row* r = row(t.m_id))
        r->finished_us = now_us();
}

bool trace_recorder::write_chrome_json(const std::string& path) const {
    std::ofstream out(path);
    if (!out)
        return false;
    out << "{\"traceEvents\":[\n";
    bool first = true;
    auto sep = [&] {
        if (!first)
            out << ",\n";
        first = false;
    };
    const std::int64_t end = now_us();
    for (const task_row& r : m_rows) {
        const std::string name = json_escape(r.name);
        sep();
        out << R"({"ph":"M","pid":1,"tid":)" << r.id << R"(,"name":"thread_name","args":{"name":")"
            << name << "\"}}";
        // The task's whole life, then each step it ran, as complete ("X") events.
        const std::int64_t fin = r.finished_us < 0 ? end : r.finished_us;
        sep();
        out << R"({"ph":"X","pid":1,"tid":)" << r.id << R"(,"ts":)" << r.created_us << R"(,"dur":)"
            << (fin - r.created_us) << R"(,"name":")" << name << R"(","cat":"task"})";
        for (auto [b, e] : r.steps) {
            sep();
            out << R"({"ph":"X","pid":1,"tid":)" << r.id << R"(,"ts":)" << b << R"(,"dur":)"
                << std::max<std::int64_t>(e - b, 1) << R"(,"name":"run","cat":"step"})";
        }
    }
    out << "\n]}\n";
    return static_cast<bool>(out);
}

void trace_recorder::render_timeline(std::ostream& out, int width) const {
    if (m_rows.empty())
        return;
    const std::int64_t end = std::max<std::int64_t>(now_us(), 1);
    std::size_t name_w = 4;
    for (const auto& r : m_rows)
        name_w = std::max(name_w, std::min<std::size_t>(r.name.size(), 24));
    auto col = [&](std::int64_t us) {
        return static_cast<int>(std::min<std::int64_t>(width - 1, us * width / end));
    };
    out << "timeline (" << end / 1000 << " ms; '#' running, '-' waiting)\n";
    for (const auto& r : m_rows) {
        std::string line(width, ' ');
        const std::int64_t fin = r.finished_us < 0 ? end : r.finished_us;
        for (int c = col(r.created_us); c <= col(fin); ++c)
            line[c] = '-';
        for (auto [b, e] : r.steps)
            for (int c = col(b); c <= col(e); ++c)
                line[c] = '#';
        std::string name = r.name.substr(0, name_w);
        name.resize(name_w, ' ');
        out << name << " |" << line << "|\n";
    }
}

} // namespace aio::detail
