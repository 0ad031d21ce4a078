// The examples are the seeds' Python programs rewritten with aiocpp. Each one must print
// what its Python original prints, in the same order (expected/<name>.txt; timings are
// matched by regex), and the programs whose point is timing or diagnostics are checked
// for that point: overlap as coarse ratios, debug reports by content.
#include "example_runner.hpp"

#include <algorithm>
#include <numeric>
#include <regex>
#include <string>
#include <vector>
#include <version>

#include <gtest/gtest.h>

using aio_test::compare_with_file;
using aio_test::expected_dir;
using aio_test::file_exists;
using aio_test::run_example;
using aio_test::run_result;
using aio_test::split_lines;

namespace {

/// The first capture group of the first line matching `re`, as a number (-1 if none).
double capture_number(const std::string& text, const std::string& re) {
    std::smatch m;
    const std::regex r(re);
    for (const std::string& line : split_lines(text)) {
        if (std::regex_search(line, m, r))
            return std::stod(m[1].str());
    }
    return -1;
}

/// Columns [first, last] drawn for `name` in the terminal timeline, or {-1, -1}.
std::pair<int, int> timeline_span(const std::string& err, const std::string& name) {
    for (const std::string& line : split_lines(err)) {
        if (line.rfind(name + " ", 0) != 0)
            continue;
        const auto open = line.find('|');
        const auto close = line.rfind('|');
        if (open == std::string::npos || close <= open)
            continue;
        const std::string row = line.substr(open + 1, close - open - 1);
        const auto first = row.find_first_not_of(' ');
        const auto last = row.find_last_not_of(' ');
        if (first == std::string::npos)
            continue;
        return {static_cast<int>(first), static_cast<int>(last)};
    }
    return {-1, -1};
}

std::size_t count_lines_containing(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (const std::string& line : split_lines(text))
        n += line.find(needle) != std::string::npos;
    return n;
}

} // namespace

// ---- every example: same lines, same order as the Python original ----

class example : public ::testing::TestWithParam<std::string> {};

TEST_P(example, prints_what_the_python_original_prints) {
    const std::string name = GetParam();
    const run_result r = run_example(name);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    const std::string out_diff = compare_with_file(r.out, expected_dir() + "/" + name + ".txt");
    EXPECT_TRUE(out_diff.empty()) << "stdout of " << name << ": " << out_diff;
    // stderr is empty unless the example is about a diagnostic (expected/<name>.stderr.txt).
    const std::string err_file = expected_dir() + "/" + name + ".stderr.txt";
    if (file_exists(err_file)) {
        const std::string err_diff = compare_with_file(r.err, err_file);
        EXPECT_TRUE(err_diff.empty()) << "stderr of " << name << ": " << err_diff;
    } else {
        EXPECT_EQ(r.err, "") << "unexpected stderr from " << name;
    }
}

INSTANTIATE_TEST_SUITE_P(seeds,
                         example,
                         ::testing::ValuesIn(aio_test::example_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                             return info.param;
                         });

TEST(examples, every_seed_program_has_a_twin) {
    const std::vector<std::string> names = aio_test::example_names();
    for (const char* required : {"coffee_toast_sync",
                                 "coffee_toast",
                                 "coffee_toast_timeline",
                                 "greet",
                                 "fetch_data",
                                 "gather_tasks",
                                 "background_task",
                                 "async_file",
                                 "async_database",
                                 "async_counter",
                                 "async_counter_generator",
                                 "countdown",
                                 "error_handling",
                                 "timeouts",
                                 "cancel_background",
                                 "fetch_urls",
                                 "greet_alice_bob",
                                 "simulated_download",
                                 "countdown_rockets",
                                 "process_items",
                                 "fetch_user",
                                 "web_scraper",
                                 "fetch_many",
                                 "context_manager",
                                 "create_tasks",
                                 "fetch_pages_sync",
                                 "fetch_pages",
                                 "blocking_sleep",
                                 "forgotten_await",
                                 "nested_run",
                                 "cpu_bound"}) {
        EXPECT_TRUE(std::find(names.begin(), names.end(), required) != names.end())
            << "examples/" << required << ".cpp is missing";
    }
}

// ---- the point of each timing example, as coarse ratios ----

TEST(coffee_toast, gather_overlaps_the_two_waits) {
    const run_result sync = run_example("coffee_toast_sync");
    const run_result async = run_example("coffee_toast");
    const double sync_ms = capture_number(sync.out, R"(^Took ([0-9]+) ms$)");
    const double async_ms = capture_number(async.out, R"(^Took ([0-9]+) ms$)");
    // Lower bounds with slack: the loop reads its clock once per turn, so a sleep's
    // deadline counts from the start of the turn, slightly before `start` was taken.
    EXPECT_GE(sync_ms, 400) << sync.out;   // two blocking 200 ms waits, one after the other
    EXPECT_GE(async_ms, 180) << async.out; // it still waits for the longer one
    EXPECT_LT(async_ms, 0.75 * sync_ms) << "gathered waits should overlap";
}

TEST(coffee_toast, timeline_shows_coffee_and_toast_overlapping) {
    const run_result r = run_example("coffee_toast_timeline");
    const auto [c0, c1] = timeline_span(r.err, "brew_coffee");
    const auto [t0, t1] = timeline_span(r.err, "toast_bread");
    ASSERT_GE(c0, 0) << r.err;
    ASSERT_GE(t0, 0) << r.err;
    const int overlap = std::min(c1, t1) - std::max(c0, t0);
    EXPECT_GE(overlap, 0.8 * std::min(c1 - c0, t1 - t0)) << r.err;
}

