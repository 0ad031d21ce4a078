// TLS through open_connection / start_server over loopback TCP, and interoperability with
// the openssl command-line client and server.
#include "support/net.hpp"
#include "child_process.hpp"
#include "test_certs.hpp"

#include <aio/core.hpp>
#include <aio/net.hpp>

#include <string>

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

/// Echoes lines, prefixed with what TLS negotiated on this connection.
task<> tls_echo(stream s) {
    const auto info = s.tls();
    std::string tag = "[plain] "; // (no ?: with temporaries in a coroutine: GCC 12 bug)
    if (info)
        tag = "[" + info->alpn_protocol + "|" + info->server_name + "] ";
    while (true) {
        std::string line = co_await s.read_line();
        if (line.empty())
            break;
        co_await s.write(tag + line);
    }
    co_await s.close();
}

/// A server whose connections never say anything (the handshake never completes).
task<> silent(stream s) {
    co_await aio::sleep(5s);
    co_await s.close();
}

int g_handled = 0;
task<> count_and_echo(stream s) {
    ++g_handled;
    co_await tls_echo(std::move(s));
}

task<std::string> expect_tls_error(aio::task<stream> connecting) {
    try {
        stream s = co_await std::move(connecting);
        ADD_FAILURE() << "connected";
    } catch (const tls_error& e) {
        co_return e.reason();
    }
    co_return std::string();
}

} // namespace

TEST(tls_connection, open_connection_and_start_server_round_trip) {
    AIO_REQUIRE_TEST_CERTS();
    const int fds = aio_test::fd_count();
    aio::run([]() -> task<> {
        auto srv =
            co_await aio::net::start_server(tls_echo, "127.0.0.1", 0, {.tls = localhost_server()});
        // By IP: the certificate's IP address is checked.
        auto s =
            co_await aio::net::open_connection("127.0.0.1", srv.port(), {.tls = trusting_client()});
        EXPECT_TRUE(s.tls().has_value());
        EXPECT_TRUE(s.tls()->peer_verified);
        co_await s.write("over tcp\n");
        EXPECT_EQ(co_await s.read_line(), "[|] over tcp\n");
        co_await s.close();
        srv.close();
        co_await srv.wait_closed();
    }());
    EXPECT_EQ(aio_test::fd_count(), fds);
}

TEST(tls_connection, host_name_is_the_default_server_hostname_and_sni) {
    AIO_REQUIRE_TEST_CERTS();
    aio::run([]() -> task<> {
        auto srv =
            co_await aio::net::start_server(tls_echo, "127.0.0.1", 0, {.tls = localhost_server()});
        auto s = co_await aio::net::open_connection(
            "localhost", srv.port(),
            {.family = aio::net::address_family::ipv4, .tls = trusting_client()});
        co_await s.write("hi\n");
        EXPECT_EQ(co_await s.read_line(), "[|localhost] hi\n");
        co_await s.close();
        srv.close();
        co_await srv.wait_closed();
    }());
}

TEST(tls_connection, alpn_and_sni_select_protocol_and_certificate) {
    AIO_REQUIRE_TEST_CERTS();
    aio::run([]() -> task<> {
        auto sctx = localhost_server();
        sctx.set_alpn_protocols({"h2", "http/1.1"});
        auto other = tls_context::server(certs().other_cert(), certs().other_key());
        other.set_alpn_protocols({"http/1.1"});
        sctx.add_sni_context("other.test", other);
        auto srv = co_await aio::net::start_server(tls_echo, "127.0.0.1", 0, {.tls = sctx});

        auto cctx = trusting_client();
        cctx.set_alpn_protocols({"h2", "http/1.1"});
        auto s = co_await aio::net::open_connection("127.0.0.1", srv.port(),
                                                    {.tls = cctx, .server_hostname = "other.test"});
        EXPECT_EQ(s.tls()->peer_subject, "CN=other.test");
        EXPECT_EQ(s.tls()->alpn_protocol, "http/1.1"); // other.test's context only has 1.1
        co_await s.write("x\n");
        EXPECT_EQ(co_await s.read_line(), "[http/1.1|other.test] x\n");
        co_await s.close();

        auto t = co_await aio::net::open_connection("127.0.0.1", srv.port(),
                                                    {.tls = cctx, .server_hostname = "localhost"});
        EXPECT_EQ(t.tls()->alpn_protocol, "h2");
        EXPECT_EQ(t.tls()->peer_subject, "CN=localhost");
        co_await t.close();
        srv.close();
        co_await srv.wait_closed();
    }());
}

