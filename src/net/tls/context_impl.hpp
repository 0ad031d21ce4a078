// The OpenSSL side of aio::net::tls_context. Private: only src/net/tls includes it.
#pragma once

#include <aio/net/tls.hpp>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <openssl/ssl.h>

namespace aio::net::detail {

struct tls_context_impl {
    tls_context_impl(SSL_CTX* ctx, bool client) : m_ctx(ctx), m_client(client) {}
    ~tls_context_impl() { SSL_CTX_free(m_ctx); }
    tls_context_impl(const tls_context_impl&) = delete;
    tls_context_impl& operator=(const tls_context_impl&) = delete;

    /// Rebuilds the trust store from m_use_default_paths and m_locations.
    void rebuild_store();
    /// Applies the verify mode implied by the flags to m_ctx.
    void apply_verify_mode();

    SSL_CTX* m_ctx;
    bool m_client;
    bool m_verify = true;         // verify the peer's chain
    bool m_check_hostname = true; // client: match server_hostname
    bool m_require_client_cert = false;
    bool m_has_cert = false;
    bool m_use_default_paths = true;
    std::vector<std::pair<std::string, std::string>> m_locations; // (cafile, capath)
    std::vector<std::string> m_alpn;
    std::string m_alpn_wire; // length-prefixed, as the ALPN extension carries it
    std::vector<std::pair<std::string, std::shared_ptr<tls_context_impl>>> m_sni;
};

} // namespace aio::net::detail
