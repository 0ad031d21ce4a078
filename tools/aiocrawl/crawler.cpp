// The crawl's frontier and fetch slots; see crawler.hpp and docs/design/aiocrawl.md.
#include "crawler.hpp"

#include "links.hpp"

#include <aio/core/error.hpp>
#include <aio/core/sleep.hpp>
#include <aio/core/task_group.hpp>
#include <aio/core/timeout.hpp>
#include <aio/http/errors.hpp>
#include <aio/net/errors.hpp>
#include <aio/net/tls.hpp>
#include <aio/threads/thread_pool.hpp>

#include <algorithm>
#include <cctype>
#include <string_view>

namespace aiocrawl {

namespace {

aio::http::client_options client_options_for(const crawl_options& o) {
    aio::http::client_options c;
    // The slots already bound concurrency; the pool must never be the narrower gate, or a
    // fetch's clock would run while it waits for a connection.
    c.limit = o.concurrency + 1;
    c.limit_per_host = 0;
    c.total_timeout = std::chrono::milliseconds(0); // the crawler's own aio::timeout bounds a fetch
    c.max_body_size = o.max_body;
    c.ca_file = o.ca_file.empty() ? nullptr : o.ca_file.c_str();
    return c;
}

bool is_html(std::string_view content_type) {
    std::string t(content_type.substr(0, content_type.find(';')));
    std::transform(t.begin(), t.end(), t.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    while (!t.empty() && t.back() == ' ')
        t.pop_back();
    return t == "text/html" || t == "application/xhtml+xml";
}

/// The charset parameter of a Content-Type, lowercased; "" when absent.
std::string charset_of(std::string_view content_type) {
    std::string t(content_type);
    std::transform(t.begin(), t.end(), t.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    const std::size_t at = t.find("charset=");
    if (at == std::string::npos)
        return {};
    std::string v = t.substr(at + 8);
    v = v.substr(0, v.find(';'));
    std::erase(v, '"');
    std::erase(v, ' ');
    return v;
}

std::string seconds_text(std::chrono::milliseconds d) {
    const double s = static_cast<double>(d.count()) / 1000.0;
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g s", s);
    return buf;
}

/// Pages below this are parsed on the loop thread, larger ones on the thread pool.
constexpr std::size_t parse_inline_limit = 32 * 1024;

page_links extract_links_owned(std::string html, aio::http::url page) {
    return extract_links(html, page);
}

std::string site_of(const aio::http::url& u) {
    return u.host_port();
}

} // namespace

std::string_view kind_name(error_kind k) noexcept {
    switch (k) {
    case error_kind::none:
        return "none";
    case error_kind::http_4xx:
        return "http 4xx";
    case error_kind::http_5xx:
        return "http 5xx";
    case error_kind::timeout:
        return "timeout";
    case error_kind::redirects:
        return "redirects";
    case error_kind::too_large:
        return "too large";
    case error_kind::not_utf8:
        return "not utf-8";
    case error_kind::connection:
        return "connection";
    case error_kind::protocol:
        return "protocol";
    case error_kind::bad_url:
        return "bad url";
    case error_kind::other:
        return "other";
    }
    return "other";
}

crawler::crawler(const crawl_options& options, std::function<void(const fetch_record&)> on_record)
    : m_options(options), m_on_record(std::move(on_record)), m_http(client_options_for(m_options)),
      m_queue(aio::unbounded) {
    m_http.default_headers().set("User-Agent", user_agent);
}

crawler::~crawler() = default;

bool crawler::accept(std::string url, int depth) {
    if (m_seen.contains(url))
        return false;
    if (m_options.max_pages != 0 && m_stats.accepted >= m_options.max_pages) {
        ++m_stats.over_limits;
        return false;
    }
    m_seen.insert(url);
    ++m_stats.accepted;
    m_queue.put_nowait(item{depth, m_seq++, std::move(url)});
    return true;
}

crawler::host_state& crawler::host_for(const std::string& origin) {
    auto& slot = m_hosts[origin];
    if (!slot)
        slot = std::make_unique<host_state>(std::max<std::size_t>(1, m_options.per_host));
    return *slot;
}

aio::task<void> crawler::run(std::vector<std::string> start) {
    for (const std::string& s : start) {
        m_sites.insert(site_of(aio::http::url(s)));
        accept(s, 0);
    }
    aio::task_group group;
    for (std::size_t i = 0; i < std::max<std::size_t>(1, m_options.concurrency); ++i)
        group.spawn(worker(static_cast<int>(i)));
    group.spawn(closer());
    co_await group.join();
}

aio::task<void> crawler::closer() {
    co_await m_queue.join();
    m_queue.shutdown();
}

aio::task<void> crawler::worker(int slot) {
    for (;;) {
        item it{0, 0, {}};
        try {
            it = co_await m_queue.get();
        } catch (const aio::queue_shutdown_error&) {
            co_return;
        }
        co_await visit(std::move(it), slot);
        m_queue.task_done();
    }
}

aio::task<void> crawler::load_robots(host_state& h, std::string origin) {
    // RFC 9309 §2.3.1: 4xx means no rules. Unlike §2.3.1.3/4 (5xx or unreachable: assume
    // complete disallow) we also crawl on 5xx and network errors; the pages' own fetches
    // then fail, and the user sees why per URL instead of an empty crawl.
    try {
        std::string body = co_await aio::timeout(m_options.timeout, fetch_robots(origin));
        h.robots = robots_rules::parse(body, robots_agent);
    } catch (const aio::cancelled_error&) {
        h.robots_ready.set(); // waiters must not hang on a robots.txt nobody will fetch
        throw;
    } catch (const std::exception&) {
        h.robots = robots_rules();
    }
    ++m_stats.robots_fetched;
    h.robots_ready.set();
}

aio::task<std::string> crawler::fetch_robots(std::string origin) {
    auto r = co_await m_http.get(origin + "/robots.txt");
    std::string text = co_await r.text();
    co_return r.status >= 200 && r.status < 300 ? text : std::string();
}

aio::task<void> crawler::visit(item it, int slot) {
    const aio::http::url u(it.url);
    const std::string origin = u.origin();
    host_state& h = host_for(origin);
    if (!h.robots_started) {
        h.robots_started = true;
        co_await load_robots(h, origin);
    } else {
        co_await h.robots_ready.wait();
    }
    if (!h.robots.allowed(u.target())) {
        ++m_stats.robots_blocked;
        co_return;
    }
    auto permit = co_await h.permits.scoped();
    if (m_options.delay.count() > 0) {
        const auto now = clock::now();
        const auto at = std::max(now, h.next_start);
        h.next_start = at + m_options.delay;
        if (at > now)
            co_await aio::sleep(std::chrono::duration_cast<std::chrono::nanoseconds>(at - now));
    }
    ++m_stats.in_flight;
    fetch_record r;
    try {
        r = co_await fetch(it.url, it.depth, slot);
    } catch (...) {
        --m_stats.in_flight;
        throw;
    }
    --m_stats.in_flight;
    ++m_stats.done;
    m_stats.bytes += r.bytes;
    if (r.kind != error_kind::none)
        ++m_stats.errors;
    m_on_record(r);
}

aio::task<std::string> crawler::fetch_body(fetch_record& r, bool& html) {
    auto resp = co_await m_http.get(r.url);
    r.status = resp.status;
    if (auto ct = resp.headers.get("content-type"))
        r.content_type = std::string(*ct);
    if (!resp.history.empty())
        r.redirected_to = resp.url;
    html = is_html(r.content_type);
    std::string body = co_await resp.read();
    r.bytes = body.size();
    if (r.status >= 400) {
        r.kind = r.status >= 500 ? error_kind::http_5xx : error_kind::http_4xx;
        r.error =
            "HTTP " + std::to_string(r.status) + (resp.reason.empty() ? "" : " ") + resp.reason;
    }
    co_return html ? body : std::string();
}

aio::task<fetch_record> crawler::fetch(std::string url, int depth, int slot) {
    fetch_record r;
    r.url = std::move(url);
    r.depth = depth;
    r.slot = slot;
    r.start = clock::now();
    std::string body;
    bool html = false;
    try {
        body = co_await aio::timeout(m_options.timeout, fetch_body(r, html));
    } catch (const aio::cancelled_error&) {
        throw;
    } catch (const aio::timeout_error&) {
        r.kind = error_kind::timeout;
        r.error = "no complete answer within " + seconds_text(m_options.timeout) + " (--timeout)";
    } catch (const aio::http::too_many_redirects& e) {
        r.kind = error_kind::redirects;
        r.error = e.what();
    } catch (const aio::http::body_too_large& e) {
        r.kind = error_kind::too_large;
        r.error = e.what();
    } catch (const aio::http::invalid_url& e) {
        r.kind = error_kind::bad_url;
        r.error = e.what();
    } catch (const aio::http::protocol_error& e) {
        r.kind = error_kind::protocol;
        r.error = e.what();
    } catch (const aio::io_error& e) {
        r.kind = error_kind::connection;
        r.error = e.what();
    } catch (const aio::net::tls_error& e) {
        r.kind = error_kind::connection;
        r.error = e.what();
    } catch (const std::exception& e) {
        r.kind = error_kind::other;
        r.error = e.what();
    }
    r.end = clock::now();
    if (r.kind == error_kind::none && r.redirected_to)
        m_seen.insert(*r.redirected_to); // the target is this page: never fetch it again
    if (!html || r.status < 200 || r.status >= 300 || r.kind != error_kind::none)
        co_return r;

    const std::string cs = charset_of(r.content_type);
    if (cs.empty() || cs == "utf-8" || cs == "utf8") {
        if (const std::size_t bad = first_invalid_utf8(body); bad != std::string::npos) {
            r.kind = error_kind::not_utf8;
            r.error = "body is not valid UTF-8 (first bad byte at offset " + std::to_string(bad) +
                      "); links read with replacement characters";
        }
    }
    aio::http::url page(r.redirected_to ? *r.redirected_to : r.url);
    // Parsing is CPU work (gumbo: ~0.3 ms per 10 kB): a large page goes to the thread pool
    // so the loop keeps the other fetches moving (the seeds' to_thread lesson); a small one
    // costs less than the hop. The job owns its arguments, so a cancel cannot leave it
    // reading a dead frame.
    // An if, not ?:, around the co_await: written as `cond ? extract_links(...) : co_await
    // ...`, the GCC 12.2 build crashed (SIGSEGV) even on pages that took the inline arm.
    page_links found;
    if (body.size() < parse_inline_limit)
        found = extract_links(body, page);
    else
        found = co_await aio::to_thread(extract_links_owned, std::move(body), std::move(page));
    r.links = found.urls.size();
    m_stats.links += r.links;
    m_stats.malformed_links += found.malformed;
    for (std::string& link : found.urls) {
        if (m_seen.contains(link))
            continue;
        if (!m_options.any_site && !m_sites.contains(site_of(aio::http::url(link)))) {
            ++m_stats.off_site;
            continue;
        }
        if (m_options.max_depth >= 0 && depth + 1 > m_options.max_depth) {
            ++m_stats.over_limits;
            continue;
        }
        accept(std::move(link), depth + 1);
    }
    co_return r;
}

} // namespace aiocrawl
