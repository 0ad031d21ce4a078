// What request_parser and response_parser accept and what they make of it: fields, framing
// (RFC 9112 §6.3), keep-alive, Expect, Upgrade, splits at every byte, limits.
#include "unit/http/http_test_util.hpp"

#include <aio/http/parser.hpp>

#include <string>

#include <gtest/gtest.h>

using namespace aio::http;
using aio::http::test::feed_bytewise;
using aio::http::test::feed_split;
using aio::http::test::outcome;

namespace {

const std::string browser_request =
    "GET /search?q=asyncio&lang=en HTTP/1.1\r\n"
    "Host: www.example.com\r\n"
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Firefox/115.0\r\n"
    "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
    "Accept-Language: en-GB,en;q=0.5\r\n"
    "Accept-Encoding: gzip, deflate, br\r\n"
    "Connection: keep-alive\r\n"
    "Cookie: session=0123456789abcdef; theme=dark\r\n"
    "Upgrade-Insecure-Requests: 1\r\n"
    "\r\n";

// The views of the result point into a static copy of `text`, valid until the next call.
request_head parse_request(const std::string& text, parse_result* result = nullptr) {
    static request_parser p; // reused: reset() must leave nothing behind
    static std::string buf;
    buf = text;
    p.reset();
    parse_result r = p.parse(buf);
    if (result)
        *result = r;
    EXPECT_EQ(r.status, parse_status::complete) << p.error().message();
    return p.head();
}

response_head parse_response(const std::string& text, std::string_view method = "GET") {
    static response_parser p;
    static std::string buf;
    buf = text;
    p.reset();
    p.set_request_method(method);
    parse_result r = p.parse(buf);
    EXPECT_EQ(r.status, parse_status::complete) << p.error().message();
    return p.head();
}

} // namespace

TEST(http_parser, parses_a_browser_request_into_views_of_the_buffer) {
    parse_result r;
    request_head h = parse_request(browser_request, &r);
    EXPECT_EQ(r.consumed, browser_request.size());
    EXPECT_EQ(h.method, "GET");
    EXPECT_EQ(h.target, "/search?q=asyncio&lang=en");
    EXPECT_EQ(h.version, (http_version{1, 1}));
    EXPECT_EQ(h.headers.size(), 8u);
    EXPECT_EQ(h.headers[0].name, "Host");
    EXPECT_EQ(h.headers[0].value, "www.example.com");
    // zero-copy: the views point into the buffer
    request_parser p;
    ASSERT_EQ(p.parse(browser_request).status, parse_status::complete);
    EXPECT_EQ(p.head().target.data(), browser_request.data() + 4);
    EXPECT_EQ(p.head().headers[0].value.data(), browser_request.data() + 46);
    EXPECT_EQ(h.framing, body_framing::none);
    EXPECT_TRUE(h.keep_alive);
    EXPECT_FALSE(h.expect_continue);
    EXPECT_FALSE(h.upgrade);
}

TEST(http_parser, header_lookup_ignores_case) {
    request_head h = parse_request(browser_request);
    EXPECT_EQ(h.headers.get("accept-language"), "en-GB,en;q=0.5");
    EXPECT_EQ(h.headers.get("USER-AGENT")->substr(0, 7), "Mozilla");
    EXPECT_FALSE(h.headers.get("content-type").has_value());
}

TEST(http_parser, trims_optional_whitespace_around_values_and_keeps_inner_whitespace) {
    request_head h = parse_request("GET / HTTP/1.1\r\nHost: a\r\nX:  \t a  b \t \r\nY:\r\n\r\n");
    EXPECT_EQ(h.headers.get("x"), "a  b");
    EXPECT_EQ(h.headers.get("y"), "");
}

TEST(http_parser, accepts_obs_text_in_values) {
    request_head h = parse_request("GET / HTTP/1.1\r\nHost: a\r\nX: caf\xc3\xa9\r\n\r\n");
    EXPECT_EQ(h.headers.get("x"), "caf\xc3\xa9");
}

TEST(http_parser, same_result_for_every_split_of_a_request) {
    request_parser whole;
    outcome expected = feed_split(whole, browser_request, browser_request.size());
    ASSERT_EQ(expected.status, parse_status::complete);
    for (std::size_t split = 0; split <= browser_request.size(); ++split) {
        request_parser p;
        EXPECT_EQ(feed_split(p, browser_request, split), expected) << "split at " << split;
        EXPECT_EQ(p.head().headers.get("cookie"), "session=0123456789abcdef; theme=dark");
    }
}

