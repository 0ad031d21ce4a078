// aiocrawl end to end against its embedded demo site: one crawl (shared by the tests of this
// file) with --out, --trace and --report, stdout not a terminal.
#include "process.hpp"

#include <map>
#include <memory>
#include <regex>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using aiocrawl_test::lines_of;
using aiocrawl_test::read_text;
using nlohmann::json;

namespace {

struct demo_crawl {
    aio_test::temp_dir dir;
    aiocrawl_test::result r;
    std::vector<json> rows;
    std::map<std::string, json> by_path; // "/page/7" -> its row
    json trace;
    std::string bad_row; // the first row that is not valid JSON, if any

    demo_crawl() {
        // --timeout 3: longer than the slow pages (1.5 s, 2.5 s) and the redirect loop's ten
        // hops, shorter than forever (/never).
        r = aiocrawl_test::run({AIOCRAWL_BIN, "--timeout", "3", "--concurrency", "64", "--per-host",
                                "32", "--out", dir / "out.jsonl", "--trace", dir / "trace.json",
                                "--report", dir / "report.html"});
        for (const std::string& line : lines_of(read_text(dir / "out.jsonl"))) {
            try {
                rows.push_back(json::parse(line));
            } catch (const json::exception&) {
                if (bad_row.empty())
                    bad_row = line;
                continue;
            }
            const std::string url = rows.back().value("url", "");
            const auto p = url.find('/', url.find("//") + 2);
            by_path[url.substr(p)] = rows.back();
        }
        try {
            trace = json::parse(read_text(dir / "trace.json"));
        } catch (const json::exception&) {
        }
    }
};

const demo_crawl& crawl() {
    static const std::unique_ptr<demo_crawl> c = std::make_unique<demo_crawl>();
    return *c;
}

} // namespace

// Each check below runs as part of one of three tests, so the crawl (4 s) runs three times
// under ctest (a process per test), not nine.

void exits_0_after_crawling_the_demo_site() {
    EXPECT_EQ(crawl().r.code, 0) << crawl().r.err;
}

void fetches_every_generated_page_and_no_url_twice() {
    const demo_crawl& c = crawl();
    std::set<std::string> urls;
    for (const json& row : c.rows)
        EXPECT_TRUE(urls.insert(row["url"].get<std::string>()).second) << "fetched twice: " << row;
    // /page/3 is also the end of the redirect chain: whichever fetch got it first stands for
    // both, so it shows as a row of its own or as the chain's redirected_to.
    std::set<std::string> reached;
    for (const json& row : c.rows) {
        if (row["status"] == 200) {
            const std::string u = row.contains("redirected_to") ? row["redirected_to"] : row["url"];
            reached.insert(u.substr(u.find('/', u.find("//") + 2)));
        }
    }
    for (int n = 1; n <= 300; ++n)
        EXPECT_TRUE(reached.contains("/page/" + std::to_string(n)))
            << "page " << n << " not reached";
    // "/", /specials, 300 pages, 9 special cases, 12 pages that are gone, 8 that fail; one fewer
    // when /page/3 came only through the redirect chain.
    const std::size_t expected = 1 + 1 + 300 + 8 + 12 + 8;
    EXPECT_TRUE(c.rows.size() == expected || c.rows.size() == expected - 1)
        << c.rows.size() << " rows";
}

void reports_each_kind_of_error_on_the_url_that_causes_it() {
    const auto& p = crawl().by_path;
    auto kind = [&](const std::string& path) -> std::string {
        const auto it = p.find(path);
        if (it == p.end())
            return "(not fetched)";
        return it->second["error_kind"].is_null() ? "null"
                                                  : it->second["error_kind"].get<std::string>();
    };
    EXPECT_EQ(kind("/never"), "timeout");
    EXPECT_EQ(kind("/redirect/loop/a"), "redirects");
    EXPECT_EQ(kind("/huge"), "too large");
    EXPECT_EQ(kind("/latin1"), "not utf-8");
    EXPECT_EQ(kind("/missing/25"), "http 4xx");
    EXPECT_EQ(kind("/error/7"), "http 5xx");
    EXPECT_EQ(kind("/slow/2"), "null");
    EXPECT_EQ(kind("/data.json"), "null");
    ASSERT_TRUE(p.contains("/redirect/chain/1"));
    EXPECT_EQ(p.at("/redirect/chain/1")["redirected_to"].get<std::string>().ends_with("/page/3"),
              true);
    EXPECT_EQ(p.at("/missing/25")["status"], 404);
    EXPECT_EQ(p.at("/error/7")["status"], 500);
    EXPECT_EQ(p.at("/data.json")["links"], 0); // counted, not parsed
    EXPECT_GT(p.at("/data.json")["bytes"].get<int>(), 0);
    EXPECT_GT(p.at("/latin1")["links"].get<int>(), 0); // still read for links
    // Exactly these kinds of error, nowhere else.
    std::size_t errors = 0;
    for (const json& row : crawl().rows)
        errors += !row["error"].is_null();
    EXPECT_EQ(errors, 1u + 1 + 1 + 1 + 12 + 8);
}

