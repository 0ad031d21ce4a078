// aio::net::tls_context: defaults, configuration errors, sharing.
#include "engine_pair.hpp"
#include "net/tls/engine.hpp"
#include "test_certs.hpp"

#include <aio/net/tls.hpp>

#include <string>

#include <gtest/gtest.h>

using aio::net::tls_context;
using aio::net::tls_error;
using aio_test::certs;
using engine = aio::net::detail::tls_engine;
using role = engine::role;

namespace {
bool contains(const std::string& s, const std::string& part) {
    return s.find(part) != std::string::npos;
}
} // namespace

TEST(tls_context, client_verifies_by_default) {
    auto ctx = tls_context::client();
    EXPECT_TRUE(ctx.is_client());
    EXPECT_TRUE(ctx.verifies_peer());
    EXPECT_TRUE(ctx.check_hostname());
    EXPECT_TRUE(ctx.alpn_protocols().empty());
}

TEST(tls_context, a_missing_certificate_file_is_named) {
    try {
        (void)tls_context::server("/nonexistent/aio/cert.pem", "/nonexistent/aio/key.pem");
        FAIL() << "no error";
    } catch (const tls_error& e) {
        EXPECT_TRUE(contains(e.what(), "'/nonexistent/aio/cert.pem'")) << e.what();
        EXPECT_TRUE(contains(e.what(), "No such file or directory")) << e.what();
    }
}

TEST(tls_context, a_file_that_is_not_a_certificate_is_refused) {
    AIO_REQUIRE_TEST_CERTS();
    try {
        (void)tls_context::server(certs().path("cfg"), certs().server_key());
        FAIL() << "no error";
    } catch (const tls_error& e) {
        EXPECT_TRUE(contains(e.what(), "cannot use certificate file")) << e.what();
    }
}

TEST(tls_context, a_key_that_does_not_match_the_certificate_is_refused) {
    AIO_REQUIRE_TEST_CERTS();
    try {
        (void)tls_context::server(certs().server_cert(), certs().other_key());
        FAIL() << "no error";
    } catch (const tls_error& e) {
        EXPECT_TRUE(contains(e.what(), "does not match")) << e.what();
        EXPECT_TRUE(contains(e.what(), certs().other_key())) << e.what();
    }
}

TEST(tls_context, a_missing_ca_file_is_named) {
    auto ctx = tls_context::client();
    try {
        ctx.load_verify_locations("/nonexistent/ca.pem");
        FAIL() << "no error";
    } catch (const tls_error& e) {
        EXPECT_TRUE(contains(e.what(), "cannot open CA file '/nonexistent/ca.pem'")) << e.what();
    }
    EXPECT_THROW(ctx.load_verify_locations(""), tls_error);
}

TEST(tls_context, alpn_names_must_be_1_to_255_bytes) {
    auto ctx = tls_context::client();
    EXPECT_THROW(ctx.set_alpn_protocols({"h2", ""}), tls_error);
    EXPECT_THROW(ctx.set_alpn_protocols({std::string(256, 'x')}), tls_error);
    EXPECT_TRUE(ctx.alpn_protocols().empty());
    ctx.set_alpn_protocols({"h2", "http/1.1"});
    EXPECT_EQ(ctx.alpn_protocols(), (std::vector<std::string>{"h2", "http/1.1"}));
}

TEST(tls_context, roles_must_match_the_connection) {
    AIO_REQUIRE_TEST_CERTS();
    auto client = tls_context::client();
    auto server = tls_context::server(certs().server_cert(), certs().server_key());
    EXPECT_THROW(engine(client, role::server, ""), tls_error);
    EXPECT_THROW(engine(server, role::client, "localhost"), tls_error);
    try {
        engine e(tls_context::server(), role::server, "");
        FAIL() << "no error";
    } catch (const tls_error& e) {
        EXPECT_TRUE(contains(e.what(), "has no certificate")) << e.what();
    }
}

TEST(tls_context, hostname_check_needs_a_server_hostname) {
    try {
        engine e(tls_context::client(), role::client, "");
        FAIL() << "no error";
    } catch (const tls_error& e) {
        EXPECT_TRUE(contains(e.what(), "server_hostname is required")) << e.what();
    }
    auto ctx = tls_context::client();
    ctx.set_check_hostname(false);
    EXPECT_NO_THROW(engine(ctx, role::client, ""));
}

TEST(tls_context, copies_share_the_configuration) {
    AIO_REQUIRE_TEST_CERTS();
    auto a = tls_context::client();
    auto b = a;
    b.load_verify_locations(certs().ca());
    b.set_alpn_protocols({"h2"});
    EXPECT_EQ(a.alpn_protocols(), std::vector<std::string>{"h2"});
    // `a` now trusts the test CA too.
    engine c(a, role::client, "localhost");
    engine s(tls_context::server(certs().server_cert(), certs().server_key()), role::server, "");
    aio_test::handshake(c, s);
    EXPECT_TRUE(c.info().peer_verified);
}

TEST(tls_context, clear_default_verify_paths_keeps_added_cas) {
    AIO_REQUIRE_TEST_CERTS();
    auto ctx = tls_context::client();
    ctx.load_verify_locations(certs().ca());
    ctx.clear_default_verify_paths();
    engine c(ctx, role::client, "localhost");
    engine s(tls_context::server(certs().server_cert(), certs().server_key()), role::server, "");
    aio_test::handshake(c, s);
    EXPECT_TRUE(c.info().peer_verified);
}

TEST(tls_context, server_only_options_refuse_a_client_context) {
    AIO_REQUIRE_TEST_CERTS();
    auto ctx = tls_context::client();
    EXPECT_THROW(ctx.require_client_certificate(), tls_error);
    auto server = tls_context::server(certs().server_cert(), certs().server_key());
    EXPECT_THROW(server.add_sni_context("x", ctx), tls_error);
    EXPECT_THROW(server.add_sni_context("x", tls_context::server()), tls_error);
    EXPECT_THROW(server.add_sni_context("x", server), tls_error);
}
