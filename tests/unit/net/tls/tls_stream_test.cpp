// TLS on aio::net::stream over real sockets (socket pairs and loopback TCP): start_tls,
// verification failures, close_notify, cancellation, fd accounting.
#include "support/net.hpp"
#include "net/stream_state.hpp"
#include "net/tls/tls_transport.hpp"
#include "net/tls/upgrade.hpp"
#include "test_certs.hpp"

#include <aio/core.hpp>
#include <aio/net.hpp>

#include <random>
#include <string>
#include <utility>

#include <gtest/gtest.h>

using namespace std::chrono_literals;
using aio::task;
using aio::net::stream;
using aio::net::tls_context;
using aio::net::tls_error;
using aio_test::certs;
using aio_test::localhost_server;
using aio_test::trusting_client;

namespace {

/// Two connected streams (a socket pair) that completed a TLS handshake: a is the client.
task<std::pair<stream, stream>> tls_stream_pair() {
    auto [a, b] = aio_test::stream_pair();
    co_await aio::gather(a.start_tls(trusting_client(), "localhost"),
                         b.start_tls(localhost_server()));
    co_return std::pair<stream, stream>(std::move(a), std::move(b));
}

aio::net::detail::tls_engine* engine_of(const stream& s) {
    auto* t = aio::net::detail::tls_of(s.state());
    return t ? &t->engine() : nullptr;
}

/// Server side of an echo: upgrades, then echoes lines until EOF.
task<std::string> tls_echo_server(stream s, tls_context ctx) {
    co_await s.start_tls(ctx);
    std::string seen;
    while (true) {
        std::string line = co_await s.read_line();
        if (line.empty())
            break;
        seen += line;
        co_await s.write(line);
    }
    co_await s.close();
    co_return seen;
}

/// Server side that expects the handshake to fail; returns the error message.
task<std::string> failing_server(stream s, tls_context ctx) {
    try {
        co_await s.start_tls(ctx);
    } catch (const tls_error& e) {
        co_return std::string(e.what());
    }
    co_return std::string("handshake succeeded");
}

task<std::string> client_expecting_failure(stream s, tls_context ctx, std::string host) {
    try {
        co_await s.start_tls(ctx, host);
    } catch (const tls_error& e) {
        EXPECT_FALSE(s.native_handle() >= 0) << "the failed stream still holds its fd";
        co_return e.reason();
    }
    co_return std::string("handshake succeeded");
}

} // namespace

TEST(tls_stream, start_tls_handshake_and_echo_round_trip) {
    AIO_REQUIRE_TEST_CERTS();
    const int fds = aio_test::fd_count();
    aio::run([]() -> task<> {
        auto [a, b] = aio_test::stream_pair();
        auto server = aio::create_task(tls_echo_server(std::move(b), localhost_server()));
        co_await a.start_tls(trusting_client(), "localhost");
        EXPECT_TRUE(a.tls().has_value());
        if (!a.tls())
            co_return;
        EXPECT_EQ(a.tls()->version, "TLSv1.3");
        EXPECT_TRUE(a.tls()->peer_verified);
        co_await a.write("hello\n");
        EXPECT_EQ(co_await a.read_line(), "hello\n");
        co_await a.write("world\n");
        EXPECT_EQ(co_await a.read_line(), "world\n");
        co_await a.close();
        EXPECT_EQ(co_await server, "hello\nworld\n");
    }());
    EXPECT_EQ(aio_test::fd_count(), fds);
}

TEST(tls_stream, plain_stream_reports_no_tls) {
    aio::run([]() -> task<> {
        auto [a, b] = aio_test::stream_pair();
        EXPECT_FALSE(a.tls().has_value());
        co_return;
    }());
}

