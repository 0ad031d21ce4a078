// aiocrawl's command line with CLI11; see cli.hpp.
#include "cli.hpp"

#include "links.hpp"

#include <aio/http/url.hpp>

#include <cmath>

#include <CLI/CLI.hpp>

namespace aiocrawl {

const char* const usage_line =
    "usage: aiocrawl [URL ...] [--concurrency N] [--per-host N] [--max-pages N] [--max-depth N] "
    "[--timeout S] [--delay S] [--any-site] [--out results.jsonl] [--trace trace.json] "
    "[--report report.html] [--quiet] [--help]";

namespace {

std::chrono::milliseconds to_ms(double seconds) {
    return std::chrono::milliseconds(static_cast<long long>(std::llround(seconds * 1000.0)));
}

parsed_command_line usage_error(const std::string& reason) {
    parsed_command_line p;
    p.exit_code = 2;
    p.err = "aiocrawl: " + reason + "\n" + usage_line + "\n";
    return p;
}

} // namespace

parsed_command_line parse_command_line(int argc, const char* const* argv) {
    crawl_options o;
    double timeout_s = 10, delay_s = 0;
    CLI::App app{"aiocrawl: a concurrent web crawler on aiocpp (asyncio for C++20).\n"
                 "With no URL it crawls its embedded demo site (127.0.0.1, an ephemeral port).",
                 "aiocrawl"};
    app.option_defaults()->always_capture_default();
    app.add_option("urls", o.urls, "Start URLs (http or https); none: the embedded demo site");
    app.add_option("-c,--concurrency", o.concurrency, "Fetches in flight at once, over all hosts")
        ->check(CLI::Range(1, 10000));
    app.add_option("--per-host", o.per_host, "Fetches in flight at once to one host")
        ->check(CLI::Range(1, 10000));
    app.add_option("--max-pages", o.max_pages, "Most URLs fetched (0: no limit)");
    app.add_option("--max-depth", o.max_depth,
                   "Deepest link level followed, start URLs being 0 (-1: no limit)")
        ->check(CLI::Range(-1, 1000000));
    app.add_option("--timeout", timeout_s, "Seconds allowed for one fetch, request to end of body")
        ->check(CLI::Range(0.001, 86400.0));
    app.add_option("--delay", delay_s, "Seconds between the starts of two fetches to one host")
        ->check(CLI::Range(0.0, 3600.0));
    app.add_option("--max-body", o.max_body,
                   "Largest body read, in bytes; a larger one is an error")
        ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 40));
    app.add_flag("--any-site", o.any_site,
                 "Follow links to other hosts too (default: the start URLs' hosts)");
    app.add_option("-o,--out", o.out,
                   "Write one JSON object per fetched URL to this file, as they finish");
    app.add_option("--trace", o.trace,
                   "Write a Chrome trace (Perfetto) of every fetch to this file");
    app.add_option("--report", o.report,
                   "Write a self-contained HTML report (waterfall, histogram)");
    app.add_option("--ca-file", o.ca_file, "PEM file of extra CA certificates trusted for https");
    app.add_flag("-q,--quiet", o.quiet, "No progress display");
    app.add_option("--demo-pages", o.demo_pages, "Demo site: number of generated pages")
        ->check(CLI::Range(1, 1000000));
    app.add_option("--demo-latency", o.demo_latency, "Demo site: latency scale (0: answer at once)")
        ->check(CLI::Range(0.0, 100.0));
    app.add_flag("--demo-plain", o.demo_plain,
                 "Demo site: only the generated pages (no errors, redirects, /never)");
    app.add_flag("--serve-demo", o.serve_demo,
                 "Serve the demo site, print its URL, wait for Ctrl-C; no crawl");
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
        parsed_command_line p;
        p.out = app.help();
        return p;
    } catch (const CLI::ParseError& e) {
        return usage_error(e.what());
    }
    if (o.serve_demo && !o.urls.empty())
        return usage_error("--serve-demo takes no URL");
    o.timeout = to_ms(timeout_s);
    o.delay = to_ms(delay_s);
    for (std::string& u : o.urls) {
        try {
            const aio::http::url parsed(u);
            if ((parsed.scheme() != "http" && parsed.scheme() != "https") || parsed.host().empty())
                return usage_error("start URL \"" + u +
                                   "\" is not an http or https URL with a host");
            u = parsed.without_fragment().normalized().str();
        } catch (const aio::http::invalid_url& e) {
            return usage_error(std::string("malformed start URL: ") + e.what());
        }
    }
    parsed_command_line p;
    p.options = std::move(o);
    return p;
}

} // namespace aiocrawl
