// Every message the parsers must reject (strictness and request smuggling), each with its
// own parse_errc and the offset of the offending byte, whatever the split.
#include "unit/http/http_test_util.hpp"

#include <aio/http/parser.hpp>

#include <ostream>
#include <string>

#include <gtest/gtest.h>

using namespace aio::http;
using aio::http::test::feed_bytewise;
using aio::http::test::feed_split;
using aio::http::test::outcome;

namespace {

struct rejection {
    const char* name; // the test's name: what is rejected
    std::string text;
    parse_errc code;
    std::size_t offset;
    bool response = false;
    const char* method = "GET"; // the request a response answers
};

void PrintTo(const rejection& r, std::ostream* os) {
    *os << r.name;
}

const std::string host = "Host: a\r\n";

const rejection requests[] = {
    // smuggling
    {"content_length_with_transfer_encoding",
     "POST / HTTP/1.1\r\n" + host + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
     parse_errc::content_length_with_transfer_encoding, 45},
    {"transfer_encoding_with_content_length",
     "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n",
     parse_errc::content_length_with_transfer_encoding, 54},
    {"differing_content_lengths",
     "POST / HTTP/1.1\r\n" + host + "Content-Length: 5\r\nContent-Length: 6\r\n\r\n",
     parse_errc::conflicting_content_length, 61},
    {"differing_content_lengths_in_one_list",
     "POST / HTTP/1.1\r\n" + host + "Content-Length: 5, 50\r\n\r\n",
     parse_errc::conflicting_content_length, 45},
    {"content_length_with_sign", "POST / HTTP/1.1\r\n" + host + "Content-Length: +5\r\n\r\n",
     parse_errc::invalid_content_length, 42},
    {"content_length_not_a_number", "POST / HTTP/1.1\r\n" + host + "Content-Length: 5x\r\n\r\n",
     parse_errc::invalid_content_length, 43},
    {"content_length_empty", "POST / HTTP/1.1\r\n" + host + "Content-Length: \r\n\r\n",
     parse_errc::invalid_content_length, 42},
    {"content_length_empty_list_element",
     "POST / HTTP/1.1\r\n" + host + "Content-Length: 5,,5\r\n\r\n",
     parse_errc::invalid_content_length, 44},
    {"content_length_overflowing",
     "POST / HTTP/1.1\r\n" + host + "Content-Length: 99999999999999999999\r\n\r\n",
     parse_errc::invalid_content_length, 61},
    {"transfer_encoding_last_coding_not_chunked",
     "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: gzip\r\n\r\n",
     parse_errc::invalid_transfer_encoding, 26},
    {"transfer_encoding_coding_after_chunked",
     "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked, gzip\r\n\r\n",
     parse_errc::invalid_transfer_encoding, 54},
    {"transfer_encoding_coding_after_chunked_on_another_line",
     "POST / HTTP/1.1\r\n" + host +
         "Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n",
     parse_errc::invalid_transfer_encoding, 73},
    {"transfer_encoding_chunked_twice",
     "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked, chunked\r\n\r\n",
     parse_errc::invalid_transfer_encoding, 54},
    {"transfer_encoding_chunked_with_parameter",
     "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked;q=1\r\n\r\n",
     parse_errc::invalid_transfer_encoding, 45},
    {"transfer_encoding_empty", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: ,\r\n\r\n",
     parse_errc::invalid_transfer_encoding, 45},
    {"transfer_encoding_junk",
     "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: \"chunked\"\r\n\r\n",
     parse_errc::invalid_transfer_encoding, 45},
    {"transfer_encoding_other_coding_before_chunked",
     "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: gzip, chunked\r\n\r\n",
     parse_errc::unsupported_transfer_coding, 26},
    {"transfer_encoding_in_http10",
     "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
     parse_errc::transfer_encoding_in_http10, 17},
    // line structure
    {"obs_fold", "GET / HTTP/1.1\r\n" + host + "X: a\r\n b\r\n\r\n", parse_errc::obs_fold, 31},
    {"whitespace_before_first_field", "GET / HTTP/1.1\r\n Host: a\r\n\r\n", parse_errc::obs_fold,
     16},
    {"bare_lf_ending_the_request_line", "GET / HTTP/1.1\n" + host + "\r\n", parse_errc::bare_lf,
     14},
    {"bare_lf_ending_a_field", "GET / HTTP/1.1\r\nHost: a\n\r\n", parse_errc::bare_lf, 23},
    {"bare_lf_ending_the_head", "GET / HTTP/1.1\r\n" + host + "\n", parse_errc::bare_lf, 25},
    {"bare_cr_in_a_value", "GET / HTTP/1.1\r\n" + host + "X: a\rb\r\n\r\n", parse_errc::bare_cr,
     29},
    {"bare_cr_in_a_name", "GET / HTTP/1.1\r\n" + host + "X\r: a\r\n\r\n", parse_errc::bare_cr, 26},
    {"bare_cr_in_the_request_line", "GET /\r HTTP/1.1\r\n" + host + "\r\n", parse_errc::bare_cr, 5},
    {"bare_cr_ending_a_line", "GET / HTTP/1.1\r\n" + host + "X: a\r\r\n\r\n", parse_errc::bare_cr,
     29},
    // field lines
    {"whitespace_before_colon", "GET / HTTP/1.1\r\n" + host + "X : a\r\n\r\n",
     parse_errc::whitespace_before_colon, 26},
    {"tab_before_colon", "GET / HTTP/1.1\r\n" + host + "Content-Length\t: 0\r\n\r\n",
     parse_errc::whitespace_before_colon, 39},
    {"nul_in_a_value", std::string("GET / HTTP/1.1\r\nHost: a\r\nX: a\0b\r\n\r\n", 35),
     parse_errc::invalid_header_value, 29},
    {"control_character_in_a_value", "GET / HTTP/1.1\r\n" + host + "X: a\x01z\r\n\r\n",
     parse_errc::invalid_header_value, 29},
    {"del_in_a_value", "GET / HTTP/1.1\r\n" + host + "X: a\x7fz\r\n\r\n",
     parse_errc::invalid_header_value, 29},
    {"nul_in_a_name", std::string("GET / HTTP/1.1\r\nHost: a\r\nX\0: a\r\n\r\n", 34),
     parse_errc::invalid_header_name, 26},
    {"separator_in_a_name", "GET / HTTP/1.1\r\n" + host + "X(y): a\r\n\r\n",
     parse_errc::invalid_header_name, 26},
    {"empty_name", "GET / HTTP/1.1\r\n" + host + ": a\r\n\r\n", parse_errc::invalid_header_name,
     25},
    {"field_without_colon", "GET / HTTP/1.1\r\n" + host + "NoColon\r\n\r\n",
     parse_errc::invalid_header_name, 32},
    {"missing_host", "GET / HTTP/1.1\r\n\r\n", parse_errc::missing_host, 16},
    {"two_hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", parse_errc::multiple_host, 25},
    {"host_with_userinfo", "GET / HTTP/1.1\r\nHost: u@a\r\n\r\n", parse_errc::invalid_host, 23},
    {"host_with_space", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", parse_errc::invalid_host, 23},
    // request line
    {"invalid_method_token", "G(T / HTTP/1.1\r\n" + host + "\r\n", parse_errc::invalid_method, 1},
    {"empty_method", " / HTTP/1.1\r\n" + host + "\r\n", parse_errc::invalid_method, 0},
    {"two_spaces_after_method", "GET  / HTTP/1.1\r\n" + host + "\r\n", parse_errc::invalid_target,
     4},
    {"missing_version", "GET /\r\n" + host + "\r\n", parse_errc::invalid_start_line, 5},
    {"only_a_method", "GET\r\n" + host + "\r\n", parse_errc::invalid_start_line, 3},
    {"space_in_target", "GET /a b HTTP/1.1\r\n" + host + "\r\n", parse_errc::invalid_version, 7},
    {"fragment_in_target", "GET /a#b HTTP/1.1\r\n" + host + "\r\n", parse_errc::invalid_target, 6},
    {"non_ascii_in_target", "GET /caf\xc3\xa9 HTTP/1.1\r\n" + host + "\r\n",
     parse_errc::invalid_target, 8},
    {"relative_target", "GET a/b HTTP/1.1\r\n" + host + "\r\n", parse_errc::invalid_target, 4},
    {"asterisk_target_for_get", "GET * HTTP/1.1\r\n" + host + "\r\n", parse_errc::invalid_target,
     4},
    {"origin_form_for_connect", "CONNECT /x HTTP/1.1\r\n" + host + "\r\n",
     parse_errc::invalid_target, 8},
    {"lowercase_version", "GET / http/1.1\r\n" + host + "\r\n", parse_errc::invalid_version, 6},
    {"version_with_two_digit_minor", "GET / HTTP/1.10\r\n" + host + "\r\n",
     parse_errc::invalid_version, 6},
    {"space_after_version", "GET / HTTP/1.1 \r\n" + host + "\r\n", parse_errc::invalid_version, 6},
    {"http2_version", "GET / HTTP/2.0\r\n" + host + "\r\n", parse_errc::unsupported_version, 6},
    {"http09_version", "GET / HTTP/0.9\r\n\r\n", parse_errc::unsupported_version, 6},
};

const rejection responses[] = {
    {"status_with_two_digits", "HTTP/1.1 20 OK\r\n\r\n", parse_errc::invalid_status, 11, true},
    {"status_with_four_digits", "HTTP/1.1 2000 OK\r\n\r\n", parse_errc::invalid_status, 12, true},
    {"status_out_of_range", "HTTP/1.1 600 Odd\r\n\r\n", parse_errc::invalid_status, 9, true},
    {"status_not_digits", "HTTP/1.1 2x0 OK\r\n\r\n", parse_errc::invalid_status, 10, true},
    {"missing_status", "HTTP/1.1\r\n\r\n", parse_errc::invalid_start_line, 8, true},
    {"control_character_in_reason", "HTTP/1.1 200 O\x01K\r\n\r\n", parse_errc::invalid_reason, 14,
     true},
    {"bad_response_version", "HTTP/1.x 200 OK\r\n\r\n", parse_errc::invalid_version, 0, true},
    {"empty_line_before_status_line", "\r\nHTTP/1.1 200 OK\r\n\r\n", parse_errc::invalid_version, 0,
     true},
    {"response_content_length_with_transfer_encoding",
     "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
     parse_errc::content_length_with_transfer_encoding, 36, true},
    {"response_differing_content_lengths",
     "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n",
     parse_errc::conflicting_content_length, 52, true},
    {"response_unsupported_transfer_coding", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
     parse_errc::unsupported_transfer_coding, 17, true},
    {"response_obs_fold", "HTTP/1.1 200 OK\r\nX: a\r\n\tb\r\n\r\n", parse_errc::obs_fold, 23, true},
    {"response_bare_lf", "HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n", parse_errc::bare_lf, 15,
     true},
    {"response_transfer_encoding_in_http10",
     "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
     parse_errc::transfer_encoding_in_http10, 17, true},
};

template <class Parser> void check(const rejection& r) {
    auto make = [&] {
        Parser p;
        if constexpr (std::is_same_v<Parser, response_parser>)
            p.set_request_method(r.method);
        return p;
    };
    Parser whole = make();
    outcome o = feed_split(whole, r.text, r.text.size());
    EXPECT_EQ(o.status, parse_status::error);
    EXPECT_EQ(o.code, r.code) << "got: " << whole.error().message();
    EXPECT_EQ(o.offset, r.offset) << "got: " << whole.error().message();
    for (std::size_t split = 0; split <= r.text.size(); ++split) {
        Parser p = make();
        EXPECT_EQ(feed_split(p, r.text, split), o) << "split at " << split;
    }
    Parser b = make();
    EXPECT_EQ(feed_bytewise(b, r.text), o) << "byte by byte";
}

class http_parser_rejects : public ::testing::TestWithParam<rejection> {};

TEST_P(http_parser_rejects, with_its_own_error_and_offset_at_any_split) {
    const rejection& r = GetParam();
    if (r.response)
        check<response_parser>(r);
    else
        check<request_parser>(r);
}

std::string name_of(const ::testing::TestParamInfo<rejection>& info) {
    return info.param.name;
}

INSTANTIATE_TEST_SUITE_P(requests, http_parser_rejects, ::testing::ValuesIn(requests), name_of);
INSTANTIATE_TEST_SUITE_P(responses, http_parser_rejects, ::testing::ValuesIn(responses), name_of);

} // namespace

TEST(http_parser, error_message_names_what_and_where) {
    request_parser p;
    ASSERT_EQ(p.parse("GET / HTTP/1.1\r\nHost: a\r\nX : y\r\n\r\n").status, parse_status::error);
    EXPECT_EQ(p.error().message(), "whitespace between field name and colon at byte 26");
    aio::http::protocol_error e(p.error());
    EXPECT_EQ(std::string(e.what()),
              "aio: HTTP protocol error: whitespace between field name and colon at byte 26");
}

TEST(http_parser, smuggling_and_syntax_errors_answer_400_limits_414_and_431) {
    EXPECT_EQ(http_status(parse_errc::content_length_with_transfer_encoding), 400);
    EXPECT_EQ(http_status(parse_errc::obs_fold), 400);
    EXPECT_EQ(http_status(parse_errc::uri_too_long), 414);
    EXPECT_EQ(http_status(parse_errc::too_many_headers), 431);
    EXPECT_EQ(http_status(parse_errc::unsupported_transfer_coding), 501);
    EXPECT_EQ(http_status(parse_errc::unsupported_version), 505);
}
