// chunked_decoder: RFC 9112 §7.1, strict, incremental, zero-copy.
#include "unit/http/http_test_util.hpp"

#include <aio/http/chunked.hpp>

#include <string>

#include <gtest/gtest.h>

using namespace aio::http;

namespace {

struct decoded {
    chunk_status status;
    std::string body;
    std::size_t consumed = 0;
    parse_errc code = parse_errc::none;
    std::size_t offset = 0;
    bool operator==(const decoded&) const = default;
};

// Decodes `text` delivered in pieces of `step` bytes (0: all at once), keeping unconsumed
// bytes as a real connection buffer would.
decoded decode(const std::string& text, std::size_t step = 0, chunked_limits limits = {}) {
    chunked_decoder dec(limits);
    std::string buf, body;
    std::size_t fed = 0, consumed = 0;
    chunk_result r;
    while (true) {
        std::size_t n = step == 0 ? text.size() - fed : std::min(step, text.size() - fed);
        buf.append(text, fed, n);
        fed += n;
        r = dec.decode_into(buf, body);
        buf.erase(0, r.consumed);
        consumed += r.consumed;
        if (r.status != chunk_status::need_more || fed == text.size())
            break;
    }
    return {r.status, body, consumed, dec.error().code, dec.error().offset};
}

decoded rejected(parse_errc code, std::size_t offset) {
    return {chunk_status::error, "", 0, code, offset};
}

// Every way of feeding `text` ends the same.
void expect_any_split(const std::string& text,
                      const decoded& expected,
                      chunked_limits limits = {}) {
    for (std::size_t step = 1; step <= text.size(); ++step) {
        decoded d = decode(text, step, limits);
        EXPECT_EQ(d.status, expected.status) << "step " << step;
        EXPECT_EQ(d.code, expected.code) << "step " << step;
        EXPECT_EQ(d.offset, expected.offset) << "step " << step;
        if (expected.status != chunk_status::error) {
            EXPECT_EQ(d.body, expected.body) << "step " << step;
            EXPECT_EQ(d.consumed, expected.consumed) << "step " << step;
        }
    }
}

} // namespace

TEST(chunked_decoder, decodes_chunks_and_stops_after_the_last) {
    std::string text = "5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\nNEXT";
    decoded d = decode(text);
    EXPECT_EQ(d.status, chunk_status::done);
    EXPECT_EQ(d.body, "hello, world");
    EXPECT_EQ(d.consumed, text.size() - 4); // the next message is not touched
    expect_any_split(text, d);
}

TEST(chunked_decoder, hands_out_data_as_views_into_the_input) {
    std::string in = "a\r\n0123456789\r\n0\r\n\r\n";
    chunked_decoder dec;
    chunk_result r = dec.decode(in);
    ASSERT_EQ(r.status, chunk_status::data);
    EXPECT_EQ(r.data, "0123456789");
    EXPECT_EQ(r.data.data(), in.data() + 3);
    EXPECT_EQ(r.consumed, 13u);
    r = dec.decode(std::string_view(in).substr(13));
    EXPECT_EQ(r.status, chunk_status::done);
    EXPECT_TRUE(dec.done());
}

TEST(chunked_decoder, hands_out_partial_chunk_data_as_soon_as_it_arrives) {
    chunked_decoder dec;
    chunk_result r = dec.decode("10\r\nabc");
    ASSERT_EQ(r.status, chunk_status::data);
    EXPECT_EQ(r.data, "abc");
    EXPECT_EQ(r.consumed, 7u);
    EXPECT_EQ(dec.decode("").status, chunk_status::need_more);
}

TEST(chunked_decoder, accepts_uppercase_hex_and_leading_zeros) {
    EXPECT_EQ(decode("00A\r\n0123456789\r\n000\r\n\r\n").body, "0123456789");
}

