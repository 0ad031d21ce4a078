// stream::sendfile: a file region sent in order with the stream's writes, zero-copy on a
// plain socket, read + write on TLS; short files, closed streams, cancellation, no fd leak.
#include "support/net.hpp"
#include "support/os.hpp"
#include "unit/net/tls/test_certs.hpp"

#include <aio/core.hpp>
#include <aio/net.hpp>

#include <fstream>
#include <string>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

using namespace std::chrono_literals;
using aio::task;

namespace {

std::string pattern(std::size_t n) {
    std::string s(n, '\0');
    for (std::size_t i = 0; i < n; ++i)
        s[i] = static_cast<char>((i * 131) ^ (i >> 11));
    return s;
}

// Reads `s` until EOF (bounded per read).
task<std::string> read_to_eof(aio::net::stream& s) {
    std::string all;
    for (;;) {
        std::string more = co_await aio::wait_for(s.read(1 << 20), 10s);
        if (more.empty())
            co_return all;
        all += more;
    }
}

} // namespace

TEST(stream_sendfile, sends_the_region_between_earlier_and_later_writes_in_order) {
    aio_test::temp_dir dir;
    const std::string data = pattern(3 << 20); // more than the socket buffers hold
    std::ofstream(dir / "f.bin", std::ios::binary) << data;
    aio::run([&]() -> task<> {
        auto [a, b] = aio_test::tcp_pair();
        const int fd = ::open((dir / "f.bin").c_str(), O_RDONLY | O_CLOEXEC);
        if (!((fd) >= (0))) { // ASSERT (a coroutine cannot use ASSERT_*)
            ADD_FAILURE() << "ge failed: fd, 0";
            co_return;
        }
        auto reader = aio::create_task(read_to_eof(b));
        co_await a.write("<head>");
        const std::uint64_t n = co_await a.sendfile(fd, 1000, data.size() - 2000);
        EXPECT_EQ(n, data.size() - 2000);
        co_await a.write("<tail>");
        co_await a.close();
        const std::string got = co_await reader;
        EXPECT_EQ(got.size(), 6 + n + 6);
        EXPECT_EQ(got.substr(0, 6), "<head>");
        EXPECT_TRUE(got.compare(6, n, data, 1000, n) == 0);
        EXPECT_EQ(got.substr(got.size() - 6), "<tail>");
        EXPECT_EQ(::lseek(fd, 0, SEEK_CUR), 0); // the file position is not used
        ::close(fd);
    }());
}

TEST(stream_sendfile, a_write_made_while_it_runs_goes_after_the_file) {
    aio_test::temp_dir dir;
    const std::string data = pattern(2 << 20);
    std::ofstream(dir / "f.bin", std::ios::binary) << data;
    aio::run([&]() -> task<> {
        auto [a, b] = aio_test::tcp_pair();
        const int fd = ::open((dir / "f.bin").c_str(), O_RDONLY | O_CLOEXEC);
        auto sender = aio::create_task(a.sendfile(fd, 0, data.size()));
        co_await aio::sleep(0s); // the sendfile has claimed the sender
        co_await a.write("<after>");
        auto reader = aio::create_task(read_to_eof(b));
        EXPECT_EQ(co_await sender, data.size());
        co_await a.close();
        const std::string got = co_await reader;
        if (!((got.size()) == (data.size() + 7))) { // ASSERT (a coroutine cannot use ASSERT_*)
            ADD_FAILURE() << "eq failed: got.size(), data.size() + 7";
            co_return;
        }
        EXPECT_TRUE(got.compare(0, data.size(), data) == 0);
        EXPECT_EQ(got.substr(data.size()), "<after>");
        ::close(fd);
    }());
}

TEST(stream_sendfile, returns_fewer_bytes_when_the_file_ends_first) {
    aio_test::temp_dir dir;
    std::ofstream(dir / "f.bin", std::ios::binary) << "0123456789";
    aio::run([&]() -> task<> {
        auto [a, b] = aio_test::tcp_pair();
        const int fd = ::open((dir / "f.bin").c_str(), O_RDONLY | O_CLOEXEC);
        EXPECT_EQ(co_await a.sendfile(fd, 4, 100), 6u);
        EXPECT_EQ(co_await a.sendfile(fd, 50, 10), 0u); // past the end
        co_await a.close();
        EXPECT_EQ(co_await read_to_eof(b), "456789");
        ::close(fd);
    }());
}

TEST(stream_sendfile, throws_io_error_for_a_bad_descriptor_and_after_close) {
    aio::run([]() -> task<> {
        auto [a, b] = aio_test::tcp_pair();
        EXPECT_THROW(co_await a.sendfile(-1, 0, 10), aio::io_error);
        co_await a.close();
        const int fd = ::open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
        EXPECT_THROW(co_await a.sendfile(fd, 0, 10), aio::error);
        ::close(fd);
    }());
}

TEST(stream_sendfile, a_cancelled_send_to_a_peer_that_does_not_read_leaks_no_descriptor) {
    aio_test::temp_dir dir;
    const std::string data = pattern(16 << 20);
    std::ofstream(dir / "f.bin", std::ios::binary) << data;
    aio::run([&]() -> task<> {
        const int before = aio_test::open_fds();
        {
            auto [a, b] = aio_test::tcp_pair();
            const int fd = ::open((dir / "f.bin").c_str(), O_RDONLY | O_CLOEXEC);
            // b never reads: the send stalls once the socket buffers are full.
            bool timed_out = false;
            try {
                (void)co_await aio::wait_for(a.sendfile(fd, 0, data.size()), 100ms);
            } catch (const aio::timeout_error&) {
                timed_out = true;
            }
            EXPECT_TRUE(timed_out);
            // Part of the file went out: the stream refuses further writes.
            EXPECT_THROW(co_await a.write("more"), aio::invalid_state_error);
            ::close(fd);
        }
        EXPECT_LE(co_await aio_test::settle_fds(before), before);
    }());
}

TEST(stream_sendfile, over_tls_sends_the_same_bytes_through_the_encryption) {
    AIO_REQUIRE_TEST_CERTS();
    aio_test::temp_dir dir;
    const std::string data = pattern(700 * 1024);
    std::ofstream(dir / "f.bin", std::ios::binary) << data;
    aio::run([&]() -> task<> {
        const auto server_ctx = aio_test::localhost_server();
        std::string received;
        auto srv = co_await aio::net::start_server(
            [&received](aio::net::stream s) -> task<> { received = co_await read_to_eof(s); },
            "127.0.0.1", 0, {.tls = server_ctx});
        const auto client_ctx = aio_test::trusting_client();
        auto c = co_await aio::net::open_connection("127.0.0.1", srv.port(), {.tls = client_ctx});
        const int fd = ::open((dir / "f.bin").c_str(), O_RDONLY | O_CLOEXEC);
        EXPECT_EQ(co_await c.sendfile(fd, 10, data.size() - 10), data.size() - 10);
        ::close(fd);
        co_await c.close();
        srv.close();
        co_await srv.wait_closed();
        EXPECT_EQ(received.size(), data.size() - 10);
        EXPECT_TRUE(received == data.substr(10));
    }());
}
