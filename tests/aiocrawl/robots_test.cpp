// robots.txt parsing and matching (RFC 9309).
#include "robots.hpp"

#include <gtest/gtest.h>

using aiocrawl::robots_match;
using aiocrawl::robots_rules;

TEST(robots, missing_file_allows_everything) {
    EXPECT_TRUE(robots_rules().allowed("/anything"));
    EXPECT_TRUE(robots_rules::parse("", "aiocrawl").allowed("/x"));
}

TEST(robots, star_group_disallows_by_path_prefix) {
    const auto r = robots_rules::parse("User-agent: *\nDisallow: /private/\n", "aiocrawl");
    EXPECT_FALSE(r.allowed("/private/secret"));
    EXPECT_FALSE(r.allowed("/private/"));
    EXPECT_TRUE(r.allowed("/private"));
    EXPECT_TRUE(r.allowed("/public/private/"));
}

TEST(robots, our_own_group_wins_over_the_star_group_case_insensitively) {
    const auto r = robots_rules::parse(
        "User-agent: *\nDisallow: /\n\nUser-Agent: AIOcrawl\nDisallow: /tmp\n", "aiocrawl");
    EXPECT_TRUE(r.allowed("/index.html"));
    EXPECT_FALSE(r.allowed("/tmp/x"));
}

TEST(robots, consecutive_user_agent_lines_share_one_group) {
    const auto r =
        robots_rules::parse("User-agent: other\nUser-agent: aiocrawl\nDisallow: /a\n", "aiocrawl");
    EXPECT_FALSE(r.allowed("/a"));
    EXPECT_EQ(r.rule_count(), 1u);
}

TEST(robots, longest_match_wins_and_allow_wins_a_tie) {
    const auto r = robots_rules::parse("User-agent: *\nDisallow: /docs/\nAllow: /docs/public/\n"
                                       "Disallow: /same\nAllow: /same\n",
                                       "aiocrawl");
    EXPECT_FALSE(r.allowed("/docs/internal.html"));
    EXPECT_TRUE(r.allowed("/docs/public/a.html"));
    EXPECT_TRUE(r.allowed("/same"));
}

TEST(robots, wildcards_and_end_anchor) {
    EXPECT_TRUE(robots_match("/*.pdf$", "/a/b.pdf"));
    EXPECT_FALSE(robots_match("/*.pdf$", "/a/b.pdf?x=1"));
    EXPECT_TRUE(robots_match("/*.pdf", "/a/b.pdf?x=1"));
    EXPECT_TRUE(robots_match("/a*b*c", "/axxbyyc/rest"));
    EXPECT_FALSE(robots_match("/a*b*c", "/axxbyy"));
    EXPECT_TRUE(robots_match("/exact$", "/exact"));
    EXPECT_FALSE(robots_match("/exact$", "/exactly"));
}

TEST(robots, comments_unknown_lines_and_empty_disallow_are_ignored) {
    const auto r =
        robots_rules::parse("# hello\nUser-agent: * # everyone\nCrawl-delay: 5\nDisallow:\n"
                            "Sitemap: http://x/s.xml\nnonsense line\nDisallow: /x # no\r\n",
                            "aiocrawl");
    EXPECT_TRUE(r.allowed("/y"));
    EXPECT_FALSE(r.allowed("/x/1"));
}

TEST(robots, robots_txt_itself_is_always_allowed) {
    EXPECT_TRUE(
        robots_rules::parse("User-agent: *\nDisallow: /\n", "aiocrawl").allowed("/robots.txt"));
}
