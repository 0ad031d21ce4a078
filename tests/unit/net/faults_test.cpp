// Fault injection through src/io/sys.hpp and real resource limits.
#include "io/sys.hpp"
#include "support/net.hpp"

#include <aio/core.hpp>
#include <aio/net.hpp>

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>

using namespace std::chrono_literals;
using aio::task;
using aio::net::stream;

namespace {
task<> echo_line(stream s) {
    co_await s.write(co_await s.read_line());
    co_await s.close();
}

using aio_test::fault_scope;
} // namespace

TEST(server_faults, emfile_on_accept_is_reported_backed_off_and_serving_continues) {
    aio::run([]() -> task<> {
        std::vector<std::string> reports;
        aio::get_running_loop().set_exception_handler(
            [&reports](std::string_view m) { reports.emplace_back(m); });
        // The first three accepts fail with EMFILE. A plan applies where the backend makes
        // the call: epoll's accept4, io_uring's submission of an accept. A multishot accept
        // (io_uring) is submitted once and then re-armed only after an error, so the plan is
        // in place before the server starts: each failure is followed by the back-off, then
        // a new submission (or accept4), which meets the plan again.
        const auto t0 = std::chrono::steady_clock::now();
        fault_scope f({.which = aio::detail::sys::call::accept, .error = EMFILE, .times = 3});
        auto srv = co_await aio::net::start_server(echo_line, "127.0.0.1", 0,
                                                   {.accept_retry_delay = 40ms});
        auto c1 = co_await aio::net::open_connection("127.0.0.1", srv.port());
        co_await c1.write("one\n");
        EXPECT_EQ(co_await c1.read_line(), "one\n");
        auto c2 = co_await aio::net::open_connection("127.0.0.1", srv.port());
        co_await c2.write("two\n");
        EXPECT_EQ(co_await c2.read_line(), "two\n");
        const auto took = std::chrono::steady_clock::now() - t0;
        EXPECT_EQ(f.plan.times, 0);
        EXPECT_GE(took, 100ms) << "no back-off between retries";
        EXPECT_EQ(reports.size(), 3u);
        for (const auto& r : reports) {
            EXPECT_NE(r.find("Too many open files"), std::string::npos) << r;
            EXPECT_NE(r.find("retrying"), std::string::npos) << r;
        }
        EXPECT_TRUE(srv.is_serving());
    }());
}

TEST(server_faults, real_fd_exhaustion_on_accept_recovers) {
    rlimit old{};
    ::getrlimit(RLIMIT_NOFILE, &old);
    aio::run([](rlimit old) -> task<> {
        std::vector<std::string> reports;
        aio::get_running_loop().set_exception_handler(
            [&reports](std::string_view m) { reports.emplace_back(m); });
        auto srv = co_await aio::net::start_server(echo_line, "127.0.0.1", 0,
                                                   {.accept_retry_delay = 20ms});
        // The client's socket exists before the limit; connecting needs no new fd, but the
        // server's accept() does.
        const int raw = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        auto target = aio::net::address::parse("127.0.0.1", srv.port());
        // Lowest free fd number: with the limit there, no new fd can be allocated.
        int lowest = 0;
        while (::fcntl(lowest, F_GETFD) != -1)
            ++lowest;
        rlimit tight = old;
        tight.rlim_cur = static_cast<rlim_t>(lowest);
        ::setrlimit(RLIMIT_NOFILE, &tight);
        ::connect(raw, static_cast<const sockaddr*>(target.data()),
                  static_cast<socklen_t>(target.size()));
        for (int i = 0; i < 100 && reports.empty(); ++i)
            co_await aio::sleep(2ms);
        ::setrlimit(RLIMIT_NOFILE, &old);
        EXPECT_FALSE(reports.empty());
        if (!reports.empty()) {
            EXPECT_NE(reports[0].find("Too many open files"), std::string::npos) << reports[0];
        }
        auto c = aio::net::stream::from_fd(raw);
        co_await c.write("alive\n");
        EXPECT_EQ(co_await c.read_line(), "alive\n");
    }(old));
    ::setrlimit(RLIMIT_NOFILE, &old);
}