TEST(tls_stream, start_tls_after_a_plaintext_exchange) {
    AIO_REQUIRE_TEST_CERTS();
    aio::run([]() -> task<> {
        auto [a, b] = aio_test::stream_pair();
        // STARTTLS: the client asks in plaintext, the server answers and upgrades at once;
        // the client's first flight may arrive before the server's read_line returned.
        co_await a.write("STARTTLS\n");
        EXPECT_EQ(co_await b.read_line(), "STARTTLS\n");
        co_await b.write("220 go ahead\n");
        auto server = aio::create_task(tls_echo_server(std::move(b), localhost_server()));
        EXPECT_EQ(co_await a.read_line(), "220 go ahead\n");
        co_await a.start_tls(trusting_client(), "localhost");
        co_await a.write("secret\n");
        EXPECT_EQ(co_await a.read_line(), "secret\n");
        co_await a.close();
        EXPECT_EQ(co_await server, "secret\n");
    }());
}

TEST(tls_stream, early_handshake_bytes_in_the_read_buffer_are_used) {
    AIO_REQUIRE_TEST_CERTS();
    aio::run([]() -> task<> {
        auto [a, b] = aio_test::stream_pair();
        auto client = aio::create_task([](stream s) -> task<std::string> {
            co_await s.write("UPGRADE\n");
            co_await s.start_tls(trusting_client(), "localhost"); // ClientHello right after
            co_await s.write("inside\n");
            std::string r = co_await s.read_line();
            co_await s.close();
            co_return r;
        }(std::move(a)));
        // Let the plaintext line and the ClientHello arrive together, then read the line:
        // the stream buffers the ClientHello too, and start_tls must hand it to TLS.
        co_await aio::sleep(20ms);
        EXPECT_EQ(co_await b.read_line(), "UPGRADE\n");
        EXPECT_GT(b.buffered(), 0u);
        co_await b.start_tls(localhost_server());
        EXPECT_EQ(co_await b.read_line(), "inside\n");
        co_await b.write("ack\n");
        EXPECT_EQ(co_await client, "ack\n");
        co_await b.close();
    }());
}

TEST(tls_stream, wrong_hostname_is_refused_with_a_clear_error_and_no_fd_leak) {
    AIO_REQUIRE_TEST_CERTS();
    const int fds = aio_test::fd_count();
    aio::run([]() -> task<> {
        auto [a, b] = aio_test::stream_pair();
        auto [reason, server_msg] = co_await aio::gather(
            client_expecting_failure(std::move(a), trusting_client(), "localhost"),
            failing_server(std::move(b),
                           tls_context::server(certs().wrong_cert(), certs().wrong_key())));
        EXPECT_EQ(reason,
                  "certificate verify failed: hostname mismatch (certificate is not valid for "
                  "'localhost')");
        // The server learns why from the client's alert.
        EXPECT_NE(server_msg.find("peer sent alert"), std::string::npos) << server_msg;
    }());
    EXPECT_EQ(aio_test::fd_count(), fds);
}

TEST(tls_stream, self_signed_certificate_is_refused) {
    AIO_REQUIRE_TEST_CERTS();
    const int fds = aio_test::fd_count();
    aio::run([]() -> task<> {
        auto [a, b] = aio_test::stream_pair();
        auto [reason, server_msg] = co_await aio::gather(
            client_expecting_failure(std::move(a), trusting_client(), "localhost"),
            failing_server(std::move(b),
                           tls_context::server(certs().self_cert(), certs().self_key())));
        EXPECT_EQ(reason, "certificate verify failed: self-signed certificate");
        (void)server_msg;
    }());
    EXPECT_EQ(aio_test::fd_count(), fds);
}

TEST(tls_stream, handshake_with_a_plaintext_peer_fails_and_releases_the_fd) {
    AIO_REQUIRE_TEST_CERTS();
    const int fds = aio_test::fd_count();
    aio::run([]() -> task<> {
        auto [a, b] = aio_test::stream_pair();
        auto plain = aio::create_task([](stream s) -> task<> {
            (void)co_await s.read(4096); // the ClientHello, as garbage to it
            co_await s.write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
            co_await s.close();
        }(std::move(b)));
        try {
            co_await a.start_tls(trusting_client(), "localhost");
            ADD_FAILURE() << "handshake succeeded";
        } catch (const tls_error& e) {
            EXPECT_EQ(e.reason(), "wrong version number") << e.what();
        }
        EXPECT_EQ(a.native_handle(), -1);
        EXPECT_TRUE(a.is_closing());
        co_await plain;
    }());
    EXPECT_EQ(aio_test::fd_count(), fds);
}

