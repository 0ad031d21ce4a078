#include "support/net.hpp"

#include <aio/core.hpp>
#include <aio/net.hpp>

#include <string>
#include <vector>

#include <gtest/gtest.h>

using namespace std::chrono_literals;
using aio::task;
using aio::net::stream;

namespace {
task<> echo_lines(stream s) {
    while (true) {
        std::string line = co_await s.read_line();
        if (line.empty())
            break;
        co_await s.write(line);
    }
    co_await s.close();
}
} // namespace

TEST(server, echoes_lines_like_the_design_example) {
    aio::run([]() -> task<> {
        auto srv = co_await aio::net::start_server(
            [](stream s) -> task<> { co_await s.write(co_await s.read_line()); }, "127.0.0.1", 0);
        EXPECT_NE(srv.port(), 0);
        auto s = co_await aio::net::open_connection("localhost", srv.port());
        co_await s.write("hello\n");
        EXPECT_EQ(co_await s.read_line(), "hello\n");
        co_await s.close();
        srv.close();
        co_await srv.wait_closed();
    }());
}

TEST(server, serves_many_concurrent_clients) {
    aio::run([]() -> task<> {
        auto srv = co_await aio::net::start_server(echo_lines, "127.0.0.1", 0);
        std::vector<task<std::string>> clients;
        for (int i = 0; i < 50; ++i) {
            clients.push_back([](std::uint16_t port, int i) -> task<std::string> {
                auto s = co_await aio::net::open_connection("127.0.0.1", port);
                std::string got;
                for (int k = 0; k < 3; ++k) {
                    co_await s.write("c" + std::to_string(i) + "-" + std::to_string(k) + "\n");
                    got += co_await s.read_line();
                }
                co_await s.close();
                co_return got;
            }(srv.port(), i));
        }
        auto results = co_await aio::gather(std::move(clients));
        for (int i = 0; i < 50; ++i) {
            const std::string c = "c" + std::to_string(i);
            EXPECT_EQ(results[i], c + "-0\n" + c + "-1\n" + c + "-2\n");
        }
        srv.close();
        co_await srv.wait_closed();
        EXPECT_EQ(srv.active_connections(), 0u);
    }());
}

TEST(server, handler_exception_is_reported_and_server_keeps_serving) {
    aio::run([]() -> task<> {
        std::vector<std::string> reports;
        aio::get_running_loop().set_exception_handler(
            [&reports](std::string_view m) { reports.emplace_back(m); });
        auto srv = co_await aio::net::start_server(
            [](stream s) -> task<> {
                std::string line = co_await s.read_line();
                if (line == "boom\n")
                    throw std::runtime_error("handler exploded");
                co_await s.write(line);
            },
            "127.0.0.1", 0);
        {
            auto s = co_await aio::net::open_connection("127.0.0.1", srv.port());
            co_await s.write("boom\n");
            EXPECT_EQ(co_await s.read_line(), ""); // the handler's stream was closed
        }
        auto s = co_await aio::net::open_connection("127.0.0.1", srv.port());
        co_await s.write("fine\n");
        EXPECT_EQ(co_await s.read_line(), "fine\n");
        srv.close();
        co_await srv.wait_closed();
        EXPECT_EQ(reports.size(), 1u);
        if (reports.empty())
            co_return;
        EXPECT_NE(reports[0].find("handler exploded"), std::string::npos) << reports[0];
        EXPECT_NE(reports[0].find("127.0.0.1"), std::string::npos) << reports[0];
    }());
}

TEST(server, close_stops_accepting_and_wait_closed_waits_for_handlers) {
    aio::run([]() -> task<> {
        bool handler_done = false;
        auto srv = co_await aio::net::start_server(
            [&handler_done](stream s) -> task<> {
                co_await s.read_line();
                co_await aio::sleep(30ms);
                co_await s.write("late\n");
                handler_done = true;
            },
            "127.0.0.1", 0);
        const auto port = srv.port();
        auto c = co_await aio::net::open_connection("127.0.0.1", port);
        co_await c.write("x\n");
        co_await aio::sleep(5ms);
        srv.close();
        EXPECT_FALSE(srv.is_serving());
        co_await srv.wait_closed();
        EXPECT_TRUE(handler_done);
        EXPECT_EQ(co_await c.read_line(), "late\n");
        EXPECT_THROW(co_await aio::net::open_connection("127.0.0.1", port),
                     aio::connection_refused_error);
    }());
}

TEST(server, tcp_half_close_lets_the_server_answer_after_eof) {
    aio::run([]() -> task<> {
        auto srv = co_await aio::net::start_server(
            [](stream s) -> task<> {
                std::string all = co_await s.read_all(); // until the client's write_eof
                co_await s.write("got " + std::to_string(all.size()) + " bytes\n");
                co_await s.close();
            },
            "127.0.0.1", 0);
        auto c = co_await aio::net::open_connection("127.0.0.1", srv.port());
        co_await c.write(std::string(100000, 'h'));
        co_await c.write_eof();
        EXPECT_EQ(co_await c.read_line(), "got 100000 bytes\n");
        EXPECT_EQ(co_await c.read_line(), "");
    }());
}

