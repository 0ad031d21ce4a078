// aiocrawl's command line and exit codes: usage errors (2), --help, no start URL (1), and
// Ctrl-C (130, output flushed).
#include "process.hpp"
#include "support/free_port.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <sys/socket.h>

using aiocrawl_test::child;
using aiocrawl_test::lines_of;
using aiocrawl_test::read_text;
using aiocrawl_test::run;

namespace {

void expect_usage_error(const std::vector<std::string>& args, const std::string& reason) {
    std::vector<std::string> argv{AIOCRAWL_BIN};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto r = run(argv, std::chrono::seconds(30));
    EXPECT_EQ(r.code, 2) << r.err;
    const auto lines = lines_of(r.err);
    ASSERT_EQ(lines.size(), 2u) << r.err;
    EXPECT_EQ(lines[0].rfind("aiocrawl: ", 0), 0u) << lines[0];
    EXPECT_NE(lines[0].find(reason), std::string::npos) << lines[0];
    EXPECT_EQ(lines[1].rfind("usage: aiocrawl [URL ...]", 0), 0u) << lines[1];
    EXPECT_EQ(r.out, "");
}

} // namespace

TEST(aiocrawl_cli, unknown_flag_is_a_usage_error_with_exit_code_2) {
    expect_usage_error({"--frobnicate"}, "frobnicate");
}

TEST(aiocrawl_cli, malformed_start_url_is_a_usage_error_that_quotes_it) {
    expect_usage_error({"http://a b/"}, "malformed start URL");
    expect_usage_error({"ftp://example.invalid/"}, "not an http or https URL");
    expect_usage_error({"/just/a/path"}, "malformed start URL");
}

TEST(aiocrawl_cli, out_of_range_values_are_usage_errors) {
    expect_usage_error({"--concurrency", "0"}, "concurrency");
    expect_usage_error({"--timeout", "zero"}, "timeout");
    expect_usage_error({"--per-host"}, "per-host");
}

TEST(aiocrawl_cli, help_lists_every_flag_with_its_default) {
    const auto r = run({AIOCRAWL_BIN, "--help"}, std::chrono::seconds(30));
    EXPECT_EQ(r.code, 0);
    for (const char* flag :
         {"--concurrency", "--per-host", "--max-pages", "--max-depth", "--timeout", "--delay",
          "--any-site", "--out", "--trace", "--report", "--quiet", "--help"})
        EXPECT_NE(r.out.find(flag), std::string::npos) << flag << " missing from --help:\n"
                                                       << r.out;
    for (const char* def : {"=32", "=8", "=1000", "=-1", "=10", "=0"})
        EXPECT_NE(r.out.find(def), std::string::npos) << def << " missing from --help:\n" << r.out;
}

TEST(aiocrawl_cli, exits_1_with_a_per_url_error_when_no_start_url_can_be_fetched) {
    aio_test::temp_dir dir;
    const std::string url = "http://127.0.0.1:" + std::to_string(aio_test::free_port()) + "/";
    const auto r = run({AIOCRAWL_BIN, "--quiet", "--out", dir / "out.jsonl", url});
    EXPECT_EQ(r.code, 1) << r.out << r.err;
    EXPECT_NE(r.err.find("no start URL could be fetched"), std::string::npos) << r.err;
    const auto rows = lines_of(read_text(dir / "out.jsonl"));
    ASSERT_EQ(rows.size(), 1u);
    const auto row = nlohmann::json::parse(rows[0]);
    EXPECT_EQ(row["url"], url);
    EXPECT_EQ(row["status"], 0);
    EXPECT_EQ(row["error_kind"], "connection");
}

TEST(aiocrawl_cli, sigint_cancels_in_flight_fetches_flushes_the_output_and_exits_130) {
    aio_test::temp_dir dir;
    // --timeout 60: /never keeps the crawl running until the signal.
    child c({AIOCRAWL_BIN, "--timeout", "60", "--out", dir / "out.jsonl"}, dir);
    ASSERT_GT(c.pid(), 0);
    // Wait (bounded) until rows are being written, so the crawl is under way.
    for (int i = 0; i < 1500 && lines_of(read_text(dir / "out.jsonl")).size() < 20; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ASSERT_GE(lines_of(read_text(dir / "out.jsonl")).size(), 20u);
    ASSERT_TRUE(aio_test::catches_signal(c.pid(), SIGINT));
    ::kill(c.pid(), SIGINT);
    const int code = c.wait(std::chrono::seconds(30));
    EXPECT_EQ(code, 130) << c.err();
    const std::string out = c.out();
    EXPECT_NE(out.find("interrupted: "), std::string::npos) << out;
    EXPECT_NE(out.find("a sequential crawl would have taken"), std::string::npos) << out;
    // Every row written is whole, and the summary counts exactly those rows.
    const auto rows = lines_of(read_text(dir / "out.jsonl"));
    for (const std::string& row : rows)
        EXPECT_TRUE(nlohmann::json::accept(row)) << row;
    EXPECT_NE(out.find("aiocrawl: " + std::to_string(rows.size()) + " pages ("), std::string::npos)
        << out;
    // /never was in flight (its --timeout far away): cancelled, so it has no row.
    for (const std::string& row : rows)
        EXPECT_EQ(row.find("/never"), std::string::npos) << row;
}
