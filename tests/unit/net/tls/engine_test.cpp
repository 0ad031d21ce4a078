// The TLS engine against itself, in memory: client engine <-> server engine.
#include "engine_pair.hpp"
#include "net/tls/context_impl.hpp"
#include "net/tls/engine.hpp"
#include "test_certs.hpp"

#include <aio/net/tls.hpp>

#include <cstdlib>
#include <random>
#include <string>

#include <gtest/gtest.h>

using aio::net::tls_context;
using aio::net::tls_error;
using aio_test::certs;
using aio_test::handshake;
using aio_test::localhost_server;
using aio_test::read_available;
using aio_test::transfer;
using aio_test::trusting_client;
using engine = aio::net::detail::tls_engine;
using role = engine::role;
using status = engine::status;

namespace {

/// Runs a handshake expected to fail on the client; returns the client's error.
tls_error client_refuses(tls_context cctx, tls_context sctx, const std::string& host) {
    engine c(cctx, role::client, host);
    engine s(sctx, role::server, "");
    try {
        handshake(c, s);
    } catch (const tls_error& e) {
        return e;
    }
    ADD_FAILURE() << "handshake succeeded";
    return tls_error("none", "none");
}

} // namespace

TEST(tls_engine, handshake_then_data_flows_both_ways) {
    AIO_REQUIRE_TEST_CERTS();
    engine c(trusting_client(), role::client, "localhost");
    engine s(localhost_server(), role::server, "");
    handshake(c, s);
    EXPECT_TRUE(c.handshake_done());
    EXPECT_TRUE(s.handshake_done());

    c.write("hello server\n");
    transfer(c, s);
    EXPECT_EQ(read_available(s), "hello server\n");
    s.write("hello client\n");
    transfer(s, c);
    EXPECT_EQ(read_available(c), "hello client\n");
}

TEST(tls_engine, negotiates_tls13_and_reports_the_session) {
    AIO_REQUIRE_TEST_CERTS();
    engine c(trusting_client(), role::client, "localhost");
    engine s(localhost_server(), role::server, "");
    handshake(c, s);
    const auto ci = c.info();
    EXPECT_EQ(ci.version, "TLSv1.3");
    EXPECT_FALSE(ci.cipher.empty());
    EXPECT_TRUE(ci.peer_verified);
    EXPECT_EQ(ci.peer_subject, "CN=localhost");
    EXPECT_EQ(ci.server_name, "localhost");
    const auto si = s.info();
    EXPECT_EQ(si.server_name, "localhost"); // SNI as the server received it
    EXPECT_TRUE(si.peer_subject.empty());   // no client certificate asked for
    EXPECT_FALSE(si.peer_verified);
}

TEST(tls_engine, tls12_works_and_minimum_version_refuses_it) {
    AIO_REQUIRE_TEST_CERTS();
    // No public knob for a maximum version (nobody should want one); emulate an old server
    // by capping its SSL_CTX directly.
    auto old_server = localhost_server();
    SSL_CTX_set_max_proto_version(old_server.impl()->m_ctx, TLS1_2_VERSION);
    {
        engine c(trusting_client(), role::client, "localhost");
        engine s(old_server, role::server, "");
        handshake(c, s);
        EXPECT_EQ(c.info().version, "TLSv1.2");
        c.write("over 1.2");
        transfer(c, s);
        EXPECT_EQ(read_available(s), "over 1.2");
    }
    auto modern = trusting_client();
    modern.set_minimum_version(aio::net::tls_version::tls1_3);
    auto err = client_refuses(modern, old_server, "localhost");
    EXPECT_FALSE(err.reason().empty());
    EXPECT_FALSE(err.is_certificate_error());
}

TEST(tls_engine, verifies_an_ip_address_against_the_ip_san) {
    AIO_REQUIRE_TEST_CERTS();
    engine c(trusting_client(), role::client, "127.0.0.1");
    engine s(localhost_server(), role::server, "");
    handshake(c, s);
    EXPECT_TRUE(c.info().peer_verified);
    EXPECT_EQ(s.info().server_name, ""); // RFC 6066: no SNI for an address literal
}