TEST(stream_faults, injected_reset_on_recv_surfaces_as_connection_reset) {
    aio::run([]() -> task<> {
        auto [a, b] = aio_test::stream_pair();
        co_await a.write("data");
        fault_scope f({.which = aio::detail::sys::call::recv, .error = ECONNRESET, .times = 1});
        EXPECT_THROW(co_await b.read(10), aio::connection_reset_error);
    }());
}

TEST(stream_faults, injected_reset_on_read_into_surfaces_as_connection_reset) {
    aio::run([]() -> task<> {
        auto [a, b] = aio_test::stream_pair();
        char buf[16];
        {
            fault_scope f({.which = aio::detail::sys::call::recv, .error = ECONNRESET, .times = 1});
            try {
                co_await b.read_into(std::span<char>(buf));
                ADD_FAILURE() << "read_into did not throw";
            } catch (const aio::connection_reset_error& e) {
                EXPECT_NE(std::string(e.what()).find("recv"), std::string::npos) << e.what();
            }
        }
        // The failed read left the stream's reader free: the next read works.
        co_await a.write("ok");
        EXPECT_EQ(co_await b.read_into(std::span<char>(buf)), 2u);
        EXPECT_EQ(std::string_view(buf, 2), "ok");
    }());
}

TEST(stream_faults, short_writes_still_deliver_everything_in_order) {
    aio::run([]() -> task<> {
        auto [a, b] = aio_test::stream_pair();
        std::string data;
        for (int i = 0; i < 5000; ++i)
            data += std::to_string(i) + ",";
        fault_scope f({.which = aio::detail::sys::call::send, .times = 1000, .max_bytes = 7});
        auto w = aio::create_task(a.write(data));
        EXPECT_EQ(co_await b.read_exactly(data.size()), data);
        co_await w;
    }());
}

TEST(stream_faults, injected_epipe_on_send_is_broken_pipe) {
    aio::run([]() -> task<> {
        auto [a, b] = aio_test::stream_pair();
        fault_scope f({.which = aio::detail::sys::call::send, .error = EPIPE, .times = 1});
        // A small write is queued and sent in the background (asyncio's write()): the send's
        // failure is reported by drain() and every later write.
        co_await a.write("x");
        EXPECT_THROW(co_await a.drain(), aio::broken_pipe_error);
        EXPECT_THROW(co_await a.write("y"), aio::broken_pipe_error);
    }());
}

// Kernels before 5.11 (and valgrind 3.19) have no epoll_pwait2: the epoll backend must fall
// back to epoll_wait, keep timers in order and never fire one early, and keep doing I/O.
TEST(epoll_backend, falls_back_to_epoll_wait_when_epoll_pwait2_is_missing) {
    fault_scope f({.which = aio::detail::sys::call::epoll_pwait2, .error = ENOSYS, .times = 1});
    aio::run(
        []() -> task<> {
            std::vector<int> order;
            const auto t0 = std::chrono::steady_clock::now();
            auto sleeper = [&order](int id, std::chrono::milliseconds d) -> task<> {
                co_await aio::sleep(d);
                order.push_back(id);
            };
            co_await aio::gather(sleeper(2, 30ms), sleeper(1, 10ms), sleeper(3, 50ms));
            EXPECT_GE(std::chrono::steady_clock::now() - t0, 50ms) << "a timer fired early";
            EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
            auto srv = co_await aio::net::start_server(echo_line, "127.0.0.1", 0);
            auto c = co_await aio::net::open_connection("127.0.0.1", srv.port());
            co_await c.write("ping\n");
            EXPECT_EQ(co_await c.read_line(), "ping\n");
            srv.close();
            co_await srv.wait_closed();
        }(),
        {.backend = "epoll"});
    EXPECT_EQ(f.plan.times, 0) << "epoll_pwait2 was never tried";
}

