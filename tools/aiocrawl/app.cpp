// The program around the crawl; see app.hpp.
#include "app.hpp"

#include "crawler.hpp"
#include "demo_site.hpp"
#include "progress.hpp"
#include "summary.hpp"
#include "writers.hpp"

#include <aio/core/error.hpp>
#include <aio/core/task_handle.hpp>
#include <aio/os/signal.hpp>

#include <csignal>
#include <cstdio>
#include <memory>
#include <optional>

#include <unistd.h>

namespace aiocrawl {

namespace {

/// Waits for SIGINT or SIGTERM, then notes what was in flight and cancels the crawl.
struct interrupt_watch {
    const crawler* c = nullptr;
    aio::task_handle<void> crawl;
    bool fired = false;
    std::size_t in_flight = 0;

    aio::task<void> run() {
        co_await aio::signal_received(SIGINT, SIGTERM);
        fired = true;
        in_flight = c->stats().in_flight;
        crawl.cancel();
    }
};

template <class T> aio::task<void> cancel_and_wait(aio::task_handle<T> h) {
    h.cancel();
    try {
        co_await h;
    } catch (const aio::cancelled_error&) {
    }
}

} // namespace

namespace {

demo_site::shape shape_of(const crawl_options& o) {
    demo_site::shape s;
    s.pages = o.demo_pages;
    s.latency_scale = o.demo_latency;
    s.specials = !o.demo_plain;
    return s;
}

aio::task<int> serve_demo(crawl_options options) {
    demo_site demo(shape_of(options));
    co_await demo.start();
    std::printf("%s\n", demo.url().c_str());
    std::fflush(stdout);
    co_await aio::signal_received(SIGINT, SIGTERM);
    co_await demo.stop();
    co_return exit_ok;
}

} // namespace

aio::task<int> run_crawl(crawl_options options) {
    if (options.serve_demo)
        co_return co_await serve_demo(std::move(options));
    std::unique_ptr<jsonl_writer> out;
    if (!options.out.empty()) {
        try {
            out = std::make_unique<jsonl_writer>(options.out);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "aiocrawl: %s\n", e.what());
            co_return exit_usage;
        }
    }

    std::unique_ptr<demo_site> demo;
    std::string what;
    if (options.urls.empty()) {
        demo = std::make_unique<demo_site>(shape_of(options));
        co_await demo->start();
        options.urls.push_back(demo->url());
        what = "the demo site " + demo->url();
    } else {
        what = options.urls.front();
        if (options.urls.size() > 1)
            what += " and " + std::to_string(options.urls.size() - 1) + " more";
    }

    std::vector<fetch_record> records;
    crawler c(options, [&](const fetch_record& r) {
        records.push_back(r);
        if (out)
            out->write(r);
    });
    const auto mode = options.quiet             ? progress_display::mode::quiet
                      : ::isatty(STDOUT_FILENO) ? progress_display::mode::tty
                                                : progress_display::mode::plain;
    progress_display progress(mode, stdout, c);

    const clock::time_point started = clock::now();
    auto crawl = aio::create_task(c.run(options.urls), "crawl");
    interrupt_watch watch{&c, crawl};
    auto watcher = aio::create_task(watch.run(), "signals");
    auto drawer = aio::create_task(progress.run(), "progress");
    int code = exit_ok;
    try {
        co_await crawl;
    } catch (const aio::cancelled_error&) {
        code = exit_interrupted;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "aiocrawl: the crawl failed: %s\n", e.what());
        code = exit_no_start;
    }
    const clock::time_point ended = clock::now();
    co_await cancel_and_wait(drawer);
    co_await cancel_and_wait(watcher);
    progress.finish();
    if (out)
        out->close();
    if (demo)
        co_await demo->stop();

    const double wall = std::chrono::duration<double>(ended - started).count();
    const crawl_summary s = summarise(records, wall);
    const std::string text = summary_text(s, c.stats(), what, watch.fired, watch.in_flight);
    std::fputs(text.c_str(), stdout);
    std::fflush(stdout);
    try {
        if (!options.trace.empty())
            write_trace(options.trace, records, started);
        if (!options.report.empty())
            write_report(options.report, records, started, "aiocrawl report: " + what, text);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "aiocrawl: %s\n", e.what());
        if (code == exit_ok)
            code = exit_no_start;
    }
    if (code == exit_ok) {
        bool any_start = false;
        for (const fetch_record& r : records)
            any_start = any_start || (r.depth == 0 && r.status >= 200 && r.status < 300);
        if (!any_start) {
            std::fprintf(stderr, "aiocrawl: no start URL could be fetched\n");
            code = exit_no_start;
        }
    }
    co_return code;
}

} // namespace aiocrawl
