// The progress display's lines (the terminal behaviour is in terminal_test.cpp).
#include "progress.hpp"

#include <gtest/gtest.h>

using aiocrawl::progress_bar_line;
using aiocrawl::progress_plain_line;
using aiocrawl::progress_snapshot;

TEST(progress, bar_fills_in_proportion_to_done_over_known_urls) {
    progress_snapshot s;
    s.done = 50;
    s.total = 100;
    s.in_flight = 4;
    s.errors = 1;
    s.seconds = 2;
    const std::string line = progress_bar_line(s, 120);
    const std::string bar = "[" + std::string(20, '=') + ">" + std::string(19, ' ') + "]";
    EXPECT_EQ(line, bar + " 50/100 done  4 in flight  25.0 pages/s  1 error");
}

TEST(progress, bar_line_never_reaches_the_terminal_width) {
    progress_snapshot s;
    s.done = 123456;
    s.total = 999999;
    s.in_flight = 512;
    s.errors = 77777;
    s.seconds = 1;
    for (std::size_t width : {20u, 40u, 60u, 80u, 200u})
        EXPECT_LT(progress_bar_line(s, width).size(), width) << width;
}

TEST(progress, complete_crawl_shows_a_full_bar) {
    progress_snapshot s;
    s.done = 10;
    s.total = 10;
    const std::string line = progress_bar_line(s, 80);
    EXPECT_EQ(line.find('>'), std::string::npos) << line;
    EXPECT_NE(line.find("10/10 done"), std::string::npos) << line;
}

TEST(progress, plain_line_names_every_counter) {
    progress_snapshot s;
    s.done = 3;
    s.queued = 7;
    s.in_flight = 2;
    s.errors = 2;
    s.seconds = 1.5;
    EXPECT_EQ(progress_plain_line(s),
              "aiocrawl: 1.5 s  3 done, 7 queued, 2 in flight, 2.0 pages/s, 2 errors");
}