TEST(server, abort_clients_cancels_running_handlers) {
    aio::run([]() -> task<> {
        bool cancelled = false;
        bool started = false;
        auto srv = co_await aio::net::start_server(
            [&cancelled, &started](stream s) -> task<> {
                started = true;
                try {
                    co_await s.read_line(); // the client never sends
                } catch (const aio::cancelled_error&) {
                    cancelled = true;
                    throw;
                }
            },
            "127.0.0.1", 0);
        auto c = co_await aio::net::open_connection("127.0.0.1", srv.port());
        for (int i = 0; i < 100 && !started; ++i)
            co_await aio::sleep(1ms);
        EXPECT_EQ(srv.active_connections(), 1u);
        srv.close();
        srv.abort_clients();
        co_await srv.wait_closed();
        EXPECT_TRUE(cancelled);
        EXPECT_EQ(co_await c.read(10), "");
    }());
}

TEST(server, abort_clients_also_stops_handlers_not_yet_started) {
    aio::run([]() -> task<> {
        int ran = 0;
        auto srv = co_await aio::net::start_server(
            [&ran](stream s) -> task<> {
                ++ran;
                co_await s.read_line();
            },
            "127.0.0.1", 0);
        auto c = co_await aio::net::open_connection("127.0.0.1", srv.port());
        for (int i = 0; i < 100 && srv.active_connections() == 0; ++i)
            co_await aio::sleep(0ms);
        srv.close();
        srv.abort_clients();
        co_await srv.wait_closed();
        EXPECT_EQ(srv.active_connections(), 0u);
        EXPECT_EQ(co_await c.read(10), "");
    }());
}

TEST(server, serve_forever_returns_when_closed_and_closes_when_cancelled) {
    aio::run([]() -> task<> {
        auto srv = co_await aio::net::start_server(echo_lines, "127.0.0.1", 0);
        auto serving = aio::create_task(srv.serve_forever());
        co_await aio::sleep(2ms);
        EXPECT_FALSE(serving.done());
        serving.cancel();
        EXPECT_THROW(co_await serving, aio::cancelled_error);
        EXPECT_FALSE(srv.is_serving());
        co_await srv.wait_closed();

        auto srv2 = co_await aio::net::start_server(echo_lines, "127.0.0.1", 0);
        auto serving2 = aio::create_task(srv2.serve_forever());
        co_await aio::sleep(1ms);
        srv2.close();
        co_await serving2;
        co_await srv2.wait_closed();
    }());
}

TEST(server, addresses_and_peer_addresses) {
    aio::run([]() -> task<> {
        aio::net::address seen_peer;
        auto srv = co_await aio::net::start_server(
            [&seen_peer](stream s) -> task<> {
                seen_peer = s.peer_address();
                co_await s.write("hi\n");
            },
            "127.0.0.1", 0);
        auto addrs = srv.addresses();
        EXPECT_EQ(addrs.size(), 1u);
        EXPECT_EQ(addrs[0].to_string(), "127.0.0.1:" + std::to_string(srv.port()));
        auto c = co_await aio::net::open_connection("127.0.0.1", srv.port());
        EXPECT_EQ(co_await c.read_line(), "hi\n");
        EXPECT_EQ(c.peer_address(), addrs[0]);
        EXPECT_EQ(seen_peer, c.local_address());
        c.set_nodelay(false);
        c.set_nodelay(true);
        srv.close();
        co_await srv.wait_closed();
    }());
}

TEST(server, bind_conflict_throws_naming_the_address) {
    aio::run([]() -> task<> {
        auto srv = co_await aio::net::start_server(echo_lines, "127.0.0.1", 0);
        try {
            auto again = co_await aio::net::start_server(echo_lines, "127.0.0.1", srv.port(),
                                                         {.reuse_address = false});
            ADD_FAILURE() << "no exception";
        } catch (const aio::io_error& e) {
            EXPECT_EQ(e.code(), std::errc::address_in_use);
            EXPECT_NE(std::string(e.what()).find(std::to_string(srv.port())), std::string::npos);
        }
    }());
}

TEST(server, closing_a_server_releases_every_fd) {
    aio::run([]() -> task<> {
        const int before = aio_test::fd_count();
        {
            auto srv = co_await aio::net::start_server(echo_lines, "127.0.0.1", 0);
            auto c = co_await aio::net::open_connection("127.0.0.1", srv.port());
            co_await c.write("a\n");
            EXPECT_EQ(co_await c.read_line(), "a\n");
            co_await c.close();
            srv.close();
            co_await srv.wait_closed();
        }
        EXPECT_EQ(co_await aio_test::settle_fds(before), before);
    }());
}

TEST(server, ipv6_loopback) {
    if (!aio_test::has_ipv6_loopback())
        GTEST_SKIP() << "no IPv6 loopback on this machine";
    aio::run([]() -> task<> {
        auto srv = co_await aio::net::start_server(echo_lines, "::1", 0);
        auto c = co_await aio::net::open_connection("::1", srv.port());
        co_await c.write("six\n");
        EXPECT_EQ(co_await c.read_line(), "six\n");
        EXPECT_EQ(c.peer_address().family(), aio::net::address_family::ipv6);
    }());
}
