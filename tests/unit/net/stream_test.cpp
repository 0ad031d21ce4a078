#include "support/net.hpp"

#include <aio/core.hpp>
#include <aio/net.hpp>

#include <string>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

using namespace std::chrono_literals;
using aio::task;
using aio::net::stream;

TEST(stream, read_line_returns_lines_then_empty_at_eof) {
    aio::run([]() -> task<> {
        auto [a, b] = aio_test::stream_pair();
        co_await a.write("one\ntwo\nlast");
        co_await a.write_eof();
        EXPECT_EQ(co_await b.read_line(), "one\n");
        EXPECT_EQ(co_await b.read_line(), "two\n");
        EXPECT_EQ(co_await b.read_line(), "last");
        EXPECT_EQ(co_await b.read_line(), "");
        EXPECT_TRUE(b.at_eof());
    }());
}

TEST(stream, read_returns_available_bytes_and_empty_string_at_eof) {
    aio::run([]() -> task<> {
        auto [a, b] = aio_test::stream_pair();
        co_await a.write("hello");
        EXPECT_EQ(co_await b.read(3), "hel");
        EXPECT_EQ(co_await b.read(100), "lo");
        co_await a.close();
        EXPECT_EQ(co_await b.read(100), "");
        EXPECT_EQ(co_await b.read(0), "");
    }());
}

TEST(stream, read_exactly_waits_for_all_bytes) {
    aio::run([]() -> task<> {
        auto [a, b] = aio_test::stream_pair();
        auto reader = aio::create_task(b.read_exactly(6));
        co_await a.write("abc");
        co_await aio::sleep(5ms);
        EXPECT_FALSE(reader.done());
        co_await a.write("defgh");
        EXPECT_EQ(co_await reader, "abcdef");
        EXPECT_EQ(co_await b.read(10), "gh");
    }());
}

TEST(stream, read_exactly_at_eof_throws_incomplete_read_with_partial_data) {
    aio::run([]() -> task<> {
        auto [a, b] = aio_test::stream_pair();
        co_await a.write("abc");
        co_await a.close();
        try {
            co_await b.read_exactly(10);
            ADD_FAILURE() << "no exception";
        } catch (const aio::net::incomplete_read_error& e) {
            EXPECT_EQ(e.partial(), "abc");
            EXPECT_EQ(e.expected(), 10u);
        }
        EXPECT_EQ(co_await b.read(10), "");
    }());
}