TEST(coffee_toast, aio_timeline_variable_prints_the_timeline_of_any_program) {
    const run_result r = run_example("coffee_toast", {}, {{"AIO_TIMELINE", "1"}});
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_TRUE(compare_with_file(r.out, expected_dir() + "/coffee_toast.txt").empty()) << r.out;
    EXPECT_EQ(count_lines_containing(r.err, "timeline ("), 1u) << r.err;
    EXPECT_EQ(timeline_span(r.err, "main").first, 0) << r.err;
}

TEST(fetch_user, gather_takes_about_one_fetch_not_three) {
    const run_result r = run_example("fetch_user");
    const double seq = capture_number(r.out, R"(^sequential: .* in ([0-9]+) ms$)");
    const double par = capture_number(r.out, R"(^gather: .* in ([0-9]+) ms$)");
    EXPECT_GE(seq, 270) << r.out; // 90%: see gather_overlaps_the_two_waits
    EXPECT_GE(par, 90) << r.out;
    EXPECT_LT(par, 0.6 * seq) << r.out;
}

TEST(fetch_pages, concurrent_requests_beat_sequential_ones) {
    const run_result sync = run_example("fetch_pages_sync");
    const run_result async = run_example("fetch_pages");
    const double sync_s = capture_number(sync.out, R"(^Time taken: ([0-9.]+)s$)");
    const double async_s = capture_number(async.out, R"(^Time taken: ([0-9.]+)s$)");
    EXPECT_GE(sync_s, 0.40) << sync.out;
    EXPECT_GE(async_s, 0.18) << async.out;
    EXPECT_LT(async_s, 0.75 * sync_s);
}

TEST(web_scraper, fetches_the_pages_concurrently) {
    // The ten pages answer after 50..140 ms: 950 ms one after the other.
    const run_result r = run_example("web_scraper");
    EXPECT_EQ(r.out, "Found 23 links\n");
    EXPECT_LT(r.wall.count(), 950 / 2) << "pages seem to be fetched one after the other";
}

TEST(simulated_download, downloads_finish_shortest_first_and_overlap) {
    for (const char* seed : {"42", "7", "2024"}) {
        SCOPED_TRACE(std::string("--seed ") + seed);
        const run_result r = run_example("simulated_download", {"--seed", seed});
        ASSERT_EQ(r.exit_code, 0) << r.err;
        std::vector<std::pair<int, int>> started; // (ms, file number)
        std::vector<int> finished;
        const std::regex start_re(R"(^Downloading file([0-9])\.zip \(([0-9]+) ms\)\.\.\.$)");
        const std::regex finish_re(R"(^Finished file([0-9])\.zip$)");
        std::smatch m;
        for (const std::string& line : split_lines(r.out)) {
            if (std::regex_match(line, m, start_re)) {
                ASSERT_TRUE(finished.empty()) << "all five start before any finishes";
                started.emplace_back(std::stoi(m[2]), std::stoi(m[1]));
            } else if (std::regex_match(line, m, finish_re)) {
                finished.push_back(std::stoi(m[1]));
            }
        }
        ASSERT_EQ(started.size(), 5u) << r.out;
        for (const auto& [ms, file] : started) {
            EXPECT_GE(ms, 100);
            EXPECT_LE(ms, 300);
        }
        // Equal durations finish in start order, as in asyncio.
        auto by_time = started;
        std::stable_sort(by_time.begin(), by_time.end(),
                         [](auto a, auto b) { return a.first < b.first; });
        std::vector<int> expected_order;
        for (const auto& s : by_time)
            expected_order.push_back(s.second);
        EXPECT_EQ(finished, expected_order) << r.out;

        int sum = 0;
        for (const auto& s : started)
            sum += s.first;
        const double took = capture_number(r.out, R"(^Downloaded 5 files in ([0-9]+) ms)");
        const double sequential = capture_number(r.out, R"(one after the other: ([0-9]+) ms\)$)");
        EXPECT_EQ(sequential, sum);
        EXPECT_GE(took, 0.9 * by_time.back().first);
        EXPECT_LT(took, 0.75 * sum) << r.out;
    }
}

// ---- the common pitfalls, caught ----

TEST(blocking_sleep, stalls_the_loop_and_debug_mode_names_the_task) {
    const run_result r = run_example("blocking_sleep");
    // The ticker's second tick comes only after the 300 ms blocking call.
    const double stalled = capture_number(r.out, R"(^tick 2 \(\+([0-9]+) ms\)$)");
    EXPECT_GE(stalled, 290) << r.out;

    // Exactly one report, for 'bad', pointing at the line that created it.
    const std::vector<std::string> reports = split_lines(r.err);
    ASSERT_EQ(reports.size(), 1u) << r.err;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(
        reports[0], m,
        std::regex(R"(task 'bad' \(created at (.*):([0-9]+)\) ran for ([0-9]+) ms)")))
        << reports[0];
    EXPECT_GE(std::stoi(m[3]), 290);
    const std::string source = aio_test::examples_source_dir() + "/blocking_sleep.cpp";
    const std::vector<std::string> lines = split_lines(aio_test::read_file(source));
    const int line = std::stoi(m[2]);
    ASSERT_TRUE(line >= 1 && line <= static_cast<int>(lines.size()));
    EXPECT_NE(lines[line - 1].find("aio::create_task(bad(), \"bad\")"), std::string::npos)
        << "report points at line " << line << ": " << lines[line - 1];
}

TEST(forgotten_await, the_task_never_runs_and_debug_mode_reports_it) {
    const run_result r = run_example("forgotten_await");
    // fetch_data ran once: in process_good. The call without co_await ran nothing.
    EXPECT_EQ(count_lines_containing(r.out, "Fetching data..."), 1u) << r.out;
    EXPECT_EQ(count_lines_containing(r.err, "never awaited"), 1u) << r.err;
}