// The epoll backend takes a short recv on a TCP socket as "the socket is drained" (tokio
// does the same): the next read waits for an edge instead of first making a recv that
// fails with EAGAIN. A fault plan without an error or a byte limit only counts the calls.
TEST(epoll_backend, read_after_a_short_tcp_recv_waits_for_the_edge_without_a_failing_recv) {
    aio::run(
        []() -> task<> {
            auto [c, s] = aio_test::tcp_pair();
            char buf[64];
            co_await c.write("abc");
            EXPECT_EQ(co_await s.read_into(std::span<char>(buf)), 3u); // short: drained
            fault_scope counter({.which = aio::detail::sys::call::recv, .times = 1000});
            auto late_write = [](stream& w) -> task<> {
                co_await aio::sleep(20ms);
                co_await w.write("defg");
            };
            auto writer = aio::create_task(late_write(c));
            EXPECT_EQ(co_await aio::wait_for(s.read_into(std::span<char>(buf)), 5s), 4u);
            EXPECT_EQ(std::string_view(buf, 4), "defg");
            EXPECT_EQ(1000 - counter.plan.times, 1) << "recv calls made for one read";
            co_await writer;
        }(),
        {.backend = "epoll"});
}

// A short read is no sign of "drained" once the peer's FIN is queued behind the data: the
// FIN raises no later edge, and the end of the stream must still be read. Each order of
// data, FIN and reads, on TCP, under both backends.
TEST(stream_faults, data_and_fin_read_as_data_then_eof_in_every_order) {
    aio::run([]() -> task<> {
        char buf[64];
        const std::span<char> into(buf);
        {
            // Data and FIN queued before the first read (the fd is not watched yet).
            auto [c, s] = aio_test::tcp_pair();
            co_await c.write("hello");
            co_await c.write_eof();
            co_await aio::sleep(10ms);
            EXPECT_EQ(co_await s.read_into(into), 5u);
            EXPECT_EQ(co_await aio::wait_for(s.read_into(into), 5s), 0u);
        }
        {
            // A reader already waits when data and FIN arrive together.
            auto [c, s] = aio_test::tcp_pair();
            auto first = aio::create_task(s.read_into(into));
            co_await aio::sleep(10ms);
            co_await c.write("hello");
            co_await c.write_eof();
            EXPECT_EQ(co_await aio::wait_for(std::move(first), 5s), 5u);
            EXPECT_EQ(co_await aio::wait_for(s.read_into(into), 5s), 0u);
        }
        {
            // The FIN comes after the short read was taken.
            auto [c, s] = aio_test::tcp_pair();
            co_await c.write("hello");
            EXPECT_EQ(co_await aio::wait_for(s.read_into(into), 5s), 5u);
            auto fin = [](stream& w) -> task<> {
                co_await aio::sleep(10ms);
                co_await w.write_eof();
            };
            auto closer = aio::create_task(fin(c));
            EXPECT_EQ(co_await aio::wait_for(s.read_into(into), 5s), 0u);
            co_await closer;
        }
        {
            // The same through read(n), which reads into the stream's buffer.
            auto [c, s] = aio_test::tcp_pair();
            co_await c.write("hello");
            co_await c.write_eof();
            co_await aio::sleep(10ms);
            EXPECT_EQ(co_await s.read(100), "hello");
            EXPECT_EQ(co_await aio::wait_for(s.read(100), 5s), "");
        }
    }());
}

// TCP urgent data: a recv stops short at the urgent mark with the rest already queued, so
// the short read must not be taken for "drained" (the epoll backend watches EPOLLPRI).
TEST(stream_faults, data_behind_tcp_urgent_data_is_read_without_a_new_edge) {
    aio::run([]() -> task<> {
        auto [cfd, sfd] = aio_test::tcp_pair_fds();
        stream s = stream::from_fd(sfd);
        char buf[64];
        const std::span<char> into(buf);
        // The reader waits first (on epoll the fd is registered), then everything arrives at
        // once: "hello", the urgent byte, "world".
        auto first = aio::create_task(s.read_into(into));
        co_await aio::sleep(10ms);
        EXPECT_EQ(::send(cfd, "hello", 5, 0), 5);
        EXPECT_EQ(::send(cfd, "!", 1, MSG_OOB), 1);
        EXPECT_EQ(::send(cfd, "world", 5, 0), 5);
        EXPECT_EQ(co_await aio::wait_for(std::move(first), 5s), 5u);
        EXPECT_EQ(std::string_view(buf, 5), "hello");
        EXPECT_EQ(co_await aio::wait_for(s.read_into(into), 5s), 5u);
        EXPECT_EQ(std::string_view(buf, 5), "world");
        ::close(cfd);
    }());
}
