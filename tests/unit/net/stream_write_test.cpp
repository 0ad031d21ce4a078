// stream::write's queueing (asyncio's write(): returns at once under the high-water mark),
// the background sender, and what happens to queued output when the stream or the loop
// goes away.
#include "support/net.hpp"

#include <aio/core.hpp>
#include <aio/net.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <utility>

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace std::chrono_literals;
using aio::task;
using aio::net::stream;

TEST(stream_write, under_the_high_water_mark_returns_without_suspending_and_keeps_order) {
    aio::run([]() -> task<> {
        auto [a, b] = aio_test::stream_pair({.high_water = 64 * 1024});
        bool other_ran = false;
        auto other = aio::create_task([](bool* ran) -> task<> {
            *ran = true;
            co_return;
        }(&other_ran));
        std::string expected;
        for (int i = 0; i < 1000; ++i) {
            const std::string msg = "message " + std::to_string(i) + "\n";
            co_await a.write(msg); // the copy is queued: msg may go away right after
            expected += msg;
        }
        EXPECT_FALSE(other_ran) << "a write under the high-water mark suspended";
        // Many small sends may fill the socket buffer: drain() needs the reader.
        auto reader = aio::create_task(b.read_exactly(expected.size()));
        co_await a.drain();
        EXPECT_EQ(a.write_buffer_size(), 0u);
        co_await other;
        EXPECT_EQ(co_await reader, expected);
    }());
}

TEST(stream_write, background_send_failure_is_reported_by_drain_and_later_writes) {
    aio::run([]() -> task<> {
        auto [a, b] = aio_test::stream_pair();
        b.abort();                // the peer's socket is closed: sending fails with EPIPE
        co_await a.write("lost"); // queued; the failure comes from the background send
        EXPECT_THROW(co_await a.drain(), aio::broken_pipe_error);
        EXPECT_THROW(co_await a.write("x"), aio::broken_pipe_error);
        EXPECT_EQ(a.write_buffer_size(), 0u); // nothing is kept for a dead connection
    }());
}

TEST(stream_write, can_be_stored_moved_converted_and_awaited_only_once) {
    aio::run([]() -> task<> {
        auto [a, b] = aio_test::stream_pair();
        auto w1 = a.write("one ");
        auto w2 = std::move(w1);
        co_await w2;
        EXPECT_THROW(co_await w2, aio::invalid_state_error);
        EXPECT_THROW(co_await w1, aio::invalid_state_error); // moved from
        aio::task<> t = a.write("two ");
        co_await std::move(t);
        co_await aio::gather(a.write("three "), a.write("four"));
        co_await a.drain();
        EXPECT_EQ(co_await b.read_exactly(18), "one two three four");
    }());
}

TEST(stream_write, destroyed_stream_still_sends_what_write_accepted_then_closes) {
    aio::run([]() -> task<> {
        const int before = aio_test::fd_count();
        const std::string big(1 << 20, 'x'); // more than the socket buffers hold
        {
            auto [a, b] = aio_test::stream_pair({.high_water = 2 << 20});
            co_await a.write("hello\n");
            co_await a.write(big);
            EXPECT_GT(a.write_buffer_size(), 0u);
            { stream gone = std::move(a); } // like a handler returning after its writes
            EXPECT_EQ(co_await b.read_line(), "hello\n");
            const std::string rest = co_await b.read_all(); // then EOF: the socket closed
            EXPECT_EQ(rest.size(), big.size());
            EXPECT_EQ(rest, big);
        }
        EXPECT_EQ(co_await aio_test::settle_fds(before), before);
    }());
}