void writes_one_valid_jsonl_row_per_fetch_with_every_field() {
    const demo_crawl& c = crawl();
    EXPECT_EQ(c.bad_row, "");
    ASSERT_FALSE(c.rows.empty());
    for (const json& row : c.rows) {
        for (const char* field : {"url", "status", "bytes", "ms", "depth", "links", "error"})
            EXPECT_TRUE(row.contains(field)) << field << " missing in " << row;
        EXPECT_TRUE(row["error"].is_null() || row["error"].is_string()) << row;
        EXPECT_TRUE(row["ms"].is_number() && row["ms"].get<double>() >= 0) << row;
        EXPECT_EQ(row.contains("redirected_to"),
                  row["url"].get<std::string>().find("/redirect/") != std::string::npos &&
                      row["error"].is_null())
            << row;
    }
    EXPECT_EQ(c.by_path.at("/")["depth"], 0);
    EXPECT_EQ(c.by_path.at("/specials")["depth"], 1);
    EXPECT_EQ(c.by_path.at("/never")["depth"], 2);
}

void honours_robots_txt_and_stays_on_the_site() {
    for (const json& row : crawl().rows) {
        const std::string url = row["url"];
        EXPECT_EQ(url.find("/private/"), std::string::npos) << url;
        EXPECT_EQ(url.rfind("http://127.0.0.1:", 0), 0u) << url;
    }
    EXPECT_NE(crawl().r.out.find("1 blocked by robots.txt"), std::string::npos) << crawl().r.out;
}

void trace_is_valid_json_with_one_complete_event_per_fetch() {
    const demo_crawl& c = crawl();
    ASSERT_TRUE(c.trace.contains("traceEvents")) << "trace.json is not a Chrome trace";
    std::multiset<std::string> traced, fetched;
    for (const json& e : c.trace["traceEvents"]) {
        if (e["ph"] == "X") {
            traced.insert(e["args"]["url"].get<std::string>());
            EXPECT_GE(e["dur"].get<double>(), 0);
        }
    }
    for (const json& row : c.rows)
        fetched.insert(row["url"].get<std::string>());
    EXPECT_EQ(traced, fetched);
}

void fetches_overlap_so_wall_time_is_far_below_the_summed_latency() {
    // From the trace: the span from the first start to the last end against the sum of every
    // fetch's duration (what one fetch after another would take). A ratio, not a time.
    double first = 1e300, last = 0, sum = 0;
    for (const json& e : crawl().trace["traceEvents"]) {
        if (e["ph"] != "X")
            continue;
        const double ts = e["ts"], dur = e["dur"];
        first = std::min(first, ts);
        last = std::max(last, ts + dur);
        sum += dur;
    }
    ASSERT_GT(last, first);
    EXPECT_GT(sum / (last - first), 4.0)
        << "summed " << sum / 1e6 << " s over a wall of " << (last - first) / 1e6;
}

void summary_gives_pages_errors_by_kind_and_the_sequential_estimate() {
    const std::string& out = crawl().r.out;
    const std::string pages = "aiocrawl: " + std::to_string(crawl().rows.size()) + " pages (";
    EXPECT_NE(out.find(pages), std::string::npos) << out;
    EXPECT_NE(out.find("http 4xx 12"), std::string::npos) << out;
    EXPECT_NE(out.find("http 5xx 8"), std::string::npos) << out;
    EXPECT_NE(out.find("timeout 1"), std::string::npos) << out;
    EXPECT_NE(out.find("pages/s"), std::string::npos) << out;
    EXPECT_TRUE(std::regex_search(
        out,
        std::regex(R"(a sequential crawl would have taken [0-9.]+ s \([0-9.]+\xC3\x97 longer\))")))
        << out;
}

void prints_plain_progress_lines_when_stdout_is_not_a_terminal() {
    const std::string& out = crawl().r.out;
    EXPECT_TRUE(
        std::regex_search(out, std::regex(R"(aiocrawl: [0-9.]+ s  [0-9]+ done, [0-9]+ queued)")))
        << out;
    EXPECT_EQ(out.find('\r'), std::string::npos);
    EXPECT_EQ(out.find('\x1b'), std::string::npos);
}

TEST(aiocrawl_demo, crawls_every_page_once_and_writes_a_valid_jsonl_row_for_each) {
    exits_0_after_crawling_the_demo_site();
    fetches_every_generated_page_and_no_url_twice();
    writes_one_valid_jsonl_row_per_fetch_with_every_field();
}

TEST(aiocrawl_demo, reports_each_error_on_its_url_honours_robots_txt_and_sums_up) {
    reports_each_kind_of_error_on_the_url_that_causes_it();
    honours_robots_txt_and_stays_on_the_site();
    summary_gives_pages_errors_by_kind_and_the_sequential_estimate();
}

TEST(aiocrawl_demo, traces_one_event_per_fetch_and_shows_the_fetches_overlapping) {
    trace_is_valid_json_with_one_complete_event_per_fetch();
    fetches_overlap_so_wall_time_is_far_below_the_summed_latency();
    prints_plain_progress_lines_when_stdout_is_not_a_terminal();
}