TEST(chunked_decoder, accepts_and_ignores_valid_extensions) {
    std::string text = "5;a=b ; c ;d=\"x\\\"y z\"\r\nhello\r\n0;last\r\n\r\n";
    decoded d = decode(text);
    EXPECT_EQ(d.status, chunk_status::done);
    EXPECT_EQ(d.body, "hello");
    expect_any_split(text, d);
}

TEST(chunked_decoder, exposes_trailer_fields) {
    std::string in = "3\r\nabc\r\n0\r\nChecksum: 1234\r\nX-Other:  v \r\n\r\n";
    chunked_decoder dec;
    std::string body;
    chunk_result r = dec.decode_into(in, body);
    ASSERT_EQ(r.status, chunk_status::done);
    EXPECT_EQ(r.consumed, in.size());
    EXPECT_EQ(dec.trailers().size(), 2u);
    EXPECT_EQ(dec.trailers().get("checksum"), "1234");
    EXPECT_EQ(dec.trailers().get("x-other"), "v");
    expect_any_split(in, decode(in));
}

TEST(chunked_decoder, reset_starts_a_new_body) {
    chunked_decoder dec;
    std::string body;
    ASSERT_EQ(dec.decode_into("1\r\na\r\n0\r\nT: 1\r\n\r\n", body).status, chunk_status::done);
    dec.reset();
    EXPECT_FALSE(dec.done());
    EXPECT_TRUE(dec.trailers().empty());
    ASSERT_EQ(dec.decode_into("1\r\nb\r\n0\r\n\r\n", body).status, chunk_status::done);
    EXPECT_EQ(body, "ab");
}

TEST(chunked_decoder, empty_body_is_just_the_last_chunk) {
    decoded d = decode("0\r\n\r\n");
    EXPECT_EQ(d.status, chunk_status::done);
    EXPECT_EQ(d.body, "");
    EXPECT_EQ(d.consumed, 5u);
}

TEST(chunked_decoder, needs_more_until_the_trailer_section_ends) {
    EXPECT_EQ(decode("0\r\n").status, chunk_status::need_more);
    EXPECT_EQ(decode("0\r\nA: b\r\n").status, chunk_status::need_more);
    EXPECT_EQ(decode("0\r\n\r").status, chunk_status::need_more);
}

TEST(chunked_decoder, rejects_a_size_without_hex_digits) {
    expect_any_split("x\r\n", rejected(parse_errc::invalid_chunk_size, 0));
    expect_any_split(";a\r\n", rejected(parse_errc::invalid_chunk_size, 0));
    expect_any_split("\r\n", rejected(parse_errc::invalid_chunk_size, 0));
}

TEST(chunked_decoder, rejects_junk_after_the_size) {
    expect_any_split("5x\r\nhello\r\n0\r\n\r\n", rejected(parse_errc::invalid_chunk_size, 1));
    expect_any_split("-5\r\n", rejected(parse_errc::invalid_chunk_size, 0));
    expect_any_split("0x5\r\n", rejected(parse_errc::invalid_chunk_size, 1));
}

TEST(chunked_decoder, rejects_whitespace_after_the_size_without_an_extension) {
    expect_any_split("5 \r\nhello\r\n", rejected(parse_errc::invalid_chunk_extension, 2));
}

TEST(chunked_decoder, rejects_more_size_digits_than_the_limit) {
    // 17 digits: past 64 bits, or a smuggled length a lenient peer would truncate
    expect_any_split("10000000000000005\r\n", rejected(parse_errc::chunk_size_too_long, 16));
    expect_any_split("00005\r\nhello\r\n0\r\n\r\n", rejected(parse_errc::chunk_size_too_long, 4),
                     {.max_size_digits = 4});
}

