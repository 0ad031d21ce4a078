// Conformance with asyncio's streams: each test mirrors a test of CPython's
// Lib/test/test_asyncio/test_streams.py (same name; a suffix names a variant of it) and
// checks the rule that test states, on a real socket pair instead of feed_data().
#include "support/net.hpp"

#include <aio/core.hpp>
#include <aio/net.hpp>

#include <string>
#include <string_view>

#include <gtest/gtest.h>

using namespace std::chrono_literals;
using aio::task;
using aio::net::limit_overrun_error;
using aio::net::stream;

namespace {

constexpr std::size_t default_limit = 64 * 1024;

aio::net::stream_options with_limit(std::size_t limit) {
    aio::net::stream_options o;
    o.limit = limit;
    return o;
}

/// Sends `data` in one write and waits until the kernel holds all of it, so the reader
/// finds it there (asyncio's tests: feed_data before the read).
task<> send(stream& a, std::string data) {
    co_await a.write(data);
    co_await a.drain();
}

/// Sends `data` in writes of `piece` bytes, each one handed to the kernel (a segment of its
/// own) and followed by a pause in which a waiting reader takes it.
task<> send_in_pieces(stream* a, std::string data, std::size_t piece) {
    for (std::size_t i = 0; i < data.size(); i += piece) {
        co_await a->write(std::string_view(data).substr(i, piece));
        co_await a->drain();
        co_await aio::sleep(0ms);
    }
}

/// Awaits `t` and returns the limit_overrun_error it throws (fails the test if it returns).
task<limit_overrun_error> overrun_of(task<std::string> t) {
    try {
        const std::string got = co_await std::move(t);
        ADD_FAILURE() << "no limit_overrun_error; returned " << got.size() << " bytes";
    } catch (const limit_overrun_error& e) {
        co_return e;
    }
    co_return limit_overrun_error("none", 0);
}

bool says_not_found(const limit_overrun_error& e) {
    return std::string_view(e.what()).find("not found") != std::string_view::npos;
}

} // namespace

// ---- readline and the limit ----

TEST(cpython_streams, test_readline_limit_with_existing_data) {
    aio::run([]() -> task<> {
        {
            auto [a, b] = aio_test::stream_pair(with_limit(3));
            co_await send(a, "li");
            co_await send(a, "ne1\nline2\n");
            // The separator is buffered: the long line goes through its "\n".
            const auto e = co_await overrun_of(b.read_line());
            EXPECT_FALSE(says_not_found(e)) << e.what();
            EXPECT_EQ(e.consumed(), 6u);
            EXPECT_EQ(b.buffered(), 6u);
            EXPECT_EQ(co_await b.read(100), "line2\n");
        }
        {
            auto [a, b] = aio_test::stream_pair(with_limit(3));
            co_await send(a, "li");
            co_await send(a, "ne1");
            co_await send(a, "li");
            // No "\n" and more than the limit buffered: everything buffered goes.
            const auto e = co_await overrun_of(b.read_line());
            EXPECT_TRUE(says_not_found(e)) << e.what();
            EXPECT_EQ(e.consumed(), 7u);
            EXPECT_EQ(b.buffered(), 0u);
        }
    }());
}

TEST(cpython_streams, test_readline_limit) {
    aio::run([]() -> task<> {
        {
            auto [a, b] = aio_test::stream_pair(with_limit(7));
            co_await send(a, "chunk1");
            co_await send(a, "chunk2");
            co_await send(a, "chunk3\n");
            co_await a.write_eof();
            co_await overrun_of(b.read_line());
            EXPECT_EQ(b.buffered(), 0u);
            EXPECT_EQ(co_await b.read_line(), "");
        }
        {
            auto [a, b] = aio_test::stream_pair(with_limit(7));
            co_await send(a, "chunk1");
            co_await send(a, "chunk2\n");
            co_await send(a, "chunk3\n");
            co_await a.write_eof();
            co_await overrun_of(b.read_line());
            EXPECT_EQ(co_await b.read_line(), "chunk3\n");
            EXPECT_EQ(co_await b.read_line(), "");
        }
        {
            // The limit is strict: a line of `limit` bytes plus its "\n" is fine, one more
            // byte is not, with or without the "\n".
            auto [a, b] = aio_test::stream_pair(with_limit(7));
            co_await send(a, "1234567\n");
            EXPECT_EQ(co_await b.read_line(), "1234567\n");
            co_await send(a, "12345678\n");
            const auto e = co_await overrun_of(b.read_line());
            EXPECT_EQ(e.consumed(), 9u);
            EXPECT_EQ(b.buffered(), 0u);
            co_await send(a, "12345678");
            co_await overrun_of(b.read_line());
            EXPECT_EQ(b.buffered(), 0u);
        }
    }());
}