TEST(tls_connection, wrong_hostname_and_self_signed_are_refused_without_fd_leaks) {
    AIO_REQUIRE_TEST_CERTS();
    const int fds = aio_test::fd_count();
    aio::run([]() -> task<> {
        g_handled = 0;
        auto srv = co_await aio::net::start_server(count_and_echo, "127.0.0.1", 0,
                                                   {.tls = localhost_server()});
        EXPECT_EQ(co_await expect_tls_error(aio::net::open_connection(
                      "127.0.0.1", srv.port(),
                      {.tls = trusting_client(), .server_hostname = "wrong.example"})),
                  "certificate verify failed: hostname mismatch (certificate is not valid for "
                  "'wrong.example')");
        auto self = co_await aio::net::start_server(
            count_and_echo, "127.0.0.1", 0,
            {.tls = tls_context::server(certs().self_cert(), certs().self_key())});
        EXPECT_EQ(co_await expect_tls_error(aio::net::open_connection("127.0.0.1", self.port(),
                                                                      {.tls = trusting_client()})),
                  "certificate verify failed: self-signed certificate");
        co_await aio::sleep(20ms); // let the servers see the alerts
        EXPECT_EQ(g_handled, 0);   // refused connections never reach the handler
        srv.close();
        self.close();
        co_await srv.wait_closed();
        co_await self.wait_closed();
    }());
    EXPECT_EQ(aio_test::fd_count(), fds);
}

TEST(tls_connection, tls_client_against_a_plaintext_server_fails_cleanly) {
    AIO_REQUIRE_TEST_CERTS();
    const int fds = aio_test::fd_count();
    aio::run([]() -> task<> {
        auto srv = co_await aio::net::start_server(
            [](stream s) -> task<> {
                (void)co_await s.read(4096);
                co_await s.write("HTTP/1.0 400 Bad Request\r\n\r\n");
                co_await s.close();
            },
            "127.0.0.1", 0);
        EXPECT_EQ(co_await expect_tls_error(aio::net::open_connection("127.0.0.1", srv.port(),
                                                                      {.tls = trusting_client()})),
                  "wrong version number");
        srv.close();
        co_await srv.wait_closed();
    }());
    EXPECT_EQ(aio_test::fd_count(), fds);
}

TEST(tls_connection, plaintext_client_never_reaches_the_tls_handler) {
    AIO_REQUIRE_TEST_CERTS();
    const int fds = aio_test::fd_count();
    aio::run([]() -> task<> {
        g_handled = 0;
        auto srv = co_await aio::net::start_server(count_and_echo, "127.0.0.1", 0,
                                                   {.tls = localhost_server()});
        {
            auto plain = co_await aio::net::open_connection("127.0.0.1", srv.port());
            co_await plain.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            std::string answer;
            try {
                answer = co_await aio::wait_for(plain.read_all(), 5s);
            } catch (const aio::connection_error&) {
            }
            EXPECT_EQ(answer.find("GET"), std::string::npos); // at most an alert, no echo
            co_await plain.close();
        }
        // The server is unharmed and serves the next (TLS) client.
        auto s =
            co_await aio::net::open_connection("127.0.0.1", srv.port(), {.tls = trusting_client()});
        co_await s.write("ok\n");
        EXPECT_EQ(co_await s.read_line(), "[|] ok\n");
        co_await s.close();
        EXPECT_EQ(g_handled, 1);
        srv.close();
        co_await srv.wait_closed();
    }());
    EXPECT_EQ(aio_test::fd_count(), fds);
}

TEST(tls_connection, client_handshake_timeout_closes_the_socket) {
    AIO_REQUIRE_TEST_CERTS();
    const int fds = aio_test::fd_count();
    aio::run([]() -> task<> {
        auto srv = co_await aio::net::start_server(silent, "127.0.0.1", 0);
        try {
            (void)co_await aio::net::open_connection(
                "127.0.0.1", srv.port(), {.tls = trusting_client(), .tls_handshake_timeout = 50ms});
            ADD_FAILURE() << "connected";
        } catch (const aio::timeout_error& e) {
            EXPECT_NE(std::string(e.what()).find("TLS handshake"), std::string::npos) << e.what();
        }
        srv.close();
        srv.abort_clients();
        co_await srv.wait_closed();
    }());
    EXPECT_EQ(aio_test::fd_count(), fds);
}