TEST(chunked_decoder, rejects_malformed_extensions) {
    expect_any_split("5;\r\n", rejected(parse_errc::invalid_chunk_extension, 2));
    expect_any_split("5;=b\r\n", rejected(parse_errc::invalid_chunk_extension, 2));
    expect_any_split("5;a=\r\n", rejected(parse_errc::invalid_chunk_extension, 4));
    expect_any_split("5;a=\"b\r\n", rejected(parse_errc::invalid_chunk_extension, 6));
    expect_any_split("5;a b\r\n", rejected(parse_errc::invalid_chunk_extension, 4));
    expect_any_split("5;a=b c\r\n", rejected(parse_errc::invalid_chunk_extension, 6));
    expect_any_split("5;a\x01\r\n", rejected(parse_errc::invalid_chunk_extension, 3));
    expect_any_split(std::string("5;a=\"\0\"\r\n", 9),
                     rejected(parse_errc::invalid_chunk_extension, 5));
}

TEST(chunked_decoder, rejects_bare_cr_and_bare_lf_in_the_size_line) {
    expect_any_split("5\nhello\r\n", rejected(parse_errc::bare_lf, 1));
    expect_any_split("5;a\rb\r\n", rejected(parse_errc::bare_cr, 3));
}

TEST(chunked_decoder, rejects_data_not_followed_by_crlf) {
    expect_any_split("5\r\nhelloX\r\n",
                     {chunk_status::error, "", 0, parse_errc::missing_chunk_crlf, 8});
    expect_any_split("5\r\nhello\rX",
                     {chunk_status::error, "", 0, parse_errc::missing_chunk_crlf, 9});
    expect_any_split("5\r\nhello\n0\r\n\r\n",
                     {chunk_status::error, "", 0, parse_errc::missing_chunk_crlf, 8});
}

TEST(chunked_decoder, rejects_a_size_line_over_its_limit_before_it_ends) {
    chunked_decoder dec({.max_line = 8});
    chunk_result r = dec.decode("5;aaaaaaaaaaaaaaaa");
    EXPECT_EQ(r.status, chunk_status::error);
    EXPECT_EQ(dec.error().code, parse_errc::chunk_line_too_long);
    EXPECT_EQ(dec.error().offset, 8u);
    expect_any_split("5;aaaaaa\r\nhello\r\n0\r\n\r\n",
                     decode("5;aaaaaa\r\nhello\r\n0\r\n\r\n", 0, {.max_line = 8}), {.max_line = 8});
    expect_any_split("5;aaaaaaa\r\nhello\r\n", rejected(parse_errc::chunk_line_too_long, 8),
                     {.max_line = 8});
}

TEST(chunked_decoder, rejects_invalid_trailer_fields) {
    expect_any_split("0\r\nX : y\r\n\r\n", rejected(parse_errc::whitespace_before_colon, 4));
    expect_any_split("0\r\nX: y\r\n z\r\n\r\n", rejected(parse_errc::obs_fold, 9));
    expect_any_split("0\r\nX: a\x01\r\n\r\n", rejected(parse_errc::invalid_header_value, 7));
    expect_any_split("0\r\nX: y\n\r\n", rejected(parse_errc::bare_lf, 7));
    expect_any_split("0\r\n\n", rejected(parse_errc::bare_lf, 3));
}

TEST(chunked_decoder, limits_the_trailer_section) {
    expect_any_split("0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n",
                     rejected(parse_errc::too_many_headers, 15), {.max_trailers = 2});
    expect_any_split("0\r\nA: " + std::string(64, 'a') + "\r\n\r\n",
                     rejected(parse_errc::header_section_too_large, 35), {.max_trailer_bytes = 32});
}

TEST(chunked_decoder, error_offsets_count_from_the_body_start) {
    std::string text = "3\r\nabc\r\n3\r\ndef\r\nZ\r\n";
    decoded d = decode(text);
    EXPECT_EQ(d.code, parse_errc::invalid_chunk_size);
    EXPECT_EQ(d.offset, 16u);
    EXPECT_EQ(d.body, "abcdef");
}

TEST(chunked_decoder, error_and_done_are_sticky) {
    chunked_decoder dec;
    EXPECT_EQ(dec.decode("z").status, chunk_status::need_more);
    EXPECT_EQ(dec.decode("z\r\n").status, chunk_status::error);
    EXPECT_EQ(dec.decode("0\r\n\r\n").status, chunk_status::error);
}
