#include "io/backend.hpp"
#include "support/net.hpp"

#include <aio/core.hpp>
#include <aio/net.hpp>

#include <gtest/gtest.h>

using namespace std::chrono_literals;
using aio::task;

TEST(datagram, send_to_and_receive_from) {
    aio::run([]() -> task<> {
        auto server = co_await aio::net::open_datagram_endpoint({.local_host = "127.0.0.1"});
        auto client = co_await aio::net::open_datagram_endpoint({.local_host = "127.0.0.1"});
        const auto server_addr = server.local_address();
        EXPECT_NE(server_addr.port(), 0);
        co_await client.send_to("ping", server_addr);
        auto [data, from] = co_await server.receive_from();
        EXPECT_EQ(data, "ping");
        EXPECT_EQ(from, client.local_address());
        co_await server.send_to("pong", from);
        auto [reply, from2] = co_await client.receive_from();
        EXPECT_EQ(reply, "pong");
        EXPECT_EQ(from2, server_addr);
    }());
}

TEST(datagram, connected_endpoint_send_and_receive) {
    aio::run([]() -> task<> {
        auto server = co_await aio::net::open_datagram_endpoint({.local_host = "127.0.0.1"});
        auto client = co_await aio::net::open_datagram_endpoint(
            {.remote_host = "127.0.0.1", .remote_port = server.local_address().port()});
        EXPECT_TRUE(client.remote_address().has_value());
        co_await client.send("hello");
        auto [data, from] = co_await server.receive_from();
        EXPECT_EQ(data, "hello");
        co_await server.send_to("back", from);
        EXPECT_EQ(co_await client.receive(), "back");
        // Datagram boundaries are kept.
        co_await client.send("a");
        co_await client.send("bc");
        EXPECT_EQ(co_await server.receive(), "a");
        EXPECT_EQ(co_await server.receive(), "bc");
    }());
}

TEST(datagram, connected_to_closed_port_reports_refused) {
    aio::run([]() -> task<> {
        std::uint16_t port;
        {
            auto tmp = co_await aio::net::open_datagram_endpoint({.local_host = "127.0.0.1"});
            port = tmp.local_address().port();
        }
        auto client = co_await aio::net::open_datagram_endpoint(
            {.remote_host = "127.0.0.1", .remote_port = port});
        co_await client.send("anyone?");
        EXPECT_THROW(co_await aio::wait_for(client.receive(), 2s), aio::connection_refused_error);
    }());
}

TEST(datagram, cancelled_receive_and_close_release_the_socket) {
    aio::run([]() -> task<> {
        const int before = aio_test::fd_count();
        const auto ops = aio::get_running_loop().io().inflight();
        {
            auto ep = co_await aio::net::open_datagram_endpoint({.local_host = "127.0.0.1"});
            EXPECT_THROW(co_await aio::wait_for(ep.receive_from(), 10ms), aio::timeout_error);
            EXPECT_EQ(aio::get_running_loop().io().inflight(), ops);
            auto pending = aio::create_task(ep.receive());
            co_await aio::sleep(2ms);
            ep.close();
            EXPECT_THROW(co_await pending, aio::invalid_state_error);
            co_await ep.wait_closed();
            EXPECT_EQ(ep.native_handle(), -1);
            EXPECT_THROW(co_await ep.send_to("x", aio::net::address::parse("127.0.0.1:9")),
                         aio::invalid_state_error);
        }
        EXPECT_EQ(aio_test::fd_count(), before);
    }());
}

TEST(datagram, needs_an_address) {
    aio::run([]() -> task<> {
        EXPECT_THROW(co_await aio::net::open_datagram_endpoint({}),
                     aio::net::invalid_argument_error);
    }());
}