TEST(tls_connection, cancelling_open_connection_mid_handshake_leaves_no_fd) {
    AIO_REQUIRE_TEST_CERTS();
    const int fds = aio_test::fd_count();
    aio::run([]() -> task<> {
        auto srv = co_await aio::net::start_server(silent, "127.0.0.1", 0);
        auto h = aio::create_task(
            aio::net::open_connection("127.0.0.1", srv.port(), {.tls = trusting_client()}));
        co_await aio::sleep(30ms); // connected, ClientHello sent, no answer
        h.cancel();
        EXPECT_THROW(co_await h, aio::cancelled_error);
        EXPECT_THROW(co_await aio::wait_for(aio::net::open_connection("127.0.0.1", srv.port(),
                                                                      {.tls = trusting_client()}),
                                            30ms),
                     aio::timeout_error);
        srv.close();
        srv.abort_clients();
        co_await srv.wait_closed();
    }());
    EXPECT_EQ(aio_test::fd_count(), fds);
}

TEST(tls_connection, server_handshake_timeout_drops_silent_clients) {
    AIO_REQUIRE_TEST_CERTS();
    const int fds = aio_test::fd_count();
    aio::run([]() -> task<> {
        g_handled = 0;
        auto srv = co_await aio::net::start_server(
            count_and_echo, "127.0.0.1", 0,
            {.tls = localhost_server(), .tls_handshake_timeout = 50ms});
        auto idle = co_await aio::net::open_connection("127.0.0.1", srv.port());
        EXPECT_EQ(co_await aio::wait_for(idle.read(10), 5s), ""); // the server hung up
        EXPECT_EQ(g_handled, 0);
        EXPECT_EQ(srv.active_connections(), 0u);
        co_await idle.close();
        srv.close();
        co_await srv.wait_closed();
    }());
    EXPECT_EQ(aio_test::fd_count(), fds);
}

TEST(tls_connection, mutual_tls_shows_the_client_certificate_to_the_handler) {
    AIO_REQUIRE_TEST_CERTS();
    aio::run([]() -> task<> {
        auto sctx = localhost_server();
        sctx.load_verify_locations(certs().ca());
        sctx.require_client_certificate();
        auto srv = co_await aio::net::start_server(
            [](stream s) -> task<> {
                co_await s.write(s.tls()->peer_subject + "\n");
                co_await s.close();
            },
            "127.0.0.1", 0, {.tls = sctx});
        auto cctx = trusting_client();
        cctx.load_cert_chain(certs().client_cert(), certs().client_key());
        auto s = co_await aio::net::open_connection("127.0.0.1", srv.port(), {.tls = cctx});
        EXPECT_EQ(co_await s.read_line(), "CN=aio test client\n");
        co_await s.close();
        srv.close();
        co_await srv.wait_closed();
    }());
}

TEST(tls_connection, contexts_of_the_wrong_role_are_refused) {
    AIO_REQUIRE_TEST_CERTS();
    aio::run([]() -> task<> {
        EXPECT_THROW(
            co_await aio::net::start_server(tls_echo, "127.0.0.1", 0, {.tls = trusting_client()}),
            aio::net::invalid_argument_error);
        auto srv = co_await aio::net::start_server(silent, "127.0.0.1", 0);
        EXPECT_THROW(co_await aio::net::open_connection("127.0.0.1", srv.port(),
                                                        {.tls = localhost_server()}),
                     aio::net::invalid_argument_error);
        srv.close();
        srv.abort_clients();
        co_await srv.wait_closed();
    }());
}

// ---- interoperability with the openssl command-line tools ----