TEST(tls_stream, garbage_from_a_client_fails_the_server_handshake) {
    AIO_REQUIRE_TEST_CERTS();
    const int fds = aio_test::fd_count();
    aio::run([]() -> task<> {
        auto [a, b] = aio_test::stream_pair();
        co_await a.write(std::string(300, '\x17'));
        try {
            co_await b.start_tls(localhost_server());
            ADD_FAILURE() << "handshake succeeded";
        } catch (const tls_error& e) {
            EXPECT_NE(std::string(e.what()).find("TLS handshake with client"), std::string::npos);
        }
        EXPECT_EQ(b.native_handle(), -1);
        co_await a.close();
    }());
    EXPECT_EQ(aio_test::fd_count(), fds);
}

TEST(tls_stream, peer_closing_during_the_handshake_is_a_tls_error) {
    AIO_REQUIRE_TEST_CERTS();
    aio::run([]() -> task<> {
        auto [a, b] = aio_test::stream_pair();
        co_await b.close();
        try {
            co_await a.start_tls(trusting_client(), "localhost");
            ADD_FAILURE() << "handshake succeeded";
        } catch (const tls_error& e) {
            EXPECT_EQ(e.reason(), "connection closed by peer") << e.what();
        } catch (const aio::io_error& e) {
            // The peer's close may surface as a reset/broken pipe first: also a clear error.
            SUCCEED() << e.what();
        }
    }());
}

TEST(tls_stream, cancellation_mid_handshake_releases_the_fd) {
    AIO_REQUIRE_TEST_CERTS();
    const int fds = aio_test::fd_count();
    aio::run([]() -> task<> {
        auto [a, b] = aio_test::stream_pair(); // b never answers
        EXPECT_THROW(co_await aio::wait_for(a.start_tls(trusting_client(), "localhost"), 50ms),
                     aio::timeout_error);
        EXPECT_EQ(a.native_handle(), -1);
        EXPECT_EQ(co_await b.read(1), "\x16"); // the ClientHello's first byte did go out
    }());
    EXPECT_EQ(aio_test::fd_count(), fds);
}

TEST(tls_stream, server_cancelled_mid_handshake_releases_the_fd) {
    AIO_REQUIRE_TEST_CERTS();
    const int fds = aio_test::fd_count();
    aio::run([]() -> task<> {
        auto [a, b] = aio_test::stream_pair(); // a never sends a ClientHello
        auto h = aio::create_task(b.start_tls(localhost_server()));
        co_await aio::sleep(10ms);
        h.cancel();
        EXPECT_THROW(co_await h, aio::cancelled_error);
        EXPECT_EQ(b.native_handle(), -1);
        co_await a.close();
    }());
    EXPECT_EQ(aio_test::fd_count(), fds);
}

TEST(tls_stream, alpn_is_negotiated_and_visible_on_both_streams) {
    AIO_REQUIRE_TEST_CERTS();
    aio::run([]() -> task<> {
        auto [a, b] = aio_test::stream_pair();
        auto cctx = trusting_client();
        cctx.set_alpn_protocols({"http/1.1", "h2"});
        auto sctx = localhost_server();
        sctx.set_alpn_protocols({"h2", "http/1.1"});
        co_await aio::gather(a.start_tls(cctx, "localhost"), b.start_tls(sctx));
        EXPECT_EQ(a.tls()->alpn_protocol, "h2");
        EXPECT_EQ(b.tls()->alpn_protocol, "h2");
        EXPECT_EQ(b.tls()->server_name, "localhost"); // SNI
        co_await a.close();
        co_await b.close();
    }());
}