TEST(cpython_streams, test_readline_limit_line_of_exactly_the_default_limit) {
    aio::run([]() -> task<> {
        auto [a, b] = aio_test::stream_pair();
        const std::string line = std::string(default_limit, 'x') + "\n";
        co_await send(a, line + "next\n");
        EXPECT_EQ(co_await b.read_line(), line);
        EXPECT_EQ(co_await b.read_line(), "next\n");
    }());
}

TEST(cpython_streams, test_readline_limit_line_of_the_default_limit_plus_one) {
    aio::run([]() -> task<> {
        auto [a, b] = aio_test::stream_pair();
        co_await send(a, std::string(default_limit + 1, 'x') + "\nnext\n");
        const auto e = co_await overrun_of(b.read_line());
        EXPECT_EQ(e.consumed(), default_limit + 2);
        EXPECT_EQ(co_await b.read_line(), "next\n");
    }());
}

// The issue 12 case: a 65,543-byte line whose "\n" is already there, then a short line. The
// long line goes through its "\n" and the next read_line returns the short one, never the
// long line's tail.
TEST(cpython_streams, test_readline_limit_long_line_then_short_one_in_one_segment) {
    aio::run([]() -> task<> {
        auto [a, b] = aio_test::stream_pair();
        co_await send(a, std::string(default_limit + 6, 'x') + "\nnext\n");
        co_await overrun_of(b.read_line());
        EXPECT_EQ(co_await b.read_line(), "next\n");
    }());
}

TEST(cpython_streams, test_readline_limit_long_line_then_short_one_in_many_segments) {
    aio::run([]() -> task<> {
        // Arrived before the read.
        auto [a, b] = aio_test::stream_pair();
        const std::string data = std::string(default_limit + 6, 'x') + "\nnext\n";
        co_await send_in_pieces(&a, data, 1000);
        co_await overrun_of(b.read_line());
        EXPECT_EQ(co_await b.read_line(), "next\n");

        // Arriving while the reader waits: the segment that takes the line past the limit
        // also brings its "\n".
        auto writer = aio::create_task(send_in_pieces(&a, data, 1000));
        co_await overrun_of(b.read_line());
        EXPECT_EQ(co_await b.read_line(), "next\n");
        co_await writer;
    }());
}

TEST(cpython_streams, test_readline_limit_separator_arriving_after_the_limit_was_passed) {
    aio::run([]() -> task<> {
        // asyncio's readline drops what is buffered when the limit is passed before the "\n"
        // came; the rest of the line is then what the next read_line returns.
        auto [a, b] = aio_test::stream_pair(with_limit(10));
        co_await send(a, std::string(12, 'x'));
        const auto e = co_await overrun_of(b.read_line());
        EXPECT_TRUE(says_not_found(e)) << e.what();
        EXPECT_EQ(b.buffered(), 0u);
        co_await send(a, "yz\nnext\n");
        EXPECT_EQ(co_await b.read_line(), "yz\n");
        EXPECT_EQ(co_await b.read_line(), "next\n");
    }());
}

TEST(cpython_streams, test_readline_nolimit_nowait) {
    aio::run([]() -> task<> {
        auto [a, b] = aio_test::stream_pair();
        co_await send(a, "line1\n");
        co_await send(a, "line2\nline3\n");
        EXPECT_EQ(co_await b.read_line(), "line1\n");
        EXPECT_EQ(b.buffered(), 12u);
    }());
}

// ---- readuntil ----

TEST(cpython_streams, test_readuntil_separator) {
    aio::run([]() -> task<> {
        auto [a, b] = aio_test::stream_pair();
        EXPECT_THROW(co_await b.read_until(""), aio::net::invalid_argument_error);
    }());
}

TEST(cpython_streams, test_readuntil_multi_chunks_1) {
    aio::run([]() -> task<> {
        auto [a, b] = aio_test::stream_pair();
        // The separator straddles the reads: the reader waits while the pieces arrive.
        auto reader = aio::create_task(b.read_until("aaa"));
        co_await send_in_pieces(&a, "QWEaa", 5);
        co_await send_in_pieces(&a, "XYaa", 4);
        co_await send_in_pieces(&a, "a", 1);
        EXPECT_EQ(co_await reader, "QWEaaXYaaa");
        reader = aio::create_task(b.read_until("aaa"));
        co_await send_in_pieces(&a, "XXXaaa", 1);
        EXPECT_EQ(co_await reader, "XXXaaa");
        EXPECT_EQ(b.buffered(), 0u);
    }());
}

TEST(cpython_streams, test_readuntil_multi_chunks_1_straddling_the_limit) {
    aio::run([]() -> task<> {
        auto [a, b] = aio_test::stream_pair();
        // A separator that starts exactly at the limit is within it, however it arrives.
        auto reader = aio::create_task(b.read_until("\r\n\r\n", 10));
        co_await send_in_pieces(&a, "0123456789\r\n\r", 13);
        co_await send_in_pieces(&a, "\nrest", 5);
        EXPECT_EQ(co_await reader, "0123456789\r\n\r\n");
        EXPECT_EQ(co_await b.read(10), "rest");
    }());
}