TEST(tls_interop, client_talks_to_openssl_s_server) {
    AIO_REQUIRE_TEST_CERTS();
    aio_test::child_process server({"openssl", "s_server", "-accept", "127.0.0.1:0", "-cert",
                                    certs().server_cert(), "-key", certs().server_key(), "-naccept",
                                    "1", "-rev", "-alpn", "h2"});
    if (!server.ok())
        GTEST_SKIP() << "cannot start openssl s_server";
    std::string banner = server.read_until("ACCEPT", 10s);
    if (banner.find("ACCEPT") != std::string::npos && banner.back() != '\n') {
        banner += server.read_until("\n", 5s);
    }
    const auto at = banner.find("ACCEPT");
    const auto colon = banner.find(':', at == std::string::npos ? 0 : at);
    if (at == std::string::npos || colon == std::string::npos) {
        GTEST_SKIP() << "openssl s_server did not start: " << banner;
    }
    static int port;
    port = std::stoi(banner.substr(colon + 1));
    aio::run([]() -> task<> {
        auto cctx = trusting_client();
        cctx.set_alpn_protocols({"h2"});
        auto s = co_await aio::net::open_connection("127.0.0.1", static_cast<std::uint16_t>(port),
                                                    {.tls = cctx, .server_hostname = "localhost"});
        EXPECT_EQ(s.tls()->alpn_protocol, "h2");
        co_await s.write("hello openssl\n");
        EXPECT_EQ(co_await aio::wait_for(s.read_line(), 10s), "lssnepo olleh\n"); // -rev
        co_await s.close();
    }());
}

namespace {
task<std::string> run_s_client(std::uint16_t port) {
    aio_test::child_process client({"openssl", "s_client", "-connect",
                                    "127.0.0.1:" + std::to_string(port), "-CAfile", certs().ca(),
                                    "-servername", "localhost", "-verify_return_error", "-alpn",
                                    "h2", "-quiet"});
    if (!client.ok())
        co_return "cannot start openssl s_client";
    client.write_stdin("ping from s_client\n");
    client.close_stdin();
    auto out = stream::from_fd(client.release_stdout());
    std::string got = co_await aio::wait_for(out.read_all(), 10s);
    co_await out.close();
    co_return got;
}
} // namespace

TEST(tls_interop, openssl_s_client_talks_to_the_server) {
    AIO_REQUIRE_TEST_CERTS();
    aio::run([]() -> task<> {
        auto sctx = localhost_server();
        sctx.set_alpn_protocols({"h2"});
        auto srv = co_await aio::net::start_server(
            [](stream s) -> task<> {
                std::string line = co_await s.read_line();
                co_await s.write("[" + s.tls()->alpn_protocol + "|" + s.tls()->server_name + "] " +
                                 line);
                co_await s.close();
            },
            "127.0.0.1", 0, {.tls = sctx});
        EXPECT_EQ(co_await run_s_client(srv.port()), "[h2|localhost] ping from s_client\n");
        srv.close();
        co_await srv.wait_closed();
    }());
}

namespace {
std::size_t g_received = 0;
bool g_clean_end = false;
task<> count_bytes(stream s) {
    std::string buf(64 * 1024, '\0');
    co_await aio::sleep(50ms); // a slow reader: the client's data waits in kernel buffers
    try {
        while (true) {
            const std::size_t n = co_await s.read_into(std::span<char>(buf));
            if (n == 0)
                break;
            g_received += n;
        }
        g_clean_end = true;
    } catch (const std::exception& e) {
        ADD_FAILURE() << "server read failed: " << e.what();
    }
    co_await s.close();
}
} // namespace

TEST(tls_connection, a_client_that_never_reads_still_delivers_everything) {
    AIO_REQUIRE_TEST_CERTS();
    aio::run([]() -> task<> {
        g_received = 0;
        g_clean_end = false;
        auto srv = co_await aio::net::start_server(count_bytes, "127.0.0.1", 0,
                                                   {.tls = localhost_server()});
        auto s =
            co_await aio::net::open_connection("127.0.0.1", srv.port(), {.tls = trusting_client()});
        co_await aio::sleep(5ms); // the server's session tickets reach the client's socket
        // Closing a socket with unread input makes the kernel reset the connection and drop
        // what it had not transmitted yet: the TLS close must take the tickets off first.
        const std::string chunk(1 << 20, 'z');
        for (int i = 0; i < 16; ++i)
            co_await s.write(chunk);
        co_await s.close();
        for (int i = 0; i < 500 && !g_clean_end && g_received < (16u << 20); ++i) {
            co_await aio::sleep(2ms);
        }
        co_await aio::sleep(10ms);
        EXPECT_EQ(g_received, 16u << 20);
        EXPECT_TRUE(g_clean_end);
        srv.close();
        co_await srv.wait_closed();
    }());
}