TEST(tls_stream, close_sends_close_notify_and_abort_does_not) {
    AIO_REQUIRE_TEST_CERTS();
    aio::run([]() -> task<> {
        {
            auto [a, b] = co_await tls_stream_pair();
            co_await a.write("bye");
            co_await a.close();
            EXPECT_EQ(co_await b.read_all(), "bye");
            EXPECT_TRUE(engine_of(b)->close_received());
            EXPECT_FALSE(engine_of(b)->truncated());
            co_await b.close();
        }
        {
            auto [a, b] = co_await tls_stream_pair();
            // a reads once first, so that the server's session tickets are not left unread
            // in its socket: closing a socket with unread data makes the kernel reset the
            // connection instead of sending EOF.
            co_await b.write("x");
            EXPECT_EQ(co_await a.read(1), "x");
            co_await a.write("cut");
            co_await a.drain();
            a.abort();
            EXPECT_EQ(co_await b.read_all(), "cut"); // a ragged EOF still reads as EOF
            EXPECT_FALSE(engine_of(b)->close_received());
            EXPECT_TRUE(engine_of(b)->truncated());
            co_await b.close();
        }
    }());
}

TEST(tls_stream, write_eof_sends_close_notify_and_the_peer_can_still_answer) {
    AIO_REQUIRE_TEST_CERTS();
    aio::run([]() -> task<> {
        auto [a, b] = co_await tls_stream_pair();
        co_await a.write("question");
        co_await a.write_eof();
        EXPECT_EQ(co_await b.read_all(), "question");
        co_await b.write("answer");
        co_await b.close();
        EXPECT_EQ(co_await a.read_all(), "answer");
        co_await a.close();
    }());
}

namespace {
task<std::string> send_and_receive(stream s, std::string out) {
    auto writer = aio::create_task([](stream* s, std::string data) -> task<> {
        for (std::size_t off = 0; off < data.size(); off += 100000) {
            co_await s->write(std::string_view(data).substr(off, 100000));
        }
        co_await s->write_eof();
    }(&s, out));
    std::string in = co_await s.read_all();
    co_await writer;
    co_await s.close();
    co_return in;
}
} // namespace

TEST(tls_stream, megabytes_flow_both_ways_at_once) {
    AIO_REQUIRE_TEST_CERTS();
    aio::run([]() -> task<> {
        auto [a, b] = co_await tls_stream_pair();
        std::string x(3 << 20, '\0'), y(2 << 20, '\0');
        std::mt19937 rng(7);
        for (auto& c : x)
            c = static_cast<char>(rng());
        for (auto& c : y)
            c = static_cast<char>(rng());
        auto [got_by_a, got_by_b] = co_await aio::gather(send_and_receive(std::move(a), x),
                                                         send_and_receive(std::move(b), y));
        EXPECT_EQ(got_by_a.size(), y.size());
        EXPECT_TRUE(got_by_a == y);
        EXPECT_EQ(got_by_b.size(), x.size());
        EXPECT_TRUE(got_by_b == x);
    }());
}

TEST(tls_stream, start_tls_refuses_misuse_and_leaves_the_stream_usable) {
    AIO_REQUIRE_TEST_CERTS();
    aio::run([]() -> task<> {
        auto [a, b] = aio_test::stream_pair();
        // No server_hostname while the context checks hostnames: refused before any I/O.
        EXPECT_THROW(co_await a.start_tls(trusting_client()), tls_error);
        co_await a.write("still plain\n");
        EXPECT_EQ(co_await b.read_line(), "still plain\n");
        co_await aio::gather(a.start_tls(trusting_client(), "localhost"),
                             b.start_tls(localhost_server()));
        EXPECT_THROW(co_await a.start_tls(trusting_client(), "localhost"),
                     aio::invalid_state_error);
        co_await a.write("now secret\n");
        EXPECT_EQ(co_await b.read_line(), "now secret\n");
        co_await a.close();
        co_await b.close();
        EXPECT_THROW(co_await a.start_tls(trusting_client(), "localhost"),
                     aio::invalid_state_error);
    }());
}