TEST(stream_write, destroyed_stream_gives_up_after_linger_when_the_peer_never_reads) {
    aio::run([]() -> task<> {
        auto [a, b] = aio_test::stream_pair({.high_water = 8 << 20, .linger = 50ms});
        const int both = aio_test::fd_count();
        co_await a.write(std::string(4 << 20, 'l')); // b never reads
        const auto t0 = std::chrono::steady_clock::now();
        { stream gone = std::move(a); }
        EXPECT_EQ(aio_test::fd_count(), both) << "released before the linger time";
        EXPECT_EQ(co_await aio_test::settle_fds(both - 1), both - 1);
        EXPECT_GE(std::chrono::steady_clock::now() - t0, 50ms);
        EXPECT_EQ(b.buffered(), 0u); // b is untouched and still open
    }());
}

TEST(stream_write, zero_linger_discards_queued_output_at_once) {
    aio::run([]() -> task<> {
        auto [a, b] = aio_test::stream_pair({.high_water = 8 << 20, .linger = 0ms});
        const int both = aio_test::fd_count();
        co_await a.write(std::string(4 << 20, 'z'));
        { stream gone = std::move(a); }
        EXPECT_EQ(co_await aio_test::settle_fds(both - 1), both - 1);
    }());
}

TEST(stream_write, loop_end_stops_a_sender_whose_peer_never_reads_and_releases_the_fd) {
    const int before = aio_test::fd_count();
    std::optional<std::pair<stream, stream>> pair;
    aio::run([&]() -> task<> {
        pair.emplace(aio_test::stream_pair({.high_water = 8 << 20}));
        co_await pair->first.write(std::string(4 << 20, 's')); // b never reads
        EXPECT_GT(pair->first.write_buffer_size(), 0u);
    }());
    // run() returned although the send could never finish: the sender was stopped and the
    // socket released; the stream objects outlive the loop and stay safe to destroy.
    EXPECT_EQ(pair->first.native_handle(), -1);
    EXPECT_EQ(pair->first.write_buffer_size(), 0u);
    pair.reset();
    EXPECT_EQ(aio_test::fd_count(), before);
}

// The sender stays registered with the loop between sends (docs/design/core.md, detached
// work): a stream that sent in one loop must be able to send in the next, and to be
// destroyed after both are gone, without touching a dead loop (ASan would see it).
TEST(stream_write, a_stream_sends_in_two_successive_loops_and_outlives_both) {
    int sv[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    std::optional<stream> keep;
    aio::run([&]() -> task<> {
        keep.emplace(stream::from_fd(sv[0]));
        co_await keep->write("one,");
        co_await keep->drain();
    }());
    aio::run([&]() -> task<> {
        co_await keep->write("two");
        co_await keep->drain();
    }());
    keep.reset();
    char buf[16] = {};
    std::size_t got = 0;
    while (got < 7) {
        const ssize_t n = ::read(sv[1], buf + got, sizeof buf - got);
        ASSERT_GT(n, 0);
        got += static_cast<std::size_t>(n);
    }
    EXPECT_EQ(std::string(buf, got), "one,two");
    ::close(sv[1]);
}

TEST(stream_write, negative_linger_is_refused_and_the_fd_still_closed) {
    const int before = aio_test::fd_count();
    aio::run([]() -> task<> {
        int sv[2];
        EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
        EXPECT_THROW((void)stream::from_fd(sv[0], {.linger = -1ms}),
                     aio::net::invalid_argument_error);
        ::close(sv[1]);
        co_return;
    }());
    EXPECT_EQ(aio_test::fd_count(), before);
}

TEST(stream_write, loop_end_does_not_wait_for_a_shielded_close_to_a_peer_that_never_reads) {
    std::optional<std::pair<stream, stream>> pair;
    aio::run([&]() -> task<> {
        pair.emplace(aio_test::stream_pair({.high_water = 8 << 20}));
        co_await pair->first.write(std::string(4 << 20, 'c')); // b never reads
        auto closer = aio::create_task(aio::shield(pair->first.close()));
        co_await aio::sleep(1ms);
        EXPECT_FALSE(closer.done()); // still sending; left running at the end of run
    }());
    EXPECT_EQ(pair->first.native_handle(), -1);
}