TEST(tls_engine, refuses_a_self_signed_certificate) {
    AIO_REQUIRE_TEST_CERTS();
    auto err =
        client_refuses(trusting_client(),
                       tls_context::server(certs().self_cert(), certs().self_key()), "localhost");
    EXPECT_EQ(err.reason(), "certificate verify failed: self-signed certificate");
    EXPECT_TRUE(err.is_certificate_error());
    EXPECT_NE(std::string(err.what()).find("TLS handshake with 'localhost' failed"),
              std::string::npos)
        << err.what();
}

TEST(tls_engine, refuses_a_certificate_for_another_hostname) {
    AIO_REQUIRE_TEST_CERTS();
    auto err =
        client_refuses(trusting_client(),
                       tls_context::server(certs().wrong_cert(), certs().wrong_key()), "localhost");
    EXPECT_EQ(err.reason(),
              "certificate verify failed: hostname mismatch (certificate is not valid for "
              "'localhost')");
}

TEST(tls_engine, refuses_a_certificate_for_another_ip_address) {
    AIO_REQUIRE_TEST_CERTS();
    auto err = client_refuses(trusting_client(), localhost_server(), "127.0.0.2");
    EXPECT_NE(err.reason().find("certificate verify failed: IP address mismatch"),
              std::string::npos)
        << err.reason();
}

TEST(tls_engine, refuses_a_certificate_from_an_untrusted_ca) {
    AIO_REQUIRE_TEST_CERTS();
    auto err = client_refuses(tls_context::client(), localhost_server(), "localhost");
    EXPECT_EQ(err.reason(), "certificate verify failed: unable to get local issuer certificate");
}

TEST(tls_engine, a_default_client_trusts_the_system_store) {
    // tls_context::client() loads the system store: the CA bundle and the hashed CA
    // directory, which OpenSSL takes from SSL_CERT_DIR when set. Put the test CA there (as
    // update-ca-certificates would) and a client with no CA of its own accepts the server.
    AIO_REQUIRE_TEST_CERTS();
    const std::string dir = certs().path("system-ca-dir");
    const std::string cmd = "mkdir -p '" + dir + "' && cp '" + certs().ca() + "' '" + dir +
                            "'/$(openssl x509 -hash -noout -in '" + certs().ca() + "').0";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    const char* old = std::getenv("SSL_CERT_DIR");
    const std::string saved = old ? old : "";
    ::setenv("SSL_CERT_DIR", dir.c_str(), 1);
    auto restore = [&] {
        old ? ::setenv("SSL_CERT_DIR", saved.c_str(), 1) : ::unsetenv("SSL_CERT_DIR");
    };
    try {
        engine c(tls_context::client(), role::client, "localhost");
        engine s(localhost_server(), role::server, "");
        handshake(c, s);
        EXPECT_TRUE(c.handshake_done());
    } catch (const tls_error& e) {
        ADD_FAILURE() << "the system store was not used: " << e.what();
    }
    restore();
    // Without it the same client refuses (tls_engine.refuses_a_certificate_from_an_untrusted_ca).
}

