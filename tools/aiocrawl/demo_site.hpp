// The embedded demo site: what aiocrawl crawls when given no URL.
#pragma once

#include <aio/core/task.hpp>
#include <aio/http/request.hpp>
#include <aio/http/response.hpp>
#include <aio/http/server.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace aiocrawl {

/// A generated web site served by aio::http::server on 127.0.0.1 (an ephemeral port) in the
/// crawler's own process, so the program shows on any machine, offline, what concurrency
/// buys. Every answer comes after a simulated latency drawn from a seeded hash of its path
/// (reproducible run to run): 20 to 300 ms.
///
/// - `/` links to `/page/1`, `/page/2` and `/specials`. `/page/N` (1..pages) links to its
///   children `2N+1` and `2N+2` (so every page is reachable) and to four other pages chosen
///   by the seed, written in several forms (absolute path, relative, `../`, full URL, with
///   fragments, under a `<base href>`). Every 25th page links to `/missing/N` (404), every
///   40th (from 7) to `/error/N` (500).
/// - `/specials` links to two slow pages (`/slow/1`, `/slow/2`: 1.5 s and 2.5 s), a redirect
///   chain (`/redirect/chain/1` -> 2 -> 3 -> `/page/3`), a redirect loop (`/redirect/loop/a`
///   <-> `/redirect/loop/b`), a page that never answers (`/never`: shows --timeout), a page
///   served as UTF-8 that is Latin-1 (`/latin1`), an 8 MiB page (`/huge`: over the default
///   --max-body of 5 MiB), a JSON document (`/data.json`: counted, not parsed), a page under
///   `/private/` (disallowed by `/robots.txt`), an off-site link and a mailto: link.
/// - Threads: the loop thread. stop() (or destruction) closes the server; `/never`'s
///   handlers are cancelled then.
class demo_site {
  public:
    static constexpr int default_pages = 300;

    /// How the site is generated: the defaults are the demo; the benchmark (bench/crawl/)
    /// asks for more pages, no latency and no special cases.
    struct shape {
        int pages = default_pages;
        /// Multiplies every simulated latency; 0 answers at once.
        double latency_scale = 1.0;
        /// Link /specials (errors, redirects, /never...) from the home page.
        bool specials = true;
        std::uint64_t seed = 2026;
    };

    explicit demo_site(shape s);
    demo_site() : demo_site(shape{}) {}
    ~demo_site();
    demo_site(const demo_site&) = delete;
    demo_site& operator=(const demo_site&) = delete;

    /// Listens on 127.0.0.1, port 0.
    [[nodiscard]] aio::task<void> start();
    /// Closes the server, cancelling handlers still running after a short grace period.
    [[nodiscard]] aio::task<void> stop();
    /// "http://127.0.0.1:<port>/".
    std::string url() const;
    /// The simulated latency of `path`.
    std::chrono::milliseconds latency(const std::string& path) const;

  private:
    aio::task<aio::http::response> delayed(aio::http::request& req, aio::http::next_handler next);
    aio::task<aio::http::response> never();
    aio::http::response page(int n) const;
    aio::http::response home() const;
    aio::http::response specials() const;
    std::string link_to(int from, int to, int form) const;

    int m_pages;
    std::uint64_t m_seed;
    double m_latency_scale;
    bool m_specials;
    aio::http::server m_server;
    std::string m_huge; // made on first request
};

} // namespace aiocrawl
