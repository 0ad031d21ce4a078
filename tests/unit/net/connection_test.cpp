#include "support/net.hpp"

#include <aio/core.hpp>
#include <aio/net.hpp>

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

using namespace std::chrono_literals;
using aio::task;
using aio::net::address;
using aio::net::stream;

namespace {

/// A port on 127.0.0.1 where nothing listens (bound then closed).
std::uint16_t closed_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(fd);
    return ntohs(a.sin_port);
}

/// A listener on 127.0.0.1 that never accepts and whose backlog is full, so a further
/// connect() hangs (its SYN is dropped). Holds its fds until destroyed.
struct black_hole {
    int listener = -1;
    std::vector<int> fillers;
    std::uint16_t port = 0;
    black_hole() {
        listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof a);
        ::listen(listener, 0);
        socklen_t len = sizeof a;
        ::getsockname(listener, reinterpret_cast<sockaddr*>(&a), &len);
        port = ntohs(a.sin_port);
        // Fill the accept queue (backlog 0 admits one or two) with non-blocking connects.
        for (int i = 0; i < 4; ++i) {
            const int c = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            ::connect(c, reinterpret_cast<sockaddr*>(&a), sizeof a);
            fillers.push_back(c);
        }
    }
    ~black_hole() {
        for (int c : fillers)
            ::close(c);
        ::close(listener);
    }
};

task<> echo_once(stream s) {
    std::string line = co_await s.read_line();
    co_await s.write(line);
    co_await s.close();
}

} // namespace

TEST(open_connection, connection_refused_throws_typed_error) {
    aio::run([]() -> task<> {
        const auto port = closed_port();
        try {
            co_await aio::net::open_connection("127.0.0.1", port);
            ADD_FAILURE() << "no exception";
        } catch (const aio::connection_refused_error& e) {
            EXPECT_EQ(e.code(), std::errc::connection_refused);
            EXPECT_NE(std::string(e.what()).find(std::to_string(port)), std::string::npos)
                << e.what();
        }
    }());
}

TEST(open_connection, connection_refused_leaves_no_fd) {
    aio::run([]() -> task<> {
        const int before = aio_test::fd_count();
        for (int i = 0; i < 5; ++i) {
            EXPECT_THROW(co_await aio::net::open_connection("127.0.0.1", closed_port()),
                         aio::connection_refused_error);
        }
        EXPECT_EQ(aio_test::fd_count(), before);
    }());
}

TEST(open_connection, timeout_option_bounds_a_hanging_connect) {
    black_hole hole;
    aio::run([](std::uint16_t port) -> task<> {
        const int before = aio_test::fd_count();
        EXPECT_THROW(co_await aio::net::open_connection("127.0.0.1", port, {.timeout = 50ms}),
                     aio::timeout_error);
        EXPECT_EQ(co_await aio_test::settle_fds(before), before);
    }(hole.port));
}

TEST(open_connection, cancelled_connect_closes_its_socket) {
    black_hole hole;
    aio::run([](std::uint16_t port) -> task<> {
        const int before = aio_test::fd_count();
        auto t = aio::create_task(aio::net::open_connection("127.0.0.1", port));
        co_await aio::sleep(10ms);
        EXPECT_FALSE(t.done());
        t.cancel();
        EXPECT_THROW(co_await t, aio::cancelled_error);
        EXPECT_EQ(co_await aio_test::settle_fds(before), before);
    }(hole.port));
}

TEST(open_connection, tries_each_candidate_in_turn) {
    aio::run([]() -> task<> {
        auto srv = co_await aio::net::start_server(echo_once, "127.0.0.1", 0);
        std::vector<address> candidates{address::parse("127.0.0.1", closed_port()),
                                        address::parse("127.0.0.1", srv.port())};
        auto s = co_await aio::net::open_connection(candidates);
        EXPECT_EQ(s.peer_address().port(), srv.port());
        co_await s.write("x\n");
        EXPECT_EQ(co_await s.read_line(), "x\n");
    }());
}

TEST(open_connection, happy_eyeballs_starts_next_attempt_after_the_delay) {
    black_hole hole;
    aio::run([](std::uint16_t hole_port) -> task<> {
        auto srv = co_await aio::net::start_server(echo_once, "127.0.0.1", 0);
        const int before = aio_test::fd_count();
        std::vector<address> candidates{address::parse("127.0.0.1", hole_port),
                                        address::parse("127.0.0.1", srv.port())};
        // Sequential: the first attempt hangs, so the second is never reached.
        EXPECT_THROW(co_await aio::net::open_connection(candidates, {.timeout = 150ms}),
                     aio::timeout_error);
        // Happy Eyeballs: the second starts 30 ms later and wins; the first is closed.
        const auto t0 = std::chrono::steady_clock::now();
        auto s = co_await aio::net::open_connection(candidates,
                                                    {.timeout = 2s, .happy_eyeballs_delay = 30ms});
        const auto took = std::chrono::steady_clock::now() - t0;
        EXPECT_GE(took, 25ms);
        EXPECT_EQ(s.peer_address().port(), srv.port());
        co_await s.write("y\n");
        EXPECT_EQ(co_await s.read_line(), "y\n");
        co_await s.close();
        EXPECT_EQ(co_await aio_test::settle_fds(before + 0), before);
    }(hole.port));
}

