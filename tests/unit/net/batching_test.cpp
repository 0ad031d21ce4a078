// run_options::io_batch_window: the policy (io/wait_moderator.hpp) and what it does to a
// real loop serving a blocking client thread.
#include "io/backend.hpp"
#include "io/wait_moderator.hpp"

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

namespace {

constexpr std::int64_t forever = -1;

/// Sets (or, with nullptr, unsets) an environment variable for a scope: AIO_IO_BATCH_US
/// overrides run_options::io_batch_window, and the suite may run with it set.
class scoped_env {
  public:
    scoped_env(const char* name, const char* value) : m_name(name) {
        if (const char* old = std::getenv(name))
            m_old = old;
        value ? ::setenv(name, value, 1) : ::unsetenv(name);
    }
    ~scoped_env() { m_old ? ::setenv(m_name, m_old->c_str(), 1) : ::unsetenv(m_name); }
    scoped_env(const scoped_env&) = delete;
    scoped_env& operator=(const scoped_env&) = delete;

  private:
    const char* m_name;
    std::optional<std::string> m_old;
};

/// Plain waits until the next probe; returns the probe's plan.
wait_moderator::plan next_probe(wait_moderator& m) {
    for (unsigned i = 1; i < wait_moderator::probe_every; ++i) {
        const auto p = m.next(forever);
        EXPECT_EQ(p.min_wait_us, 0u) << "wait " << i << " before the probe was held";
        m.observe(1);
    }
    return m.next(forever);
}

} // namespace

TEST(io_batching, window_zero_never_holds_a_wait) {
    wait_moderator m(0);
    for (int i = 0; i < 1000; ++i) {
        EXPECT_EQ(m.next(forever).min_wait_us, 0u);
        m.observe(32); // even a flood of completions
    }
    EXPECT_FALSE(m.holding());
    EXPECT_EQ(m.stats().waits, 1000u);
    EXPECT_EQ(m.stats().held, 0u);
}

TEST(io_batching, probes_one_wait_in_probe_every_while_off) {
    wait_moderator m(50);
    const auto probe = next_probe(m);
    EXPECT_EQ(probe.min_wait_us, 50u);
    EXPECT_EQ(probe.wait_nr, wait_moderator::max_batch);
    m.observe(1); // a lone connection: the probe collected one completion
    EXPECT_FALSE(m.holding());
    EXPECT_EQ(next_probe(m).min_wait_us, 50u);
    m.observe(wait_moderator::on_at - 1);
    EXPECT_FALSE(m.holding());
    EXPECT_EQ(m.stats().held, 2u);
    EXPECT_EQ(m.stats().waits, 2u * wait_moderator::probe_every);
}

TEST(io_batching, holds_every_wait_once_a_probe_collects_enough_and_stops_when_they_do_not) {
    wait_moderator m(50);
    next_probe(m);
    m.observe(wait_moderator::on_at);
    EXPECT_TRUE(m.holding());
    for (int i = 0; i < 10; ++i) {
        EXPECT_EQ(m.next(forever).min_wait_us, 50u);
        m.observe(wait_moderator::off_below); // still paying
    }
    EXPECT_EQ(m.next(forever).min_wait_us, 50u);
    m.observe(wait_moderator::off_below - 1);
    EXPECT_FALSE(m.holding());
    EXPECT_EQ(m.next(forever).min_wait_us, 0u) << "off again: back to plain waits";
}

TEST(io_batching, never_holds_a_wait_that_a_timer_ends_within_the_window) {
    wait_moderator m(50);
    next_probe(m);
    m.observe(wait_moderator::max_batch);
    ASSERT_TRUE(m.holding());
    EXPECT_EQ(m.next(49'999).min_wait_us, 0u); // timer due in 49.999 µs
    m.observe(0);
    EXPECT_TRUE(m.holding()) << "a plain wait says nothing about batching";
    EXPECT_EQ(m.next(50'000).min_wait_us, 50u);
}

TEST(io_batching, ignores_completions_of_polls_it_did_not_plan) {
    wait_moderator m(50);
    next_probe(m);
    m.observe(wait_moderator::max_batch);
    ASSERT_TRUE(m.holding());
    m.observe(0); // a non-blocking poll after the held wait
    EXPECT_TRUE(m.holding());
}

TEST(io_batching, rejects_a_bad_window_with_a_clear_error) {
    auto run_with = [](aio::run_options o) { aio::run([]() -> task<> { co_return; }(), o); };
    scoped_env env("AIO_IO_BATCH_US", nullptr);
    try {
        run_with({.io_batch_window = -1us});
        FAIL() << "a negative window was accepted";
    } catch (const aio::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("io_batch_window must be 0 to 10000"),
                  std::string::npos)
            << e.what();
    }
    scoped_env bad("AIO_IO_BATCH_US", "30us");
    try {
        run_with({});
        FAIL() << "AIO_IO_BATCH_US=30us was accepted";
    } catch (const aio::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("AIO_IO_BATCH_US must be 0 to 10000"),
                  std::string::npos)
            << e.what();
        EXPECT_NE(std::string(e.what()).find("'30us'"), std::string::npos) << e.what();
    }
    for (const char* junk : {"+30", " 30", "-1", "10001", "99999999999999999999"}) {
        scoped_env bad_value("AIO_IO_BATCH_US", junk);
        EXPECT_THROW(run_with({}), aio::runtime_error) << "AIO_IO_BATCH_US='" << junk << "'";
    }
    // An explicit option wins over the environment, as run_options::backend does.
    scoped_env ignored("AIO_IO_BATCH_US", "junk");
    EXPECT_NO_THROW(run_with({.io_batch_window = 30us}));
}

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

TEST(io_batching, a_lone_request_response_connection_is_only_held_by_probes) {
    const auto st = serve_client(1, 1500);
    if (st.waits == 0)
        GTEST_SKIP() << "no wait batching here (epoll backend, or io_uring before Linux 6.12)";
    // Each probe collects one or two completions (the request; perhaps the last reply's
    // send), never on_at: batching never turns on, so only probes are held.
    EXPECT_LE(st.held, st.waits / wait_moderator::probe_every + 1)
        << st.held << " of " << st.waits << " waits held";
}

TEST(io_batching, holds_waits_while_many_connections_are_busy) {
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
