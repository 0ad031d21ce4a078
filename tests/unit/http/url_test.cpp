// aio::http::url: RFC 3986 parsing, reference resolution (§5.4 examples), normalisation,
// percent-encoding, the query builder, invalid URLs.
#include <aio/http/url.hpp>

#include <string>

#include <gtest/gtest.h>

using namespace aio::http;

namespace {

struct example {
    const char* reference;
    const char* expected;
};

void PrintTo(const example& e, std::ostream* os) {
    *os << '"' << e.reference << '"';
}

// RFC 3986 §5.4.1
const example normal_examples[] = {
    {"g:h", "g:h"},
    {"g", "http://a/b/c/g"},
    {"./g", "http://a/b/c/g"},
    {"g/", "http://a/b/c/g/"},
    {"/g", "http://a/g"},
    {"//g", "http://g"},
    {"?y", "http://a/b/c/d;p?y"},
    {"g?y", "http://a/b/c/g?y"},
    {"#s", "http://a/b/c/d;p?q#s"},
    {"g#s", "http://a/b/c/g#s"},
    {"g?y#s", "http://a/b/c/g?y#s"},
    {";x", "http://a/b/c/;x"},
    {"g;x", "http://a/b/c/g;x"},
    {"g;x?y#s", "http://a/b/c/g;x?y#s"},
    {"", "http://a/b/c/d;p?q"},
    {".", "http://a/b/c/"},
    {"./", "http://a/b/c/"},
    {"..", "http://a/b/"},
    {"../", "http://a/b/"},
    {"../g", "http://a/b/g"},
    {"../..", "http://a/"},
    {"../../", "http://a/"},
    {"../../g", "http://a/g"},
};

// RFC 3986 §5.4.2
const example abnormal_examples[] = {
    {"../../../g", "http://a/g"},
    {"../../../../g", "http://a/g"},
    {"/./g", "http://a/g"},
    {"/../g", "http://a/g"},
    {"g.", "http://a/b/c/g."},
    {".g", "http://a/b/c/.g"},
    {"g..", "http://a/b/c/g.."},
    {"..g", "http://a/b/c/..g"},
    {"./../g", "http://a/b/g"},
    {"./g/.", "http://a/b/c/g/"},
    {"g/./h", "http://a/b/c/g/h"},
    {"g/../h", "http://a/b/c/h"},
    {"g;x=1/./y", "http://a/b/c/g;x=1/y"},
    {"g;x=1/../y", "http://a/b/c/y"},
    {"g?y/./x", "http://a/b/c/g?y/./x"},
    {"g?y/../x", "http://a/b/c/g?y/../x"},
    {"g#s/./x", "http://a/b/c/g#s/./x"},
    {"g#s/../x", "http://a/b/c/g#s/../x"},
    {"http:g", "http:g"}, // strict parser
};

class url_resolve_rfc3986 : public ::testing::TestWithParam<example> {};

TEST_P(url_resolve_rfc3986, gives_the_rfc_result) {
    url base("http://a/b/c/d;p?q");
    EXPECT_EQ(base.resolve(GetParam().reference).str(), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(normal_5_4_1, url_resolve_rfc3986, ::testing::ValuesIn(normal_examples));
INSTANTIATE_TEST_SUITE_P(abnormal_5_4_2,
                         url_resolve_rfc3986,
                         ::testing::ValuesIn(abnormal_examples));

std::string invalid_message(std::string_view text) {
    try {
        url u(text);
    } catch (const invalid_url& e) {
        return e.what();
    }
    return "(no exception)";
}

} // namespace

TEST(url, parses_every_component) {
    url u("https://user:pw@Example.COM:8443/a/b%20c?x=1&y=2#frag");
    EXPECT_EQ(u.scheme(), "https");
    EXPECT_TRUE(u.has_userinfo());
    EXPECT_EQ(u.userinfo(), "user:pw");
    EXPECT_EQ(u.host(), "Example.COM");
    EXPECT_EQ(u.port(), 8443);
    EXPECT_EQ(u.effective_port(), 8443);
    EXPECT_EQ(u.path(), "/a/b%20c");
    EXPECT_EQ(u.query(), "x=1&y=2");
    EXPECT_EQ(u.fragment(), "frag");
    EXPECT_EQ(u.target(), "/a/b%20c?x=1&y=2");
    EXPECT_EQ(u.str(), "https://user:pw@Example.COM:8443/a/b%20c?x=1&y=2#frag");
}

TEST(url, lowercases_the_scheme_and_keeps_the_rest_as_written) {
    url u("HTTP://A/B");
    EXPECT_EQ(u.scheme(), "http");
    EXPECT_EQ(u.str(), "http://A/B");
}

TEST(url, tells_empty_query_and_fragment_from_absent_ones) {
    url a("http://h/p?#");
    EXPECT_TRUE(a.has_query());
    EXPECT_TRUE(a.has_fragment());
    EXPECT_EQ(a.str(), "http://h/p?#");
    url b("http://h/p");
    EXPECT_FALSE(b.has_query());
    EXPECT_FALSE(b.has_fragment());
}

TEST(url, default_ports_and_target_of_an_empty_path) {
    url u("http://example.com");
    EXPECT_FALSE(u.port().has_value());
    EXPECT_EQ(u.effective_port(), 80);
    EXPECT_EQ(u.target(), "/");
    EXPECT_EQ(url("https://e").effective_port(), 443);
    EXPECT_EQ(url("wss://e").effective_port(), 443);
    EXPECT_EQ(url("ws://e").effective_port(), 80);
    EXPECT_EQ(url("foo://e").effective_port(), 0);
}

TEST(url, port_is_a_number_and_an_empty_port_is_none) {
    EXPECT_EQ(url("http://h:080/").port(), 80);
    EXPECT_EQ(url("http://h:080/").str(), "http://h:80/");
    EXPECT_FALSE(url("http://h:/").port().has_value());
    EXPECT_EQ(url("http://h:0/").port(), 0);
    EXPECT_EQ(url("http://h:65535/").port(), 65535);
}

TEST(url, parses_ipv6_literals) {
    url u("http://[2001:db8::7]:8080/x");
    EXPECT_EQ(u.host(), "[2001:db8::7]");
    EXPECT_EQ(u.hostname(), "2001:db8::7");
    EXPECT_EQ(u.port(), 8080);
    EXPECT_EQ(u.host_port(), "[2001:db8::7]:8080");
    EXPECT_EQ(url("http://[::1]/").hostname(), "::1");
    EXPECT_EQ(url("http://[::]/").hostname(), "::");
    EXPECT_EQ(url("http://[1:2:3:4:5:6:7:8]/").hostname(), "1:2:3:4:5:6:7:8");
    EXPECT_EQ(url("http://[1:2:3:4:5:6:7::]/").hostname(), "1:2:3:4:5:6:7::");
    EXPECT_EQ(url("http://[::ffff:192.0.2.1]/").hostname(), "::ffff:192.0.2.1");
    EXPECT_EQ(url("http://[1:2:3:4:5:6:1.2.3.4]/").hostname(), "1:2:3:4:5:6:1.2.3.4");
    EXPECT_EQ(url("http://[v1.fe80::a+b]/").hostname(), "v1.fe80::a+b");
}

TEST(url, rejects_invalid_ipv6_literals) {
    for (const char* bad : {"http://[::1/", "http://[1:2:3:4:5:6:7:8:9]/", "http://[1::2::3]/",
                            "http://[12345::]/", "http://[1:2:3:4:5:6:7]/", "http://[::1.2.3]/",
                            "http://[::1.2.3.256]/", "http://[::01.2.3.4]/", "http://[1.2.3.4::]/",
                            "http://[fe80::1%25eth0]/", "http://[::1]x/", "http://[g::]/",
                            "http://[1:2:3:4:5:6:7:1.2.3.4]/", "http://[]/", "http://[v1.]/"})
        EXPECT_THROW(url{bad}, invalid_url) << bad;
}

TEST(url, origin_is_the_same_for_urls_that_can_share_a_connection) {
    EXPECT_EQ(url("HTTP://Example.com:80/a?b").origin(), "http://example.com");
    EXPECT_EQ(url("http://example.com/c").origin(), "http://example.com");
    EXPECT_EQ(url("https://example.com:8443/").origin(), "https://example.com:8443");
    EXPECT_EQ(url("http://[::1]:81/").origin(), "http://[::1]:81");
    EXPECT_EQ(url("mailto:a@b").origin(), "null");
    EXPECT_EQ(url("http://example.com").host_port(), "example.com:80");
}

TEST(url, normalises_case_escapes_dots_and_default_port) {
    EXPECT_EQ(url("HTTP://User@Example.COM:80/a/./b/../c/%7euser/%2fx/%2E%2E?Q=%3a%41#F%7e")
                  .normalized()
                  .str(),
              "http://User@example.com/a/c/~user/?Q=%3AA#F~"); // "%2E%2E" is "..": removed
    EXPECT_EQ(url("http://h/a/%2fb/c").normalized().str(), "http://h/a/%2Fb/c"); // not a '/'

    EXPECT_EQ(url("http://example.com").normalized().str(), "http://example.com/");
    EXPECT_EQ(url("https://h:443").normalized().str(), "https://h/");
    EXPECT_EQ(url("https://h:80/").normalized().str(), "https://h:80/");
    EXPECT_EQ(url("http://[2001:DB8::A]/").normalized().str(), "http://[2001:db8::a]/");
    EXPECT_EQ(url("http://%41%62c.com/").normalized().str(), "http://abc.com/");
    EXPECT_EQ(url("http://a%c3%A9.com/").normalized().str(), "http://a%C3%A9.com/");
}

TEST(url, normalisation_is_idempotent_and_equates_equivalent_urls) {
    url a("http://EXAMPLE.com:80/%7Efoo/./bar/..");
    url b("http://example.com/~foo/");
    EXPECT_EQ(a.normalized(), b.normalized());
    EXPECT_EQ(a.normalized().normalized(), a.normalized());
}

TEST(url, path_without_authority_never_reads_back_as_an_authority) {
    url u("foo:/.//bar");
    EXPECT_EQ(u.normalized().str(), "foo:/.//bar");
    EXPECT_EQ(url(u.normalized().str()), u.normalized());
    EXPECT_EQ(url("foo:/a/b").resolve("..//x").str(), "foo:/.//x");
}

TEST(url, resolve_handles_references_with_their_own_authority_and_ipv6) {
    url base("http://[::1]:8080/dir/page.html");
    EXPECT_EQ(base.resolve("img/x.png").str(), "http://[::1]:8080/dir/img/x.png");
    EXPECT_EQ(base.resolve("//other.example/").str(), "http://other.example/");
    EXPECT_EQ(base.resolve("https://x/y/../z").str(), "https://x/z");
    EXPECT_EQ(url("http://a").resolve("b").str(), "http://a/b"); // §5.2.3: empty base path
    // regression (found by url_fuzz): an absolute reference keeps its fragment
    EXPECT_EQ(base.resolve("http://x/y?q#frag").str(), "http://x/y?q#frag");
}

TEST(url, without_fragment_and_set_query) {
    url u("http://h/p?a=1#top");
    EXPECT_EQ(u.without_fragment().str(), "http://h/p?a=1");
    u.set_query("b=2");
    EXPECT_EQ(u.str(), "http://h/p?b=2#top");
    u.clear_query();
    EXPECT_EQ(u.str(), "http://h/p#top");
    EXPECT_THROW(u.set_query("a b"), invalid_url);
}

TEST(url, invalid_url_message_quotes_the_url_and_says_what_and_where) {
    EXPECT_EQ(invalid_message("http://a b/"),
              "aio: invalid URL \"http://a b/\": invalid character ' ' in host at position 8");
    EXPECT_EQ(invalid_message("http://[::1/x"),
              "aio: invalid URL \"http://[::1/x\": unterminated IPv6 literal at position 7");
    EXPECT_EQ(invalid_message("example.com/path"),
              "aio: invalid URL \"example.com/path\": missing scheme (an absolute URL starts with "
              "e.g. \"http:\") at position 0");
    EXPECT_EQ(invalid_message("http://h:99999/"),
              "aio: invalid URL \"http://h:99999/\": port out of range (0-65535) at position 9");
    EXPECT_EQ(invalid_message("http:///path"),
              "aio: invalid URL \"http:///path\": an http URL needs a host at position 5");
    EXPECT_EQ(invalid_message("http://h/\x01"),
              "aio: invalid URL \"http://h/\\x01\": invalid character byte 0x01 in path at "
              "position 9");
}

TEST(url, rejects_malformed_urls) {
    for (const char* bad : {"",
                            ":",
                            "1http://h/",
                            "ht tp://h/",
                            "http:",
                            "http://",
                            "https:h",
                            "http://h:8x/",
                            "http://h/%",
                            "http://h/%4",
                            "http://h/%zz",
                            "http://h/a b",
                            "http://h/\xc3\xa9",
                            "http://h/<",
                            "http://h/?a\"b",
                            "http://h/#a#b",
                            "http://u@@h/",
                            "http://h^/",
                            "http://h/\\",
                            "ws://:80/"})
        EXPECT_THROW(url{bad}, invalid_url) << bad;
}

TEST(url, accepts_other_schemes_without_a_host) {
    EXPECT_EQ(url("mailto:someone@example.com").path(), "someone@example.com");
    EXPECT_EQ(url("file:///etc/hosts").path(), "/etc/hosts");
    EXPECT_EQ(url("urn:isbn:0451450523").str(), "urn:isbn:0451450523");
}

TEST(url, resolve_rejects_malformed_references) {
    url base("http://a/b");
    EXPECT_THROW(base.resolve("a b"), invalid_url);
    EXPECT_THROW(base.resolve("1a:b"), invalid_url); // ':' in a relative first segment
    EXPECT_THROW(base.resolve("//[::1"), invalid_url);
    EXPECT_THROW(base.resolve("%"), invalid_url);
}

TEST(percent_encoding, encodes_all_but_unreserved_and_safe_characters) {
    EXPECT_EQ(percent_encode("a b/c~d"), "a%20b%2Fc~d");
    EXPECT_EQ(percent_encode("a b/c", "/"), "a%20b/c");
    EXPECT_EQ(percent_encode("\xc3\xa9\x01"), "%C3%A9%01");
    EXPECT_EQ(percent_encode(std::string("\0", 1), std::string("\0", 1)), "%00");
}

TEST(percent_encoding, decodes_escapes_and_rejects_broken_ones) {
    EXPECT_EQ(percent_decode("a%20b%2fc+d"), "a b/c+d");
    EXPECT_EQ(percent_decode("%00"), std::string("\0", 1));
    EXPECT_THROW(percent_decode("%"), invalid_url);
    EXPECT_THROW(percent_decode("%2"), invalid_url);
    EXPECT_THROW(percent_decode("%g0"), invalid_url);
    EXPECT_EQ(percent_decode(percent_encode("any \xff byte")), "any \xff byte");
}

TEST(query_builder, encodes_names_and_values_in_order) {
    query_builder q;
    q.add("q", "C++ coroutines").add("page", 2).add("flag").add("a&b", "=");
    EXPECT_EQ(q.str(), "q=C%2B%2B%20coroutines&page=2&flag&a%26b=%3D");
    url u("http://h/search");
    u.set_query(q.str());
    EXPECT_EQ(u.target(), "/search?q=C%2B%2B%20coroutines&page=2&flag&a%26b=%3D");
}