TEST(stream, read_until_custom_separator) {
    aio::run([]() -> task<> {
        auto [a, b] = aio_test::stream_pair();
        co_await a.write("GET / HTTP/1.1\r\nHost: x\r\n\r\nbody");
        EXPECT_EQ(co_await b.read_until("\r\n\r\n"), "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        EXPECT_EQ(co_await b.read(4), "body");
    }());
}

TEST(stream, read_until_overrun_leaves_data_buffered_and_stream_usable) {
    aio::run([]() -> task<> {
        auto [a, b] = aio_test::stream_pair();
        co_await a.write(std::string(100, 'x') + "END" + "tail");
        try {
            co_await b.read_until("END", 10);
            ADD_FAILURE() << "no exception";
        } catch (const aio::net::limit_overrun_error& e) {
            EXPECT_GT(e.consumed(), 10u);
            EXPECT_NE(std::string(e.what()).find("limit"), std::string::npos);
        }
        // Only a little past the limit was read; the data waits in the buffer.
        EXPECT_GT(b.buffered(), 10u);
        EXPECT_LE(b.buffered(), 16u * 1024);
        EXPECT_EQ(co_await b.read_exactly(100), std::string(100, 'x'));
        EXPECT_EQ(co_await b.read_until("END", 10), "END");
    }());
}

TEST(stream, read_until_at_eof_without_separator_throws_incomplete_read) {
    aio::run([]() -> task<> {
        auto [a, b] = aio_test::stream_pair();
        co_await a.write("no separator");
        co_await a.write_eof();
        EXPECT_THROW(co_await b.read_until("|"), aio::net::incomplete_read_error);
    }());
}

TEST(stream, huge_line_hits_the_limit_with_bounded_buffer) {
    aio::run([]() -> task<> {
        auto [a, b] = aio_test::stream_pair();
        // 10 MB without a newline, then a normal line; the writer runs concurrently.
        auto writer = aio::create_task([](stream* s) -> task<> {
            const std::string chunk(64 * 1024, 'z');
            for (int i = 0; i < 160; ++i)
                co_await s->write(chunk);
            co_await s->write("\nnext\n");
        }(&a));
        EXPECT_THROW(co_await b.read_line(), aio::net::limit_overrun_error);
        // What read_line buffered was bounded by the limit plus one read, and discarded.
        EXPECT_LE(b.buffered(), 64u * 1024 + 16 * 1024);
        // The stream stays usable: keep reading lines until the real one appears.
        std::string line;
        int overruns = 0;
        for (int i = 0; i < 1000; ++i) {
            try {
                line = co_await b.read_line();
                if (line == "next\n")
                    break;
            } catch (const aio::net::limit_overrun_error&) {
                ++overruns;
            }
            EXPECT_LE(b.buffered(), 64u * 1024 + 16 * 1024);
        }
        EXPECT_EQ(line, "next\n");
        EXPECT_GT(overruns, 10);
        co_await writer;
    }());
}

TEST(stream, write_waits_at_high_water_mark_when_peer_never_reads) {
    aio::run([]() -> task<> {
        auto [a, b] = aio_test::stream_pair({.high_water = 64 * 1024});
        const std::string chunk(16 * 1024, 'w');
        std::size_t written = 0;
        // The writer must block: the kernel buffer and then our 64 KiB queue fill up.
        auto writer = aio::create_task([](stream* s, std::string c, std::size_t* n) -> task<> {
            for (int i = 0; i < 100000; ++i) {
                co_await s->write(c);
                *n += c.size();
            }
        }(&a, chunk, &written));
        std::size_t last = 0;
        bool stalled = false; // no progress over one 2 ms sleep, after the first 20 ms
        for (int i = 0; i < 50 && !stalled; ++i) {
            co_await aio::sleep(2ms);
            EXPECT_LE(a.write_buffer_size(), 64u * 1024);
            stalled = i > 10 && written == last;
            last = written;
        }
        EXPECT_TRUE(stalled) << "writer did not block";
        EXPECT_LT(written, 100000u * chunk.size());
        EXPECT_FALSE(writer.done());
        writer.cancel();
        EXPECT_THROW(co_await writer, aio::cancelled_error);
        // The reader drains: the queued data arrives intact.
        std::string got = co_await b.read_exactly(written);
        EXPECT_EQ(got, std::string(written, 'w'));
    }());
}

TEST(stream, drain_waits_until_queue_is_empty) {
    aio::run([]() -> task<> {
        auto [a, b] = aio_test::stream_pair({.high_water = 1 << 20});
        const std::string big(4 << 20, 'd');
        auto writer = aio::create_task([](stream* s, const std::string* d) -> task<> {
            co_await s->write(*d);
            co_await s->drain();
        }(&a, &big));
        auto got = co_await b.read_exactly(big.size());
        co_await writer;
        EXPECT_EQ(a.write_buffer_size(), 0u);
        EXPECT_EQ(got.size(), big.size());
    }());
}

TEST(stream, write_eof_half_closes_and_other_direction_still_works) {
    aio::run([]() -> task<> {
        auto [a, b] = aio_test::stream_pair();
        co_await a.write("request");
        co_await a.write_eof();
        EXPECT_EQ(co_await b.read_all(), "request");
        co_await b.write("response");
        co_await b.close();
        EXPECT_EQ(co_await a.read_all(), "response");
        EXPECT_THROW(co_await a.write("more"), aio::invalid_state_error);
    }());
}

TEST(stream, second_concurrent_reader_is_refused) {
    aio::run([]() -> task<> {
        auto [a, b] = aio_test::stream_pair();
        auto r1 = aio::create_task(b.read(10));
        co_await aio::sleep(1ms);
        EXPECT_THROW(co_await b.read(10), aio::invalid_state_error);
        co_await a.write("x");
        EXPECT_EQ(co_await r1, "x");
    }());
}

TEST(stream, cancelled_read_keeps_partial_data) {
    aio::run([]() -> task<> {
        auto [a, b] = aio_test::stream_pair();
        co_await a.write("abc");
        EXPECT_THROW(co_await aio::wait_for(b.read_line(), 20ms), aio::timeout_error);
        co_await a.write("def\n");
        EXPECT_EQ(co_await b.read_line(), "abcdef\n");
    }());
}

TEST(stream, close_makes_pending_reader_see_eof_and_releases_fd) {
    aio::run([]() -> task<> {
        const int before = aio_test::fd_count();
        {
            auto [a, b] = aio_test::stream_pair();
            auto reader = aio::create_task(b.read(10));
            co_await aio::sleep(1ms);
            co_await b.close();
            EXPECT_EQ(co_await reader, "");
            EXPECT_EQ(b.native_handle(), -1);
            EXPECT_THROW(co_await b.write("x"), aio::invalid_state_error);
        }
        EXPECT_EQ(co_await aio_test::settle_fds(before), before);
    }());
}

TEST(stream, close_sends_queued_data_first) {
    aio::run([]() -> task<> {
        auto [a, b] = aio_test::stream_pair({.high_water = 8 << 20});
        const std::string big(3 << 20, 'q');
        co_await a.write(big); // mostly queued: nobody reads yet
        auto closer = aio::create_task(a.close());
        auto got = co_await b.read_all();
        co_await closer;
        EXPECT_EQ(got.size(), big.size());
    }());
}

TEST(stream, cancelled_close_aborts_and_releases_fd) {
    aio::run([]() -> task<> {
        const int before = aio_test::fd_count();
        {
            auto [a, b] = aio_test::stream_pair({.high_water = 8 << 20});
            co_await a.write(std::string(4 << 20, 'c')); // peer never reads
            EXPECT_GT(a.write_buffer_size(), 0u);
            EXPECT_THROW(co_await aio::wait_for(a.close(), 20ms), aio::timeout_error);
            EXPECT_EQ(a.native_handle(), -1);
        }
        EXPECT_EQ(co_await aio_test::settle_fds(before), before);
    }());
}

TEST(stream, destroying_stream_with_queued_data_releases_fd) {
    aio::run([]() -> task<> {
        const int before = aio_test::fd_count();
        {
            auto [a, b] = aio_test::stream_pair({.high_water = 8 << 20});
            co_await a.write(std::string(4 << 20, 'c'));
        }
        EXPECT_EQ(co_await aio_test::settle_fds(before), before);
    }());
}

TEST(stream, write_cancelled_midway_poisons_further_writes) {
    aio::run([]() -> task<> {
        auto [a, b] = aio_test::stream_pair({.high_water = 1024});
        const std::string big(8 << 20, 'p'); // more than the socket buffers hold
        EXPECT_THROW(co_await aio::wait_for(a.write(big), 20ms), aio::timeout_error);
        EXPECT_THROW(co_await a.write("x"), aio::invalid_state_error);
    }());
}

TEST(stream, write_cancelled_before_sending_has_no_effect) {
    aio::run([]() -> task<> {
        auto [a, b] = aio_test::stream_pair({.high_water = 1024});
        const std::string big(8 << 20, 'p');
        auto w = aio::create_task(a.write(big));
        co_await aio::sleep(5ms); // w is inline, kernel buffer full
        // A second write waits behind the first (queue would exceed the mark): cancel it.
        EXPECT_THROW(co_await aio::wait_for(a.write(std::string(4096, 'n')), 5ms),
                     aio::timeout_error);
        auto got = aio::create_task(b.read_exactly(big.size()));
        co_await w;
        co_await a.write("!");
        EXPECT_EQ((co_await got).size(), big.size());
        EXPECT_EQ(co_await b.read(1), "!");
    }());
}

TEST(stream, moved_stream_keeps_working) {
    aio::run([]() -> task<> {
        auto [a, b] = aio_test::stream_pair();
        stream c = std::move(a);
        EXPECT_FALSE(static_cast<bool>(a));
        co_await c.write("moved\n");
        EXPECT_EQ(co_await b.read_line(), "moved\n");
        EXPECT_THROW(co_await a.read(1), aio::invalid_state_error);
    }());
}

TEST(stream, from_fd_adopts_a_pipe) {
    aio::run([]() -> task<> {
        int p[2];
        if (::pipe2(p, O_CLOEXEC) != 0) {
            ADD_FAILURE() << "pipe2";
            co_return;
        }
        stream r = stream::from_fd(p[0]);
        stream w = stream::from_fd(p[1]);
        co_await w.write("through a pipe\n");
        co_await w.write_eof(); // closes the write end
        EXPECT_EQ(co_await r.read_line(), "through a pipe\n");
        EXPECT_EQ(co_await r.read_line(), "");
        EXPECT_THROW(r.peer_address(), aio::io_error);
    }());
}

TEST(stream, from_fd_rejects_bad_fd) {
    aio::run([]() -> task<> {
        EXPECT_THROW(stream::from_fd(-1), aio::io_error);
        co_return;
    }());
}

TEST(stream, read_into_avoids_copies_and_reports_eof) {
    aio::run([]() -> task<> {
        auto [a, b] = aio_test::stream_pair();
        co_await a.write("0123456789");
        char buf[4];
        EXPECT_EQ(co_await b.read_into(std::span<char>(buf)), 4u);
        EXPECT_EQ(std::string(buf, 4), "0123");
        std::string rest;
        co_await a.close();
        while (std::size_t n = co_await b.read_into(std::span<char>(buf)))
            rest.append(buf, n);
        EXPECT_EQ(rest, "456789");
    }());
}

TEST(stream, read_into_can_be_stored_moved_and_converted_to_a_task) {
    aio::run([]() -> task<> {
        auto [a, b] = aio_test::stream_pair();
        char buf[8];
        auto pending = b.read_into(std::span<char>(buf)); // nothing runs yet
        auto moved = std::move(pending);
        co_await a.write("abc");
        EXPECT_EQ(co_await std::move(moved), 3u);
        EXPECT_EQ(std::string(buf, 3), "abc");
        task<std::size_t> as_task = b.read_into(std::span<char>(buf));
        co_await a.write("de");
        EXPECT_EQ(co_await std::move(as_task), 2u);
        auto h = aio::create_task(b.read_into(std::span<char>(buf)));
        co_await a.write("f");
        EXPECT_EQ(co_await h, 1u);
        auto [n, ignored] = co_await aio::gather(b.read_into(std::span<char>(buf)), a.write("g"));
        EXPECT_EQ(n, 1u);
        EXPECT_EQ(buf[0], 'g');
    }());
}

TEST(stream, read_into_awaited_twice_is_refused) {
    aio::run([]() -> task<> {
        auto [a, b] = aio_test::stream_pair();
        char buf[4];
        auto r = b.read_into(std::span<char>(buf));
        co_await a.write("x");
        EXPECT_EQ(co_await r, 1u);
        EXPECT_THROW(co_await r, aio::invalid_state_error);
    }());
}

TEST(stream, read_into_refuses_a_second_concurrent_reader) {
    aio::run([]() -> task<> {
        auto [a, b] = aio_test::stream_pair();
        char buf1[4], buf2[4];
        auto first = aio::create_task(b.read_into(std::span<char>(buf1)));
        co_await aio::sleep(1ms);
        EXPECT_THROW(co_await b.read_into(std::span<char>(buf2)), aio::invalid_state_error);
        EXPECT_THROW(co_await b.read(1), aio::invalid_state_error);
        co_await a.write("y");
        EXPECT_EQ(co_await first, 1u);
        EXPECT_EQ(buf1[0], 'y');
    }());
}

TEST(stream, read_into_times_out_cleanly_and_the_stream_stays_usable) {
    aio::run([]() -> task<> {
        auto [a, b] = aio_test::stream_pair();
        char buf[4];
        EXPECT_THROW(co_await aio::wait_for(b.read_into(std::span<char>(buf)), 20ms),
                     aio::timeout_error);
        EXPECT_THROW(co_await aio::timeout(20ms, b.read_into(std::span<char>(buf))),
                     aio::timeout_error);
        co_await a.write("ok");
        EXPECT_EQ(co_await b.read_into(std::span<char>(buf)), 2u);
        EXPECT_EQ(std::string(buf, 2), "ok");
    }());
}

TEST(stream, close_makes_a_pending_read_into_see_eof_and_releases_fd) {
    aio::run([]() -> task<> {
        const int before = aio_test::fd_count();
        {
            auto [a, b] = aio_test::stream_pair();
            char buf[4];
            auto reader = aio::create_task(b.read_into(std::span<char>(buf)));
            co_await aio::sleep(1ms);
            co_await b.close();
            EXPECT_EQ(co_await reader, 0u);
            EXPECT_TRUE(b.at_eof());
        }
        EXPECT_EQ(co_await aio_test::settle_fds(before), before);
    }());
}

// write_eof() on a pipe closes its fd; a later read must fail on that closed fd (EBADF),
// never read from whatever file got the same number since.
TEST(stream, read_into_after_write_eof_closed_a_pipe_does_not_read_a_reused_fd) {
    aio::run([]() -> task<> {
        int p[2];
        EXPECT_EQ(::pipe2(p, O_CLOEXEC), 0);
        const int old = p[0];
        auto s = stream::from_fd(p[0]);
        co_await s.write_eof();
        int q[2];
        EXPECT_EQ(::pipe2(q, O_CLOEXEC), 0);
        EXPECT_EQ(q[0], old) << "the closed number was not reused: the test proves nothing";
        EXPECT_EQ(::write(q[1], "other", 5), 5);
        char buf[16];
        try {
            const std::size_t n = co_await s.read_into(std::span<char>(buf));
            EXPECT_EQ(n, 0u) << "read another file's bytes: " << std::string(buf, n);
        } catch (const aio::io_error& e) {
            EXPECT_EQ(e.code(), std::errc::bad_file_descriptor) << e.what();
        }
        ::close(p[1]);
        ::close(q[0]);
        ::close(q[1]);
    }());
}

TEST(stream, read_into_on_a_destroyed_stream_sees_eof) {
    aio::run([]() -> task<> {
        auto [a, b] = aio_test::stream_pair();
        char buf[4];
        auto r = b.read_into(std::span<char>(buf)); // keeps the internals alive
        b = stream();
        EXPECT_EQ(co_await r, 0u);
    }());
}