TEST(cpython_streams, test_readuntil_eof) {
    aio::run([]() -> task<> {
        auto [a, b] = aio_test::stream_pair();
        co_await send(a, "some dataAA");
        co_await a.write_eof();
        try {
            co_await b.read_until("AAA");
            ADD_FAILURE() << "no incomplete_read_error";
        } catch (const aio::net::incomplete_read_error& e) {
            EXPECT_EQ(e.partial(), "some dataAA");
            EXPECT_EQ(e.expected(), 0u);
        }
        EXPECT_EQ(b.buffered(), 0u);
    }());
}

TEST(cpython_streams, test_readuntil_limit_found_sep) {
    aio::run([]() -> task<> {
        {
            auto [a, b] = aio_test::stream_pair(with_limit(3));
            co_await send(a, "some dataAA");
            const auto e = co_await overrun_of(b.read_until("AAA"));
            EXPECT_TRUE(says_not_found(e)) << e.what();
            EXPECT_EQ(e.consumed(), 9u); // "AA" may start the separator
            EXPECT_EQ(b.buffered(), 11u);
        }
        {
            // asyncio feeds one more "A" to the same reader; a stream's buffer fills only
            // while a read runs (and a read past the limit does not read), so the bytes
            // come at once here.
            auto [a, b] = aio_test::stream_pair(with_limit(3));
            co_await send(a, "some dataAAA");
            const auto e = co_await overrun_of(b.read_until("AAA"));
            EXPECT_FALSE(says_not_found(e)) << e.what();
            EXPECT_EQ(e.consumed(), 9u);
            EXPECT_EQ(b.buffered(), 12u);
            EXPECT_EQ(co_await b.read_exactly(9), "some data");
            EXPECT_EQ(co_await b.read_until("AAA"), "AAA");
        }
    }());
}

// The issue 12 case for read_until: a separator that arrived just past the limit is
// reported as found, and the data stays buffered.
TEST(cpython_streams, test_readuntil_limit_found_sep_just_past_the_limit) {
    aio::run([]() -> task<> {
        auto [a, b] = aio_test::stream_pair();
        co_await send(a, std::string(101, 'x') + "ENDtail");
        const auto e = co_await overrun_of(b.read_until("END", 100));
        EXPECT_FALSE(says_not_found(e)) << e.what();
        EXPECT_EQ(e.consumed(), 101u);
        EXPECT_EQ(b.buffered(), 108u);
        EXPECT_EQ(co_await b.read_exactly(101), std::string(101, 'x'));
        EXPECT_EQ(co_await b.read_until("END", 100), "END");
        EXPECT_EQ(co_await b.read(10), "tail");
    }());
}

// ---- at_eof ----

TEST(cpython_streams, test_at_eof) {
    aio::run([]() -> task<> {
        auto [a, b] = aio_test::stream_pair();
        EXPECT_FALSE(b.at_eof());
        co_await send(a, "some data\n");
        EXPECT_FALSE(b.at_eof());
        co_await b.read_line();
        EXPECT_FALSE(b.at_eof());
        co_await send(a, "some data\n");
        co_await a.write_eof();
        co_await b.read_line();
        // Unlike asyncio's fed reader, the peer's EOF is noticed only by a read that
        // returns "" (guide: "EOF").
        EXPECT_FALSE(b.at_eof());
        EXPECT_EQ(co_await b.read(10), "");
        EXPECT_TRUE(b.at_eof());
    }());
}

// bpo-35065: after close() every read returns "" at once, so at_eof() is true.
TEST(cpython_streams, test_eof_feed_when_closing_writer) {
    aio::run([]() -> task<> {
        {
            auto [a, b] = aio_test::stream_pair();
            co_await b.close();
            co_await b.wait_closed();
            EXPECT_TRUE(b.at_eof());
            EXPECT_EQ(co_await b.read(10), "");
        }
        {
            // What is buffered is still read first.
            auto [a, b] = aio_test::stream_pair();
            co_await send(a, "abc\ndef");
            EXPECT_EQ(co_await b.read_line(), "abc\n");
            co_await b.close();
            EXPECT_FALSE(b.at_eof());
            EXPECT_EQ(co_await b.read(10), "def");
            EXPECT_TRUE(b.at_eof());
        }
        {
            auto [a, b] = aio_test::stream_pair();
            b.abort();
            EXPECT_TRUE(b.at_eof());
            co_await b.wait_closed();
            EXPECT_TRUE(b.at_eof());
            EXPECT_EQ(co_await b.read_line(), "");
        }
    }());
}