TEST(tls_stream, a_pending_read_is_interrupted_by_close) {
    AIO_REQUIRE_TEST_CERTS();
    const int fds = aio_test::fd_count();
    aio::run([]() -> task<> {
        auto [a, b] = co_await tls_stream_pair();
        auto reader = aio::create_task(a.read(100));
        co_await aio::sleep(5ms);
        co_await a.close();
        EXPECT_EQ(co_await reader, "");
        co_await b.close();
    }());
    EXPECT_EQ(aio_test::fd_count(), fds);
}

TEST(tls_stream, a_cancelled_read_keeps_the_record_for_the_next_read) {
    AIO_REQUIRE_TEST_CERTS();
    aio::run([]() -> task<> {
        auto [a, b] = co_await tls_stream_pair();
        EXPECT_THROW(co_await aio::wait_for(b.read_line(), 20ms), aio::timeout_error);
        co_await a.write("after the timeout\n");
        EXPECT_EQ(co_await b.read_line(), "after the timeout\n");
        co_await a.close();
        co_await b.close();
    }());
}

TEST(tls_stream, key_updates_in_both_directions_keep_the_stream_working) {
    AIO_REQUIRE_TEST_CERTS();
    aio::run([]() -> task<> {
        auto [a, b] = co_await tls_stream_pair();
        for (int i = 0; i < 3; ++i) {
            engine_of(a)->request_key_update(); // sent with the next write
            co_await a.write("ping " + std::to_string(i) + "\n");
            EXPECT_EQ(co_await b.read_line(), "ping " + std::to_string(i) + "\n");
            engine_of(b)->request_key_update();
            co_await b.write("pong " + std::to_string(i) + "\n");
            EXPECT_EQ(co_await a.read_line(), "pong " + std::to_string(i) + "\n");
        }
        co_await a.close();
        EXPECT_EQ(co_await b.read_line(), "");
        co_await b.close();
    }());
}

TEST(tls_stream, destroyed_stream_still_sends_what_write_accepted) {
    AIO_REQUIRE_TEST_CERTS();
    const int fds = aio_test::fd_count();
    aio::run([]() -> task<> {
        auto [a, b] = co_await tls_stream_pair();
        const std::string big(1 << 20, 't'); // more than the socket buffers hold
        a.set_write_buffer_limits(2 << 20);  // so that it is queued, not sent inline
        co_await a.write("hello\n");
        co_await a.write(big); // queued for the flusher task
        EXPECT_GT(a.write_buffer_size(), 0u);
        { stream gone = std::move(a); } // lingers: the flusher goes on
        EXPECT_EQ(co_await b.read_line(), "hello\n");
        EXPECT_EQ(co_await b.read_exactly(big.size()), big);
    }());
    EXPECT_EQ(aio_test::fd_count(), fds);
}

TEST(tls_stream, destroyed_stream_with_a_pending_reader_still_sends_its_output) {
    AIO_REQUIRE_TEST_CERTS();
    const int fds = aio_test::fd_count();
    aio::run([]() -> task<> {
        auto [a, b] = co_await tls_stream_pair();
        const std::string big(1 << 20, 'r');
        a.set_write_buffer_limits(2 << 20);
        auto reader = aio::create_task(a.read_line()); // waits: b sends nothing
        co_await aio::sleep(1ms);
        co_await a.write(big);
        { stream gone = std::move(a); } // lingers; the reader is interrupted only afterwards
        EXPECT_EQ(co_await b.read_exactly(big.size()), big);
        EXPECT_EQ(co_await reader, ""); // then the reader saw EOF
    }());
    EXPECT_EQ(aio_test::fd_count(), fds);
}
