// run_options::io_batch_window on a real loop serving a blocking client thread (the policy
// itself, wait_moderator, is tested in tests/unit/io/wait_moderator_test.cpp).
#include "io/backend.hpp"
#include "io/wait_moderator.hpp"
#include "support/helpers.hpp"

#include <aio/core.hpp>
#include <aio/net.hpp>
#include <aio/threads.hpp>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace std::chrono_literals;
using aio::task;
using aio::detail::wait_moderator;
using aio_test::scoped_env;

namespace {

/// The 16-byte message of round r on connection i.
std::string message(int r, int i) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "r%dc%d................", r, i);
    return std::string(buf, 16);
}

/// A blocking client on its own thread: `conns` connections to 127.0.0.1:port; each
/// round writes a 16-byte message on every connection, then reads every echo back.
/// Returns "" or what went wrong.
std::string lockstep_client(std::uint16_t port, int conns, int rounds) {
    std::vector<int> fds;
    auto fail = [&](const std::string& what) {
        for (int fd : fds)
            ::close(fd);
        return what;
    };
    for (int i = 0; i < conns; ++i) {
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            return fail("socket failed");
        fds.push_back(fd);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
            return fail("connect failed");
        const int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    for (int r = 0; r < rounds; ++r) {
        for (int i = 0; i < conns; ++i) {
            if (::send(fds[i], message(r, i).data(), 16, MSG_NOSIGNAL) != 16)
                return fail("send failed");
        }
        for (int i = 0; i < conns; ++i) {
            char got[16];
            std::size_t n = 0;
            while (n < 16) {
                const ssize_t k = ::recv(fds[i], got + n, 16 - n, 0);
                if (k <= 0)
                    return fail("recv failed or EOF in round " + std::to_string(r));
                n += static_cast<std::size_t>(k);
            }
            if (std::string(got, 16) != message(r, i))
                return fail("round " + std::to_string(r) + " connection " + std::to_string(i) +
                            ": got '" + std::string(got, 16) + "'");
        }
    }
    return fail("");
}

/// Serves echo on the loop while lockstep_client runs on a pool thread; returns the
/// backend's wait counts.
aio::detail::wait_stats serve_client(int conns, int rounds) {
    scoped_env env("AIO_IO_BATCH_US", nullptr); // the window is this test's
    aio::detail::wait_stats stats;
    aio::run(
        [](int conns, int rounds, aio::detail::wait_stats& stats) -> task<> {
            auto srv = co_await aio::net::start_server(
                [](aio::net::stream s) -> task<> {
                    std::byte buf[256];
                    while (std::size_t n = co_await s.read_into(buf))
                        co_await s.write(std::span(buf, n));
                    co_await s.close();
                },
                "127.0.0.1", 0);
            const std::string err =
                co_await aio::to_thread(lockstep_client, srv.port(), conns, rounds);
            EXPECT_EQ(err, "");
            stats = aio::detail::t_loop->io_backend().batching_stats();
            srv.close();
            co_await srv.wait_closed();
        }(conns, rounds, stats),
        {.io_batch_window = 1000us});
    return stats;
}

} // namespace

TEST(io_batch_window, a_lone_request_response_connection_is_only_held_by_probes) {
    const auto st = serve_client(1, 1500);
    if (st.waits == 0)
        GTEST_SKIP() << "no wait batching here (epoll backend, or io_uring before Linux 6.12)";
    // Each probe collects one or two completions (the request; perhaps the last reply's
    // send), never on_at: batching never turns on, so only probes are held.
    EXPECT_LE(st.held, st.waits / wait_moderator::probe_every + 1)
        << st.held << " of " << st.waits << " waits held";
}

TEST(io_batch_window, holds_waits_while_many_connections_are_busy) {
    const auto st = serve_client(16, 400);
    if (st.waits == 0)
        GTEST_SKIP() << "no wait batching here (epoll backend, or io_uring before Linux 6.12)";
    // 16 requests arrive together each round: a probe that lands early in a round collects
    // most of them and turns holding on, and from then on the waits are held (each collects
    // a round's requests and replies) unless the client thread stalls. Probes alone would
    // hold waits / probe_every of them.
    EXPECT_GT(st.held, st.waits / wait_moderator::probe_every + 40)
        << st.held << " of " << st.waits << " waits held";
}
