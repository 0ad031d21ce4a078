// aiocrawl --report opened in a real browser (headless Chromium): one waterfall bar per fetch.
#include "process.hpp"

#include <regex>

#include <gtest/gtest.h>

using aiocrawl_test::have_program;
using aiocrawl_test::lines_of;
using aiocrawl_test::read_text;
using aiocrawl_test::run;

TEST(aiocrawl_report, chromium_renders_one_waterfall_bar_per_fetch) {
    const std::string browser = have_program("chromium")           ? "chromium"
                                : have_program("chromium-browser") ? "chromium-browser"
                                                                   : "";
    if (browser.empty())
        GTEST_SKIP() << "chromium is not installed (tools/deps.sh installs it)";
    aio_test::temp_dir dir;
    const auto crawl = run({AIOCRAWL_BIN, "--quiet", "--max-pages", "40", "--timeout", "1", "--out",
                            dir / "out.jsonl", "--report", dir / "report.html"});
    ASSERT_EQ(crawl.code, 0) << crawl.err;
    const std::size_t fetches = lines_of(read_text(dir / "out.jsonl")).size();
    ASSERT_EQ(fetches, 40u);
    // The report is one file: nothing it loads from anywhere.
    const std::string html = read_text(dir / "report.html");
    EXPECT_EQ(html.find("src="), std::string::npos);
    EXPECT_EQ(html.find("<link"), std::string::npos);

    const auto dom = run({browser, "--headless", "--no-sandbox", "--disable-gpu",
                          "--user-data-dir=" + (dir / "profile"), "--dump-dom",
                          "file://" + (dir / "report.html")},
                         std::chrono::seconds(90));
    ASSERT_EQ(dom.code, 0) << dom.err;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(dom.out, m, std::regex("data-rendered-bars=\"([0-9]+)\"")))
        << dom.out.substr(0, 2000);
    EXPECT_EQ(std::stoul(m[1]), fetches);
}
