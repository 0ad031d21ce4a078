// The crawl: a breadth-first frontier worked by a fixed number of fetch slots under a
// global and a per-host limit. Design: docs/design/aiocrawl.md.
#pragma once

#include "fetch_record.hpp"
#include "options.hpp"
#include "robots.hpp"

#include <aio/core/task.hpp>
#include <aio/http/client.hpp>
#include <aio/sync/event.hpp>
#include <aio/sync/queue.hpp>
#include <aio/sync/semaphore.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace aiocrawl {

/// Counters the progress display and the summary read while and after the crawl runs.
struct crawl_stats {
    std::size_t accepted = 0;        ///< URLs put in the frontier (start URLs included)
    std::size_t done = 0;            ///< fetches finished (ok or not)
    std::size_t in_flight = 0;       ///< fetches running now
    std::size_t errors = 0;          ///< finished fetches with an error
    std::size_t bytes = 0;           ///< body bytes read
    std::size_t links = 0;           ///< links found (sum over pages of distinct links)
    std::size_t robots_blocked = 0;  ///< URLs not fetched because robots.txt disallows them
    std::size_t off_site = 0;        ///< links not followed because they leave the site
    std::size_t over_limits = 0;     ///< links not followed because of --max-depth/--max-pages
    std::size_t malformed_links = 0; ///< hrefs that were not URLs
    std::size_t robots_fetched = 0;  ///< robots.txt files fetched (one per host)
};

/// One crawl. Not copyable; lives on the loop thread; run() once.
///
/// - Frontier: a priority queue ordered by (depth, discovery order), so the shallowest URL
///   known is always fetched next (breadth-first even with many fetches in flight). A URL is
///   accepted once (the `seen` set holds normalised URLs, redirect targets included).
/// - Slots: `concurrency` worker tasks; each takes a URL, waits for robots.txt of its host
///   (fetched once per host by the first worker that needs it), takes a permit of the host's
///   semaphore (`per_host`), waits out the host's politeness delay, fetches, and puts the
///   page's links in the frontier. The slot number is the trace's row.
/// - End: when the frontier is empty and every taken URL is done (queue::join), the queue is
///   shut down and the workers return. Cancelling run() cancels every fetch in flight.
/// - Errors: a fetch never throws; its error goes into its fetch_record.
class crawler {
  public:
    /// `on_record` is called on the loop thread once per finished fetch, in completion
    /// order. Throws nothing; `options` is copied.
    crawler(const crawl_options& options, std::function<void(const fetch_record&)> on_record);
    ~crawler();
    crawler(const crawler&) = delete;
    crawler& operator=(const crawler&) = delete;

    /// Crawls from `start` (absolute http(s) URLs, already checked) until done.
    [[nodiscard]] aio::task<void> run(std::vector<std::string> start);

    const crawl_stats& stats() const noexcept { return m_stats; }
    /// URLs waiting in the frontier.
    std::size_t queued() const noexcept { return m_queue.qsize(); }

  private:
    struct item {
        int depth;
        std::size_t seq;
        std::string url;
        bool operator<(const item& o) const noexcept {
            return depth != o.depth ? depth < o.depth : seq < o.seq;
        }
    };
    struct host_state {
        explicit host_state(std::size_t permits) : permits(permits) {}
        aio::semaphore permits;
        clock::time_point next_start{};
        bool robots_started = false;
        aio::event robots_ready;
        robots_rules robots;
    };

    bool accept(std::string url, int depth);
    host_state& host_for(const std::string& origin);
    aio::task<void> worker(int slot);
    aio::task<void> closer();
    aio::task<void> visit(item it, int slot);
    aio::task<void> load_robots(host_state& h, std::string origin);
    aio::task<std::string> fetch_robots(std::string origin);
    aio::task<std::string> fetch_body(fetch_record& r, bool& html);
    aio::task<fetch_record> fetch(std::string url, int depth, int slot);

    crawl_options m_options;
    std::function<void(const fetch_record&)> m_on_record;
    aio::http::client_session m_http;
    aio::priority_queue<item> m_queue;
    std::unordered_set<std::string> m_seen;
    std::unordered_set<std::string> m_sites; ///< host:port of the start URLs
    std::unordered_map<std::string, std::unique_ptr<host_state>> m_hosts;
    std::size_t m_seq = 0;
    crawl_stats m_stats;
};

/// The product token sent as User-Agent and matched in robots.txt.
inline constexpr const char* user_agent = "aiocrawl/0.1 (aiocpp)";
inline constexpr const char* robots_agent = "aiocrawl";

} // namespace aiocrawl
