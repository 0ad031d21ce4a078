// The summary printed at the end of a crawl.
#pragma once

#include "crawler.hpp"
#include "fetch_record.hpp"

#include <string>
#include <vector>

namespace aiocrawl {

/// Figures of a finished (or interrupted) crawl.
struct crawl_summary {
    std::size_t pages = 0, ok = 0, errors = 0, links = 0, bytes = 0;
    double wall_s = 0;       ///< from the first fetch's start to the last fetch's end
    double sequential_s = 0; ///< the sum of every fetch's time: one fetch after another
    std::vector<std::pair<error_kind, std::size_t>> by_kind; ///< errors by kind, largest first
};

crawl_summary summarise(const std::vector<fetch_record>& records, double wall_s);

/// The text printed at the end, e.g.
///
///     aiocrawl: 318 pages (310 ok, 8 errors) from http://127.0.0.1:40105/ in 10.4 s, 30.6 pages/s
///       links   1650 found; 42 off-site and 1 blocked by robots.txt not fetched
///       bytes   8.4 MB
///       errors  http 4xx 12, http 5xx 8, timeout 1, redirects 1, too large 1, not utf-8 1
///       a sequential crawl would have taken 61.2 s (5.9× longer)
std::string summary_text(const crawl_summary& s,
                         const crawl_stats& stats,
                         const std::string& what,
                         bool interrupted,
                         std::size_t cancelled);

} // namespace aiocrawl
