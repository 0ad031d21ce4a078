// Link extraction with gumbo: resolution against the page and <base>, fragments,
// normalisation, de-duplication, and what is not a link.
#include "links.hpp"

#include <gtest/gtest.h>

using aio::http::url;
using aiocrawl::extract_links;
using aiocrawl::first_invalid_utf8;
using aiocrawl::normalise_link;

namespace {
std::vector<std::string> links(const std::string& html,
                               const std::string& page = "http://h.test/a/b.html") {
    return extract_links(html, url(page)).urls;
}
} // namespace

TEST(links, resolves_relative_hrefs_against_the_page) {
    EXPECT_EQ(
        links(
            R"(<a href="c.html">c</a><a href="../d">d</a><a href="/e?x=1">e</a><a href="//o.test/f">f</a>)"),
        (std::vector<std::string>{"http://h.test/a/c.html", "http://h.test/d",
                                  "http://h.test/e?x=1", "http://o.test/f"}));
}

TEST(links, base_href_changes_the_resolution_of_every_link) {
    EXPECT_EQ(
        links(
            R"(<html><head><base href="/docs/v2/"></head><body><a href="x.html">x</a></body></html>)"),
        std::vector<std::string>{"http://h.test/docs/v2/x.html"});
    // Only the first <base> counts.
    EXPECT_EQ(links(R"(<base href="http://other.test/"><base href="/no/"><a href="y">y</a>)"),
              std::vector<std::string>{"http://other.test/y"});
}

TEST(links, drops_fragments_and_deduplicates_after_normalising) {
    EXPECT_EQ(links(R"(<a href="c.html#one">1</a><a href="C.html">2</a><a href="./c.html#two">3</a>
                      <a href="HTTP://H.TEST:80/a/%63.html">4</a><a href="#top">self</a>)"),
              (std::vector<std::string>{"http://h.test/a/c.html", "http://h.test/a/C.html"}));
}

TEST(links, leaves_out_non_http_schemes_without_counting_them_malformed) {
    const auto r =
        extract_links(R"x(<a href="mailto:a@b.test">m</a><a href="javascript:void(0)">j</a>
                                    <a href="ftp://f.test/">f</a><a>no href</a><a href="https://s.test">s</a>)x",
                      url("http://h.test/"));
    EXPECT_EQ(r.urls, std::vector<std::string>{"https://s.test/"});
    EXPECT_EQ(r.malformed, 0u);
}

TEST(links, encodes_what_browsers_accept_in_hrefs_and_counts_the_unusable) {
    EXPECT_EQ(
        links(R"(<a href="  my page.html  ">x</a><a href="caf&eacute;">y</a><a href="100%">z</a>)"),
        (std::vector<std::string>{"http://h.test/a/my%20page.html", "http://h.test/a/caf%C3%A9",
                                  "http://h.test/a/100%25"}));
    const auto r = extract_links(R"(<a href="http://[::zz]/">bad</a>)", url("http://h.test/"));
    EXPECT_TRUE(r.urls.empty());
    EXPECT_EQ(r.malformed, 1u);
}

TEST(links, reads_broken_markup_the_way_a_browser_does) {
    EXPECT_EQ(links("<p><a href=one>1<a href='two'>2</p><div><a href=three"),
              (std::vector<std::string>{"http://h.test/a/one", "http://h.test/a/two"}));
}

TEST(links, normalise_link_refuses_urls_without_a_host) {
    EXPECT_EQ(normalise_link(url("http://h.test/"), "http:g"), "");
    EXPECT_EQ(normalise_link(url("http://h.test/x/"), "../../y"), "http://h.test/y");
}

TEST(links, finds_the_first_byte_that_is_not_utf8) {
    EXPECT_EQ(first_invalid_utf8("plain ascii"), std::string::npos);
    EXPECT_EQ(first_invalid_utf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"), std::string::npos);
    EXPECT_EQ(first_invalid_utf8("caf\xE9"), 3u);       // Latin-1
    EXPECT_EQ(first_invalid_utf8("ab\xC0\xAF"), 2u);    // overlong '/'
    EXPECT_EQ(first_invalid_utf8("x\xED\xA0\x80"), 1u); // a surrogate
    EXPECT_EQ(first_invalid_utf8("x\xE2\x82"), 1u);     // cut short
}
