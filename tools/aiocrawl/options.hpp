// aiocrawl's settings, as parsed from the command line (cli.cpp).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace aiocrawl {

/// Everything the command line sets. Defaults are the ones `--help` shows.
struct crawl_options {
    /// Start URLs; empty: crawl the embedded demo site.
    std::vector<std::string> urls;
    /// Fetches in flight at once, over every host.
    std::size_t concurrency = 32;
    /// Fetches in flight at once to one host (scheme, host, port).
    std::size_t per_host = 8;
    /// Most URLs fetched (start URLs included); 0: no limit.
    std::size_t max_pages = 1000;
    /// Deepest link level followed (start URLs are depth 0); -1: no limit.
    int max_depth = -1;
    /// Bound on one fetch, from sending the request to the end of the body.
    std::chrono::milliseconds timeout{10000};
    /// Least time between the starts of two fetches to one host (politeness).
    std::chrono::milliseconds delay{0};
    /// Largest body read; a larger one is an error for that URL.
    std::size_t max_body = 5 * 1024 * 1024;
    /// Follow links to other hosts too.
    bool any_site = false;
    /// Output files ("" for none).
    std::string out, trace, report;
    /// No progress display.
    bool quiet = false;
    /// A PEM file of extra trusted CA certificates for https ("" for none).
    std::string ca_file;
    /// The demo site's shape (demo_site::shape): pages, latency scale, special cases.
    int demo_pages = 300;
    double demo_latency = 1.0;
    bool demo_plain = false;
    /// Serve the demo site, print its URL, and wait for Ctrl-C instead of crawling (for
    /// other crawlers: bench/crawl/).
    bool serve_demo = false;
};

} // namespace aiocrawl