TEST(open_connection, happy_eyeballs_moves_on_at_once_when_an_attempt_fails) {
    aio::run([]() -> task<> {
        auto srv = co_await aio::net::start_server(echo_once, "127.0.0.1", 0);
        std::vector<address> candidates{address::parse("127.0.0.1", closed_port()),
                                        address::parse("127.0.0.1", srv.port())};
        const auto t0 = std::chrono::steady_clock::now();
        auto s = co_await aio::net::open_connection(candidates, {.happy_eyeballs_delay = 5s});
        EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
        EXPECT_EQ(s.peer_address().port(), srv.port());
    }());
}

TEST(open_connection, all_candidates_refused_gives_refused) {
    aio::run([]() -> task<> {
        std::vector<address> candidates{address::parse("127.0.0.1", closed_port()),
                                        address::parse("127.0.0.1", closed_port())};
        EXPECT_THROW(co_await aio::net::open_connection(candidates), aio::connection_refused_error);
        EXPECT_THROW(co_await aio::net::open_connection(candidates, {.happy_eyeballs_delay = 10ms}),
                     aio::connection_refused_error);
    }());
}

TEST(open_connection, binds_the_local_address) {
    aio::run([]() -> task<> {
        auto srv = co_await aio::net::start_server(echo_once, "127.0.0.1", 0);
        auto s = co_await aio::net::open_connection(
            "127.0.0.1", srv.port(), {.local_address = address::parse("127.0.0.2", 0)});
        EXPECT_EQ(s.local_address().host(), "127.0.0.2");
    }());
}

TEST(open_connection, peer_reset_mid_read_throws_connection_reset) {
    aio::run([]() -> task<> {
        auto srv = co_await aio::net::start_server(
            [](stream s) -> task<> {
                co_await s.read_line();
                // Abortive close: SO_LINGER 0 makes close() send RST.
                linger l{1, 0};
                ::setsockopt(s.native_handle(), SOL_SOCKET, SO_LINGER, &l, sizeof l);
                s.abort();
            },
            "127.0.0.1", 0);
        auto c = co_await aio::net::open_connection("127.0.0.1", srv.port());
        co_await c.write("go\n");
        EXPECT_THROW(co_await c.read_line(), aio::connection_reset_error);
    }());
}

TEST(open_connection, peer_reset_mid_write_throws_connection_error) {
    aio::run([]() -> task<> {
        auto srv = co_await aio::net::start_server(
            [](stream s) -> task<> {
                co_await s.read_exactly(1000); // read a little, then reset
                linger l{1, 0};
                ::setsockopt(s.native_handle(), SOL_SOCKET, SO_LINGER, &l, sizeof l);
                s.abort();
            },
            "127.0.0.1", 0);
        auto c = co_await aio::net::open_connection("127.0.0.1", srv.port());
        const std::string chunk(64 * 1024, 'r');
        bool failed = false;
        try {
            for (int i = 0; i < 2000; ++i)
                co_await c.write(chunk); // 128 MB at most
            co_await c.drain();
        } catch (const aio::connection_error& e) {
            failed = true;
            EXPECT_TRUE(e.code() == std::errc::connection_reset ||
                        e.code() == std::errc::broken_pipe)
                << e.what();
        }
        EXPECT_TRUE(failed);
        // The error sticks: later writes fail too.
        EXPECT_THROW(co_await c.write("x"), aio::connection_error);
    }());
}

TEST(open_connection, unix_domain_stream_sockets) {
    aio::run([]() -> task<> {
        const std::string path = "/tmp/aio_net_test_" + std::to_string(::getpid()) + ".sock";
        auto srv = co_await aio::net::start_unix_server(echo_once, path);
        EXPECT_EQ(srv.port(), 0);
        EXPECT_EQ(srv.addresses().at(0).to_string(), "unix:" + path);
        EXPECT_EQ(::access(path.c_str(), F_OK), 0);
        auto s = co_await aio::net::open_unix_connection(path);
        co_await s.write("via unix\n");
        EXPECT_EQ(co_await s.read_line(), "via unix\n");
        EXPECT_THROW(s.set_nodelay(true), aio::io_error);
        srv.close();
        co_await srv.wait_closed();
        EXPECT_NE(::access(path.c_str(), F_OK), 0) << "socket file not removed";
        EXPECT_THROW(co_await aio::net::open_unix_connection(path), aio::io_error);
    }());
}

TEST(open_connection, unix_abstract_namespace) {
    aio::run([]() -> task<> {
        std::string name("\0aio_net_test_abstract_", 23);
        name += std::to_string(::getpid());
        auto srv = co_await aio::net::start_unix_server(echo_once, name);
        auto s = co_await aio::net::open_unix_connection(name);
        co_await s.write("abstract\n");
        EXPECT_EQ(co_await s.read_line(), "abstract\n");
    }());
}
