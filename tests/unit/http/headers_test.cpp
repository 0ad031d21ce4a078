// headers, header_view, iequals, has_token.
#include <aio/http/errors.hpp>
#include <aio/http/headers.hpp>

#include <gtest/gtest.h>

using namespace aio::http;

TEST(http_headers, lookup_ignores_ascii_case_and_returns_the_first) {
    headers h;
    h.add("Content-Type", "text/plain");
    h.add("Set-Cookie", "a=1");
    h.add("set-cookie", "b=2");
    EXPECT_EQ(h.get("content-type"), "text/plain");
    EXPECT_EQ(h.get("SET-COOKIE"), "a=1");
    EXPECT_EQ(h.get_all("Set-Cookie"), (std::vector<std::string_view>{"a=1", "b=2"}));
    EXPECT_FALSE(h.get("content-length").has_value());
    EXPECT_TRUE(h.contains("CONTENT-type"));
}

TEST(http_headers, set_replaces_every_field_of_that_name) {
    headers h;
    h.add("A", "1");
    h.add("B", "2");
    h.add("a", "3");
    h.set("A", "9");
    ASSERT_EQ(h.size(), 2u);
    EXPECT_EQ(h[0].name, "A");
    EXPECT_EQ(h[0].value, "9");
    EXPECT_EQ(h.remove("b"), 1u);
    EXPECT_EQ(h.size(), 1u);
}

TEST(http_headers, refuses_names_and_values_that_would_inject_a_header) {
    headers h;
    EXPECT_THROW(h.add("X", "a\r\nInjected: 1"), invalid_header_error);
    EXPECT_THROW(h.add("X", std::string("a\0b", 3)), invalid_header_error);
    EXPECT_THROW(h.add("Bad Name", "v"), invalid_header_error);
    EXPECT_THROW(h.add("", "v"), invalid_header_error);
    EXPECT_THROW(h.set("X:", "v"), invalid_header_error);
    EXPECT_NO_THROW(h.add("X", "tab\tand obs-text \xc3\xa9"));
}

TEST(http_headers, copies_a_parsed_view) {
    field fields[] = {{"Host", "a"}, {"Accept", "*/*"}};
    header_view v(fields);
    headers h(v);
    EXPECT_EQ(h.size(), 2u);
    EXPECT_EQ(h.get("accept"), "*/*");
    EXPECT_EQ(v.get("HOST"), "a");
}

TEST(http_headers, iequals_compares_ascii_case_insensitively_only) {
    EXPECT_TRUE(iequals("Content-Length", "content-length"));
    EXPECT_FALSE(iequals("Content-Length", "content-lengths"));
    EXPECT_FALSE(iequals("\xc3\xa9", "\xc3\x89")); // no Unicode folding
}

TEST(http_headers, has_token_finds_list_elements) {
    EXPECT_TRUE(has_token("keep-alive, Upgrade", "upgrade"));
    EXPECT_TRUE(has_token(" close ", "close"));
    EXPECT_TRUE(has_token(",,close,", "close"));
    EXPECT_FALSE(has_token("closed", "close"));
    EXPECT_FALSE(has_token("", "close"));
}