TEST(tls_engine, server_learns_why_the_client_refused) {
    AIO_REQUIRE_TEST_CERTS();
    engine c(trusting_client(), role::client, "localhost");
    engine s(tls_context::server(certs().self_cert(), certs().self_key()), role::server, "");
    EXPECT_THROW(handshake(c, s), tls_error);
    transfer(c, s); // the client's fatal alert
    try {
        for (int i = 0; i < 5; ++i)
            s.handshake();
        FAIL() << "server did not fail";
    } catch (const tls_error& e) {
        EXPECT_NE(e.reason().find("peer sent alert:"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("TLS handshake with client failed"), std::string::npos)
            << e.what();
    }
}

TEST(tls_engine, insecure_disable_verification_accepts_anything) {
    AIO_REQUIRE_TEST_CERTS();
    auto cctx = tls_context::client();
    cctx.insecure_disable_verification();
    EXPECT_FALSE(cctx.verifies_peer());
    engine c(cctx, role::client, "");
    engine s(tls_context::server(certs().self_cert(), certs().self_key()), role::server, "");
    handshake(c, s);
    EXPECT_FALSE(c.info().peer_verified);
    EXPECT_EQ(c.info().peer_subject, "CN=localhost");
}

TEST(tls_engine, check_hostname_off_still_verifies_the_chain) {
    AIO_REQUIRE_TEST_CERTS();
    auto cctx = trusting_client();
    cctx.set_check_hostname(false);
    {
        engine c(cctx, role::client, "localhost");
        engine s(tls_context::server(certs().wrong_cert(), certs().wrong_key()), role::server, "");
        handshake(c, s);
        EXPECT_TRUE(c.info().peer_verified);
    }
    auto err = client_refuses(cctx, tls_context::server(certs().self_cert(), certs().self_key()),
                              "localhost");
    EXPECT_EQ(err.reason(), "certificate verify failed: self-signed certificate");
}

TEST(tls_engine, alpn_picks_the_servers_preference) {
    AIO_REQUIRE_TEST_CERTS();
    auto cctx = trusting_client();
    cctx.set_alpn_protocols({"http/1.1", "h2"});
    auto sctx = localhost_server();
    sctx.set_alpn_protocols({"h2", "http/1.1"});
    engine c(cctx, role::client, "localhost");
    engine s(sctx, role::server, "");
    handshake(c, s);
    EXPECT_EQ(c.alpn_protocol(), "h2");
    EXPECT_EQ(s.info().alpn_protocol, "h2");
}

TEST(tls_engine, alpn_is_empty_when_the_client_offers_none) {
    AIO_REQUIRE_TEST_CERTS();
    auto sctx = localhost_server();
    sctx.set_alpn_protocols({"h2"});
    engine c(trusting_client(), role::client, "localhost");
    engine s(sctx, role::server, "");
    handshake(c, s);
    EXPECT_EQ(c.alpn_protocol(), "");
    EXPECT_EQ(s.alpn_protocol(), "");
}

TEST(tls_engine, alpn_without_a_common_protocol_fails_the_handshake) {
    AIO_REQUIRE_TEST_CERTS();
    auto cctx = trusting_client();
    cctx.set_alpn_protocols({"spdy/1"});
    auto sctx = localhost_server();
    sctx.set_alpn_protocols({"h2", "http/1.1"});
    engine c(cctx, role::client, "localhost");
    engine s(sctx, role::server, "");
    EXPECT_EQ(c.handshake(), status::want_input);
    transfer(c, s);
    try {
        s.handshake();
        FAIL() << "server accepted";
    } catch (const tls_error& e) {
        EXPECT_EQ(e.reason(), "no application protocol");
    }
    transfer(s, c); // the server's alert
    try {
        c.handshake();
        FAIL() << "client accepted";
    } catch (const tls_error& e) {
        EXPECT_EQ(e.reason(), "peer sent alert: no application protocol");
    }
}

TEST(tls_engine, sni_selects_the_servers_certificate) {
    AIO_REQUIRE_TEST_CERTS();
    auto sctx = localhost_server();
    sctx.add_sni_context("other.test",
                         tls_context::server(certs().other_cert(), certs().other_key()));
    {
        engine c(trusting_client(), role::client, "other.test");
        engine s(sctx, role::server, "");
        handshake(c, s);
        EXPECT_EQ(c.info().peer_subject, "CN=other.test");
        EXPECT_EQ(s.info().server_name, "other.test");
    }
    {
        engine c(trusting_client(), role::client, "localhost");
        engine s(sctx, role::server, "");
        handshake(c, s);
        EXPECT_EQ(c.info().peer_subject, "CN=localhost");
    }
}

TEST(tls_engine, close_notify_ends_the_session_cleanly_both_ways) {
    AIO_REQUIRE_TEST_CERTS();
    engine c(trusting_client(), role::client, "localhost");
    engine s(localhost_server(), role::server, "");
    handshake(c, s);
    c.write("last words");
    c.close();
    EXPECT_TRUE(c.close_sent());
    EXPECT_GT(transfer(c, s), 0u);
    status st{};
    EXPECT_EQ(read_available(s, &st), "last words");
    EXPECT_EQ(st, status::closed);
    EXPECT_TRUE(s.close_received());
    EXPECT_FALSE(s.truncated());
    // Half-close: the server may still answer before closing its side.
    s.write("reply");
    s.close();
    transfer(s, c);
    EXPECT_EQ(read_available(c, &st), "reply");
    EXPECT_EQ(st, status::closed);
    EXPECT_TRUE(c.close_received());
    EXPECT_THROW(c.write("more"), tls_error);
}

TEST(tls_engine, eof_without_close_notify_is_a_truncated_end) {
    AIO_REQUIRE_TEST_CERTS();
    engine c(trusting_client(), role::client, "localhost");
    engine s(localhost_server(), role::server, "");
    handshake(c, s);
    c.write("partial");
    transfer(c, s);
    s.feed_eof();
    status st{};
    EXPECT_EQ(read_available(s, &st), "partial");
    EXPECT_EQ(st, status::closed);
    EXPECT_TRUE(s.truncated());
    EXPECT_FALSE(s.close_received());
}

TEST(tls_engine, eof_during_the_handshake_is_an_error) {
    AIO_REQUIRE_TEST_CERTS();
    engine c(trusting_client(), role::client, "localhost");
    engine s(localhost_server(), role::server, "");
    EXPECT_EQ(c.handshake(), status::want_input);
    transfer(c, s);
    EXPECT_EQ(s.handshake(), status::want_input);
    c.feed_eof(); // the server's flight never arrives
    try {
        c.handshake();
        FAIL() << "no error";
    } catch (const tls_error& e) {
        EXPECT_EQ(e.reason(), "connection closed by peer");
        EXPECT_FALSE(e.is_certificate_error());
    }
}

TEST(tls_engine, plaintext_from_a_non_tls_server_fails_the_handshake) {
    AIO_REQUIRE_TEST_CERTS();
    engine c(trusting_client(), role::client, "localhost");
    EXPECT_EQ(c.handshake(), status::want_input);
    const std::string reply = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
    c.feed(reply.data(), reply.size());
    try {
        c.handshake();
        FAIL() << "no error";
    } catch (const tls_error& e) {
        EXPECT_EQ(e.reason(), "wrong version number") << e.what();
    }
}

TEST(tls_engine, garbage_from_a_client_fails_the_servers_handshake) {
    AIO_REQUIRE_TEST_CERTS();
    engine s(localhost_server(), role::server, "", "127.0.0.1:5555");
    const std::string junk = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    s.feed(junk.data(), junk.size());
    try {
        s.handshake();
        FAIL() << "no error";
    } catch (const tls_error& e) {
        EXPECT_EQ(std::string(e.what()),
                  "TLS handshake with client 127.0.0.1:5555 failed: " + e.reason());
        EXPECT_FALSE(e.reason().empty());
    }
    // The failure is sticky: every later call reports the same error.
    try {
        s.handshake();
        FAIL() << "no error";
    } catch (const tls_error& e) {
        EXPECT_NE(std::string(e.what()).find("127.0.0.1:5555"), std::string::npos);
    }
}

TEST(tls_engine, a_tampered_record_is_refused) {
    AIO_REQUIRE_TEST_CERTS();
    engine c(trusting_client(), role::client, "localhost");
    engine s(localhost_server(), role::server, "");
    handshake(c, s);
    c.write("secret payload");
    std::string wire;
    c.take_output(wire);
    wire[wire.size() - 3] ^= 0x40;
    s.feed(wire.data(), wire.size());
    EXPECT_THROW(read_available(s), tls_error);
}

TEST(tls_engine, a_megabyte_round_trips_intact) {
    AIO_REQUIRE_TEST_CERTS();
    engine c(trusting_client(), role::client, "localhost");
    engine s(localhost_server(), role::server, "");
    handshake(c, s);
    std::string data(1 << 20, '\0');
    std::mt19937 rng(42);
    for (auto& ch : data)
        ch = static_cast<char>(rng());
    std::string got;
    for (std::size_t off = 0; off < data.size(); off += 50000) {
        c.write(std::string_view(data).substr(off, 50000));
        // Deliver in odd-sized pieces so records arrive split.
        std::string wire;
        c.take_output(wire);
        for (std::size_t i = 0; i < wire.size(); i += 7777) {
            s.feed(wire.data() + i, std::min<std::size_t>(7777, wire.size() - i));
            got += read_available(s);
        }
    }
    EXPECT_EQ(got.size(), data.size());
    EXPECT_TRUE(got == data);
}

TEST(tls_engine, read_and_write_before_the_handshake_are_errors) {
    AIO_REQUIRE_TEST_CERTS();
    engine c(trusting_client(), role::client, "localhost");
    char buf[8];
    std::size_t got = 0;
    EXPECT_THROW(c.read(buf, sizeof buf, &got), tls_error);
    EXPECT_THROW(c.write("x"), tls_error);
}

TEST(tls_engine, client_certificate_is_required_when_asked) {
    AIO_REQUIRE_TEST_CERTS();
    auto sctx = localhost_server();
    sctx.load_verify_locations(certs().ca());
    sctx.require_client_certificate();
    {
        // Without a certificate: with TLS 1.3 the client finishes first and learns of the
        // refusal from the server's alert on its first read.
        engine c(trusting_client(), role::client, "localhost");
        engine s(sctx, role::server, "");
        try {
            handshake(c, s);
            FAIL() << "server accepted a client without certificate";
        } catch (const tls_error& e) {
            EXPECT_NE(e.reason().find("certificate"), std::string::npos) << e.what();
        }
        transfer(s, c);
        EXPECT_THROW(read_available(c), tls_error);
    }
    {
        auto cctx = trusting_client();
        cctx.load_cert_chain(certs().client_cert(), certs().client_key());
        engine c(cctx, role::client, "localhost");
        engine s(sctx, role::server, "");
        handshake(c, s);
        EXPECT_TRUE(s.info().peer_verified);
        EXPECT_EQ(s.info().peer_subject, "CN=aio test client");
    }
}

TEST(tls_engine, key_update_is_answered_and_data_keeps_flowing) {
    AIO_REQUIRE_TEST_CERTS();
    engine c(trusting_client(), role::client, "localhost");
    engine s(localhost_server(), role::server, "");
    handshake(c, s);
    read_available(c); // session tickets
    for (int i = 0; i < 3; ++i) {
        c.request_key_update();
        c.write("after update " + std::to_string(i));
        transfer(c, s);
        EXPECT_EQ(read_available(s), "after update " + std::to_string(i));
        // The server's answering KeyUpdate goes out with its next record: the reply is
        // readable only if both sides switched keys in step.
        s.write("reply");
        transfer(s, c);
        EXPECT_EQ(read_available(c), "reply");
    }
}

TEST(tls_engine, key_update_needs_tls13) {
    AIO_REQUIRE_TEST_CERTS();
    auto old_server = localhost_server();
    SSL_CTX_set_max_proto_version(old_server.impl()->m_ctx, TLS1_2_VERSION);
    engine c(trusting_client(), role::client, "localhost");
    engine s(old_server, role::server, "");
    EXPECT_THROW(c.request_key_update(), tls_error); // before the handshake
    handshake(c, s);
    EXPECT_THROW(c.request_key_update(), tls_error);
}