TEST(http_parser, same_result_fed_one_byte_at_a_time) {
    request_parser p;
    outcome o = feed_bytewise(p, browser_request);
    EXPECT_EQ(o.status, parse_status::complete);
    EXPECT_EQ(o.consumed, browser_request.size());
}

TEST(http_parser, needs_more_until_the_final_crlf_even_split_inside_it) {
    request_parser p;
    std::string text = "GET / HTTP/1.1\r\nHost: a\r\n\r";
    EXPECT_EQ(p.parse(text).status, parse_status::need_more);
    text += "\n";
    EXPECT_EQ(p.parse(text).status, parse_status::complete);
}

TEST(http_parser, reports_the_head_length_when_a_body_follows) {
    std::string head = "POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n";
    parse_result r;
    request_head h = parse_request(head + "hello", &r);
    EXPECT_EQ(r.consumed, head.size());
    EXPECT_EQ(h.framing, body_framing::content_length);
    EXPECT_EQ(h.content_length, 5u);
}

TEST(http_parser, parses_pipelined_requests_after_reset) {
    std::string two = "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n";
    request_parser p;
    parse_result r = p.parse(two);
    ASSERT_EQ(r.status, parse_status::complete);
    EXPECT_EQ(p.head().target, "/1");
    std::string_view rest = std::string_view(two).substr(r.consumed);
    p.reset();
    ASSERT_EQ(p.parse(rest).status, parse_status::complete);
    EXPECT_EQ(p.head().target, "/2");
}

TEST(http_parser, skips_empty_lines_before_the_request_line) {
    request_head h = parse_request("\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n");
    EXPECT_EQ(h.method, "GET");
}

TEST(http_parser, accepts_every_request_target_form) {
    EXPECT_EQ(parse_request("GET http://a/x HTTP/1.1\r\nHost: a\r\n\r\n").target, "http://a/x");
    EXPECT_EQ(parse_request("CONNECT a.example:443 HTTP/1.1\r\nHost: a.example:443\r\n\r\n").target,
              "a.example:443");
    EXPECT_EQ(parse_request("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n").target, "*");
}

TEST(http_parser, accepts_extension_methods) {
    EXPECT_EQ(parse_request("PROPFIND /d HTTP/1.1\r\nHost: a\r\n\r\n").method, "PROPFIND");
}

TEST(http_parser, request_with_chunked_transfer_encoding_is_chunked) {
    request_head h =
        parse_request("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n");
    EXPECT_EQ(h.framing, body_framing::chunked);
}

