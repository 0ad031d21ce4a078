// How a server accepts: one multishot accept operation on io_uring, one accept per
// connection on epoll (and on io_uring without multishot accept). Accept calls are counted
// with a fault plan that injects nothing (support/net.hpp: fault_scope).
#include "io/backend.hpp"
#include "support/net.hpp"

#include <aio/core.hpp>
#include <aio/net.hpp>

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace std::chrono_literals;
using aio::task;
using aio::net::stream;
using aio_test::fault_scope;

namespace {

constexpr int plenty = 1'000'000;

/// Echoes one line, prefixed with the peer address the server's stream reports.
task<> echo_line(stream s) {
    const std::string line = co_await s.read_line();
    co_await s.write(s.peer_address().to_string() + " " + line);
    co_await s.close();
}

/// Opens `n` connections to the server, one after another, each echoing one line; checks
/// the replies and that the server saw each client's own address.
task<> talk(aio::net::server& srv, int n) {
    for (int i = 0; i < n; ++i) {
        auto c = co_await aio::net::open_connection("127.0.0.1", srv.port());
        const std::string line = "line " + std::to_string(i) + "\n";
        co_await c.write(line);
        EXPECT_EQ(co_await c.read_line(), c.local_address().to_string() + " " + line);
        co_await c.close();
    }
}

bool on_io_uring() {
    return aio::detail::t_loop->io_backend().multishot_accept();
}

} // namespace

TEST(server_accept, uses_one_multishot_accept_for_every_connection_on_io_uring) {
    aio::run([]() -> task<> {
        fault_scope count({.which = aio::detail::sys::call::accept, .times = plenty});
        auto srv = co_await aio::net::start_server(echo_line, "127.0.0.1", 0);
        co_await talk(srv, 20);
        const int accept_calls = plenty - count.plan.times;
        if (on_io_uring()) { // (still true after talk(): the kernel took the multishot accept)
            EXPECT_EQ(accept_calls, 1) << "one submission served every connection";
        } else {
            EXPECT_GE(accept_calls, 20) << "epoll: one accept4 per connection";
        }
        srv.close();
        co_await srv.wait_closed();
    }());
}

TEST(server_accept, falls_back_to_one_accept_per_connection_without_multishot_accept) {
    aio::run([]() -> task<> {
        if (!on_io_uring())
            co_return; // (GTEST_SKIP cannot be used inside a coroutine)
        std::vector<std::string> reports;
        aio::get_running_loop().set_exception_handler(
            [&reports](std::string_view m) { reports.emplace_back(m); });
        // Kernels before 5.19 fail a multishot accept with EINVAL: simulated on its submission.
        fault_scope f({.which = aio::detail::sys::call::accept, .error = EINVAL, .times = 1});
        auto srv = co_await aio::net::start_server(echo_line, "127.0.0.1", 0);
        co_await talk(srv, 3);
        EXPECT_EQ(f.plan.times, 0);
        // Single-shot accepts from then on, each through the plan: count them.
        f.plan = {.which = aio::detail::sys::call::accept, .times = plenty};
        co_await talk(srv, 5);
        EXPECT_GE(plenty - f.plan.times, 5) << "one accept per connection";
        EXPECT_TRUE(reports.empty()) << reports.front(); // the fallback is silent
        srv.close();
        co_await srv.wait_closed();
    }());
}

TEST(server_accept, closing_with_the_multishot_accept_armed_leaves_no_fd_or_operation) {
    aio::run([]() -> task<> {
        const int fds_before = aio_test::fd_count();
        const std::size_t ops_before = aio::detail::t_loop->io_backend().inflight();
        {
            auto srv = co_await aio::net::start_server(echo_line, "127.0.0.1", 0);
            co_await talk(srv, 3);
            // A connection the server accepts but whose handler never gets a line.
            auto idle = co_await aio::net::open_connection("127.0.0.1", srv.port());
            co_await aio::sleep(10ms);
            srv.close();
            srv.abort_clients();
            co_await srv.wait_closed();
            co_await idle.close();
        }
        EXPECT_EQ(co_await aio_test::settle_fds(fds_before), fds_before);
        EXPECT_EQ(aio::detail::t_loop->io_backend().inflight(), ops_before);
    }());
}

TEST(server_accept, closing_right_after_connections_arrive_closes_the_ones_not_taken) {
    aio::run([]() -> task<> {
        const int fds_before = aio_test::fd_count();
        int handled = 0;
        auto srv = co_await aio::net::start_server(
            [&handled](stream s) -> task<> {
                ++handled;
                co_await s.close();
            },
            "127.0.0.1", 0);
        // Eight plain connects: the kernel completes them (and io_uring's accepts) without
        // the loop's help; then the server closes before its accept task takes them all.
        std::vector<int> clients;
        for (int i = 0; i < 8; ++i) {
            const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
            clients.push_back(fd);
            const auto a = aio::net::address::parse("127.0.0.1", srv.port());
            EXPECT_EQ(::connect(fd, static_cast<const sockaddr*>(a.data()),
                                static_cast<socklen_t>(a.size())),
                      0)
                << "connect " << i;
        }
        co_await aio::sleep(0ms); // one turn: the accepts complete into the feed
        srv.close();
        co_await srv.wait_closed();
        for (int fd : clients)
            ::close(fd);
        EXPECT_LE(handled, 8);
        EXPECT_EQ(co_await aio_test::settle_fds(fds_before), fds_before);
    }());
}

TEST(server_accept, cancelling_serve_forever_ends_the_multishot_accept) {
    aio::run([]() -> task<> {
        const int fds_before = aio_test::fd_count();
        auto srv = co_await aio::net::start_server(echo_line, "127.0.0.1", 0);
        auto serving = aio::create_task(srv.serve_forever());
        co_await talk(srv, 2);
        serving.cancel();
        EXPECT_THROW(co_await serving, aio::cancelled_error);
        co_await srv.wait_closed();
        EXPECT_FALSE(srv.is_serving());
        EXPECT_THROW(co_await aio::net::open_connection("127.0.0.1", srv.port()),
                     aio::net::connection_refused_error);
        EXPECT_EQ(co_await aio_test::settle_fds(fds_before), fds_before);
    }());
}
