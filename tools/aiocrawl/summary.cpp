// The summary; see summary.hpp.
#include "summary.hpp"

#include <algorithm>
#include <cstdio>
#include <map>

namespace aiocrawl {

namespace {

std::string fmt(const char* f, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, f, v);
    return buf;
}

std::string human_bytes(std::size_t b) {
    if (b >= 1000 * 1000)
        return fmt("%.1f MB", static_cast<double>(b) / 1e6);
    if (b >= 1000)
        return fmt("%.1f kB", static_cast<double>(b) / 1e3);
    return std::to_string(b) + " B";
}

} // namespace

crawl_summary summarise(const std::vector<fetch_record>& records, double wall_s) {
    crawl_summary s;
    s.wall_s = wall_s;
    std::map<error_kind, std::size_t> kinds;
    for (const fetch_record& r : records) {
        ++s.pages;
        s.links += r.links;
        s.bytes += r.bytes;
        s.sequential_s += r.ms() / 1000.0;
        if (r.kind == error_kind::none) {
            ++s.ok;
        } else {
            ++s.errors;
            ++kinds[r.kind];
        }
    }
    s.by_kind.assign(kinds.begin(), kinds.end());
    std::stable_sort(s.by_kind.begin(), s.by_kind.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    return s;
}

std::string summary_text(const crawl_summary& s,
                         const crawl_stats& stats,
                         const std::string& what,
                         bool interrupted,
                         std::size_t cancelled) {
    std::string t =
        "aiocrawl: " + std::to_string(s.pages) + " pages (" + std::to_string(s.ok) + " ok, " +
        std::to_string(s.errors) + " error" + (s.errors == 1 ? "" : "s") + ") from " + what +
        " in " + fmt("%.1f s", s.wall_s) + ", " +
        fmt("%.1f pages/s", s.wall_s > 0 ? static_cast<double>(s.pages) / s.wall_s : 0.0) + "\n";
    if (interrupted)
        t += "  interrupted: " + std::to_string(cancelled) + " fetch" +
             (cancelled == 1 ? "" : "es") + " in flight cancelled, " +
             std::to_string(stats.accepted -
                            std::min(stats.accepted, s.pages + cancelled + stats.robots_blocked)) +
             " queued not fetched\n";
    t += "  links   " + std::to_string(s.links) + " found; " + std::to_string(stats.off_site) +
         " off-site, " + std::to_string(stats.robots_blocked) + " blocked by robots.txt, " +
         std::to_string(stats.over_limits) + " over --max-depth/--max-pages: not fetched\n";
    t += "  bytes   " + human_bytes(s.bytes) + "\n";
    t += "  errors  ";
    if (s.by_kind.empty())
        t += "none";
    for (std::size_t i = 0; i < s.by_kind.size(); ++i)
        t += (i ? ", " : "") + std::string(kind_name(s.by_kind[i].first)) + " " +
             std::to_string(s.by_kind[i].second);
    t += "\n";
    if (s.wall_s > 0)
        t += "  a sequential crawl would have taken " + fmt("%.1f s", s.sequential_s) + " (" +
             fmt("%.1f", s.sequential_s / s.wall_s) + "\u00d7 longer)\n";
    return t;
}

} // namespace aiocrawl
