// Cancelling (or timing out) a pending accept/connect/read/write leaves no fd open and no
// operation in flight.
#include "io/backend.hpp"
#include "support/net.hpp"

#include <aio/core.hpp>
#include <aio/net.hpp>

#include <gtest/gtest.h>

using namespace std::chrono_literals;
using aio::task;
using aio::net::stream;

namespace {
std::size_t inflight() {
    return aio::get_running_loop().io().inflight();
}
} // namespace

TEST(net_cancel, pending_accept_is_cancelled_when_server_closes) {
    aio::run([]() -> task<> {
        const int before = aio_test::fd_count();
        const auto ops = inflight();
        auto srv =
            co_await aio::net::start_server([](stream) -> task<> { co_return; }, "127.0.0.1", 0);
        co_await aio::sleep(2ms);
        EXPECT_EQ(inflight(), ops + 1); // the accept
        srv.close();
        co_await srv.wait_closed();
        EXPECT_EQ(inflight(), ops);
        EXPECT_EQ(aio_test::fd_count(), before);
    }());
}

TEST(net_cancel, serve_forever_timeout_cancels_accept) {
    aio::run([]() -> task<> {
        const int before = aio_test::fd_count();
        const auto ops = inflight();
        {
            auto srv = co_await aio::net::start_server([](stream) -> task<> { co_return; },
                                                       "127.0.0.1", 0);
            EXPECT_THROW(co_await aio::wait_for(srv.serve_forever(), 10ms), aio::timeout_error);
            co_await srv.wait_closed();
        }
        EXPECT_EQ(inflight(), ops);
        EXPECT_EQ(aio_test::fd_count(), before);
    }());
}

TEST(net_cancel, timed_out_read_leaves_no_op_in_flight) {
    aio::run([]() -> task<> {
        const int before = aio_test::fd_count();
        const auto ops = inflight();
        {
            auto [a, b] = aio_test::stream_pair();
            EXPECT_THROW(co_await aio::wait_for(b.read(10), 10ms), aio::timeout_error);
            EXPECT_EQ(inflight(), ops);
            EXPECT_THROW(co_await aio::wait_for(b.read_exactly(10), 10ms), aio::timeout_error);
            EXPECT_THROW(co_await aio::wait_for(b.read_line(), 10ms), aio::timeout_error);
            EXPECT_EQ(inflight(), ops);
            co_await a.write("ok\n"); // the stream is still usable
            EXPECT_EQ(co_await b.read_line(), "ok\n");
        }
        EXPECT_EQ(co_await aio_test::settle_fds(before), before);
        EXPECT_EQ(inflight(), ops);
    }());
}

TEST(net_cancel, timed_out_write_leaves_no_op_in_flight_after_close) {
    aio::run([]() -> task<> {
        const int before = aio_test::fd_count();
        const auto ops = inflight();
        {
            auto [a, b] = aio_test::stream_pair();
            const std::string big(16 << 20, 'w'); // the peer never reads
            EXPECT_THROW(co_await aio::wait_for(a.write(big), 20ms), aio::timeout_error);
            EXPECT_EQ(inflight(), ops);
            a.abort();
            co_await a.wait_closed();
        }
        EXPECT_EQ(aio_test::fd_count(), before);
        EXPECT_EQ(inflight(), ops);
    }());
}

TEST(net_cancel, cancelled_task_in_handler_read_releases_connection) {
    aio::run([]() -> task<> {
        const int before = aio_test::fd_count();
        {
            auto srv = co_await aio::net::start_server(
                [](stream s) -> task<> { co_await s.read_line(); }, "127.0.0.1", 0);
            auto c = co_await aio::net::open_connection("127.0.0.1", srv.port());
            co_await aio::sleep(2ms);
            srv.close();
            srv.abort_clients();
            co_await srv.wait_closed();
            EXPECT_EQ(co_await c.read(1), "");
        }
        EXPECT_EQ(co_await aio_test::settle_fds(before), before);
    }());
}

TEST(net_cancel, loop_shutdown_with_pending_io_releases_everything) {
    const int before = aio_test::fd_count();
    aio::run([]() -> task<> {
        auto srv = co_await aio::net::start_server(
            [](stream s) -> task<> { co_await s.read_line(); }, "127.0.0.1", 0);
        auto c = co_await aio::net::open_connection("127.0.0.1", srv.port());
        // Leave everything pending: run() cancels and awaits the tasks at the end.
        aio::spawn([](stream* s) -> task<> { co_await s->read_line(); }(&c));
        co_await aio::sleep(2ms);
    }());
    EXPECT_EQ(aio_test::fd_count(), before);
}