TEST(http_parser, accepts_identical_repeated_content_lengths) {
    // RFC 9110 §8.6: identical values may be taken as one
    request_head h = parse_request(
        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 7\r\nContent-Length: 7, 7\r\n\r\n");
    EXPECT_EQ(h.framing, body_framing::content_length);
    EXPECT_EQ(h.content_length, 7u);
}

TEST(http_parser, request_without_length_has_no_body) {
    EXPECT_EQ(parse_request("POST / HTTP/1.1\r\nHost: a\r\n\r\n").framing, body_framing::none);
}

TEST(http_parser, http10_is_close_unless_keep_alive_is_asked) {
    EXPECT_FALSE(parse_request("GET / HTTP/1.0\r\n\r\n").keep_alive);
    EXPECT_TRUE(parse_request("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").keep_alive);
    EXPECT_FALSE(
        parse_request("GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n").keep_alive);
}

TEST(http_parser, http10_request_needs_no_host) {
    EXPECT_EQ(parse_request("GET / HTTP/1.0\r\n\r\n").version, (http_version{1, 0}));
}

TEST(http_parser, http11_is_keep_alive_unless_close_is_asked) {
    EXPECT_TRUE(parse_request("GET / HTTP/1.1\r\nHost: a\r\n\r\n").keep_alive);
    EXPECT_FALSE(
        parse_request("GET / HTTP/1.1\r\nHost: a\r\nConnection: foo, CLOSE\r\n\r\n").keep_alive);
}

TEST(http_parser, detects_expect_100_continue_in_http11_only) {
    EXPECT_TRUE(
        parse_request(
            "PUT / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nExpect: 100-Continue\r\n\r\n")
            .expect_continue);
    // RFC 9110 §10.1.1: ignored in an HTTP/1.0 request
    EXPECT_FALSE(
        parse_request("PUT / HTTP/1.0\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n")
            .expect_continue);
}

TEST(http_parser, detects_an_upgrade_only_with_the_connection_option) {
    request_head h = parse_request("GET /chat HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n"
                                   "Connection: keep-alive, Upgrade\r\n\r\n");
    EXPECT_TRUE(h.upgrade);
    EXPECT_EQ(h.headers.get("upgrade"), "websocket");
    EXPECT_FALSE(parse_request("GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\r\n").upgrade);
}

TEST(http_parser, parse_after_complete_returns_the_same_result) {
    request_parser p;
    parse_result a = p.parse(browser_request);
    parse_result b = p.parse(browser_request);
    EXPECT_EQ(a.status, b.status);
    EXPECT_EQ(a.consumed, b.consumed);
}

TEST(http_parser, rejects_being_given_fewer_bytes_than_before) {
    request_parser p;
    ASSERT_EQ(p.parse("GET / HT").status, parse_status::need_more);
    EXPECT_THROW(p.parse("GET"), aio::invalid_state_error);
}

// ---- limits ----

TEST(http_parser_limits, request_line_over_the_limit_is_uri_too_long_before_it_ends) {
    request_parser p({.max_start_line = 32});
    std::string line = "GET /" + std::string(100, 'a');
    ASSERT_EQ(p.parse(line).status, parse_status::error); // no CRLF needed to know
    EXPECT_EQ(p.error().code, parse_errc::uri_too_long);
    EXPECT_EQ(p.error().offset, 32u);
    EXPECT_EQ(http_status(p.error().code), 414);
}

TEST(http_parser_limits, request_line_exactly_at_the_limit_is_accepted) {
    std::string line = "GET /" + std::string(18, 'a') + " HTTP/1.1"; // 32 bytes
    ASSERT_EQ(line.size(), 32u);
    for (std::size_t split = 0; split <= line.size() + 2; ++split) {
        request_parser p({.max_start_line = 32});
        std::string text = line + "\r\nHost: a\r\n\r\n";
        EXPECT_EQ(feed_split(p, text, split).status, parse_status::complete) << split;
    }
}

TEST(http_parser_limits, status_line_over_the_limit_has_its_own_error) {
    response_parser p({.max_start_line = 16});
    ASSERT_EQ(p.parse("HTTP/1.1 200 A very long reason phrase\r\n\r\n").status,
              parse_status::error);
    EXPECT_EQ(p.error().code, parse_errc::status_line_too_long);
}

TEST(http_parser_limits, head_over_the_limit_is_header_section_too_large) {
    request_parser p({.max_head_bytes = 64});
    std::string text = "GET / HTTP/1.1\r\nHost: a\r\nX-Long: " + std::string(100, 'x');
    ASSERT_EQ(p.parse(text).status, parse_status::error);
    EXPECT_EQ(p.error().code, parse_errc::header_section_too_large);
    EXPECT_EQ(p.error().offset, 64u);
    EXPECT_EQ(http_status(p.error().code), 431);
}

TEST(http_parser_limits, head_exactly_at_the_limit_is_accepted) {
    std::string text = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
    request_parser p({.max_head_bytes = text.size()});
    EXPECT_EQ(p.parse(text).status, parse_status::complete);
    request_parser q({.max_head_bytes = text.size() - 1});
    EXPECT_EQ(q.parse(text).status, parse_status::error);
    EXPECT_EQ(q.error().code, parse_errc::header_section_too_large);
}

TEST(http_parser_limits, more_fields_than_the_limit_is_too_many_headers) {
    std::string text = "GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\n";
    request_parser ok({.max_headers = 3});
    EXPECT_EQ(ok.parse(text + "\r\n").status, parse_status::complete);
    request_parser p({.max_headers = 3});
    ASSERT_EQ(p.parse(text + "C: 3\r\n\r\n").status, parse_status::error);
    EXPECT_EQ(p.error().code, parse_errc::too_many_headers);
    EXPECT_EQ(p.error().offset, text.size());
    EXPECT_EQ(http_status(p.error().code), 431);
}

TEST(http_parser_limits, limit_errors_do_not_depend_on_the_split) {
    const std::string texts[] = {
        "GET /" + std::string(40, 'a') + " HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /" + std::string(26, 'a') + " HTTP/1.1\r\nHost: a\r\n\r\n", // CRLF straddles the limit
        "\r\n\r\nGET /" + std::string(20, 'a') + " HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nX: " + std::string(40, 'x') + "\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\nY: 2\r\n\r\n",
    };
    for (const std::string& text : texts) {
        request_parser whole({.max_start_line = 32, .max_head_bytes = 48, .max_headers = 2});
        outcome expected = feed_split(whole, text, text.size());
        for (std::size_t split = 0; split <= text.size(); ++split) {
            request_parser p({.max_start_line = 32, .max_head_bytes = 48, .max_headers = 2});
            EXPECT_EQ(feed_split(p, text, split), expected) << text << " split " << split;
        }
        request_parser b({.max_start_line = 32, .max_head_bytes = 48, .max_headers = 2});
        EXPECT_EQ(feed_bytewise(b, text), expected) << text;
    }
}

// ---- responses ----

TEST(http_response_parser, parses_status_reason_and_content_length) {
    response_head h = parse_response("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                                     "Content-Length: 12\r\n\r\n");
    EXPECT_EQ(h.status, 200);
    EXPECT_EQ(h.reason, "OK");
    EXPECT_EQ(h.framing, body_framing::content_length);
    EXPECT_EQ(h.content_length, 12u);
    EXPECT_EQ(h.headers.get("content-type"), "text/html");
    EXPECT_TRUE(h.keep_alive);
}

TEST(http_response_parser, reason_phrase_may_be_empty_or_missing) {
    EXPECT_EQ(parse_response("HTTP/1.1 404 \r\nContent-Length: 0\r\n\r\n").reason, "");
    EXPECT_EQ(parse_response("HTTP/1.1 404\r\nContent-Length: 0\r\n\r\n").status, 404);
    EXPECT_EQ(parse_response("HTTP/1.1 500 Internal  Server Error\r\n\r\n").reason,
              "Internal  Server Error");
}

TEST(http_response_parser, response_without_length_is_read_until_close) {
    response_head h = parse_response("HTTP/1.1 200 OK\r\n\r\n");
    EXPECT_EQ(h.framing, body_framing::until_close);
    EXPECT_FALSE(h.keep_alive);
}

TEST(http_response_parser, chunked_response) {
    EXPECT_EQ(parse_response("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n").framing,
              body_framing::chunked);
}

TEST(http_response_parser, head_response_has_no_body_whatever_its_fields_say) {
    response_head h = parse_response("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", "HEAD");
    EXPECT_EQ(h.framing, body_framing::none);
    EXPECT_TRUE(h.keep_alive);
    EXPECT_EQ(
        parse_response("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "HEAD").framing,
        body_framing::none);
}

TEST(http_response_parser, status_204_304_and_1xx_have_no_body) {
    EXPECT_EQ(parse_response("HTTP/1.1 204 No Content\r\n\r\n").framing, body_framing::none);
    EXPECT_TRUE(parse_response("HTTP/1.1 204 No Content\r\n\r\n").keep_alive);
    EXPECT_EQ(parse_response("HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\n").framing,
              body_framing::none);
    EXPECT_EQ(parse_response("HTTP/1.1 100 Continue\r\n\r\n").framing, body_framing::none);
}

TEST(http_response_parser, switching_protocols_is_an_upgrade) {
    response_head h = parse_response("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                                     "Connection: Upgrade\r\n\r\n");
    EXPECT_TRUE(h.upgrade);
    EXPECT_EQ(h.framing, body_framing::none);
    EXPECT_FALSE(h.keep_alive); // not for HTTP any more
}

TEST(http_response_parser, success_answer_to_connect_is_a_tunnel) {
    response_head h = parse_response("HTTP/1.1 200 Connection established\r\n\r\n", "CONNECT");
    EXPECT_TRUE(h.upgrade);
    EXPECT_EQ(h.framing, body_framing::none);
    EXPECT_FALSE(
        parse_response("HTTP/1.1 407 Auth\r\nContent-Length: 0\r\n\r\n", "CONNECT").upgrade);
}

TEST(http_response_parser, http10_response_keep_alive_needs_the_option) {
    EXPECT_FALSE(parse_response("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\n").keep_alive);
    EXPECT_TRUE(
        parse_response("HTTP/1.0 200 OK\r\nContent-Length: 1\r\nConnection: keep-alive\r\n\r\n")
            .keep_alive);
}

TEST(http_response_parser, reset_forgets_the_request_method) {
    response_parser p;
    p.set_request_method("HEAD");
    p.reset();
    ASSERT_EQ(p.parse("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n").status,
              parse_status::complete);
    EXPECT_EQ(p.head().framing, body_framing::content_length);
}

TEST(http_response_parser, same_result_for_every_split_of_a_response) {
    std::string text = "HTTP/1.1 301 Moved Permanently\r\nLocation: http://b/\r\n"
                       "Content-Length: 0\r\nDate: Mon, 01 Jan 2024 00:00:00 GMT\r\n\r\n";
    response_parser whole;
    outcome expected = feed_split(whole, text, text.size());
    ASSERT_EQ(expected.status, parse_status::complete);
    for (std::size_t split = 0; split <= text.size(); ++split) {
        response_parser p;
        EXPECT_EQ(feed_split(p, text, split), expected) << split;
    }
}
