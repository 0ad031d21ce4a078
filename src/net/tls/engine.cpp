#include "net/tls/engine.hpp"

#include "net/tls/context_impl.hpp"
#include "net/tls/errors.hpp"

#include <climits>

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace aio::net::detail {

namespace {

bool is_ip_literal(const std::string& host) {
    unsigned char buf[16];
    return ::inet_pton(AF_INET, host.c_str(), buf) == 1 ||
           ::inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

[[noreturn]] void config_error(const std::string& reason) {
    throw tls_error("TLS session: " + reason, reason);
}

} // namespace

tls_engine::tls_engine(const tls_context& ctx,
                       role r,
                       std::string server_hostname,
                       std::string peer)
    : m_ctx(ctx.impl()), m_hostname(std::move(server_hostname)), m_peer(std::move(peer)),
      m_role(r) {
    const bool client = r == role::client;
    if (m_ctx->m_client != client) {
        config_error(client ? "a server tls_context cannot make a client connection "
                              "(use tls_context::client())"
                            : "a client tls_context cannot serve a connection "
                              "(use tls_context::server(cert, key))");
    }
    if (!client && !m_ctx->m_has_cert) {
        config_error("the server tls_context has no certificate (call load_cert_chain)");
    }
    const bool check_host = client && m_ctx->m_verify && m_ctx->m_check_hostname;
    if (check_host && m_hostname.empty()) {
        config_error("server_hostname is required when the context checks hostnames "
                     "(pass one, or call set_check_hostname(false))");
    }

    ERR_clear_error();
    m_ssl = SSL_new(m_ctx->m_ctx);
    if (!m_ssl)
        throw_context_error("TLS session: SSL_new");
    m_in = BIO_new(BIO_s_mem());
    m_out = BIO_new(BIO_s_mem());
    if (!m_in || !m_out) {
        BIO_free(m_in);
        BIO_free(m_out);
        SSL_free(m_ssl);
        m_ssl = nullptr;
        throw_context_error("TLS session: BIO_new");
    }
    // An empty input BIO means "retry later" (-1), until feed_eof() makes it a real EOF.
    BIO_set_mem_eof_return(m_in, -1);
    SSL_set_bio(m_ssl, m_in, m_out); // the SSL owns both BIOs from here on

    if (client) {
        SSL_set_connect_state(m_ssl);
        const bool ip = !m_hostname.empty() && is_ip_literal(m_hostname);
        // RFC 6066: SNI carries DNS names only, never address literals.
        if (!m_hostname.empty() && !ip &&
            SSL_set_tlsext_host_name(m_ssl, m_hostname.c_str()) != 1) {
            SSL_free(m_ssl);
            m_ssl = nullptr;
            throw_context_error("TLS session: invalid server_hostname '" + m_hostname + "'");
        }
        if (check_host) {
            X509_VERIFY_PARAM* param = SSL_get0_param(m_ssl);
            X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
            const int ok = ip ? X509_VERIFY_PARAM_set1_ip_asc(param, m_hostname.c_str())
                              : X509_VERIFY_PARAM_set1_host(param, m_hostname.c_str(), 0);
            if (ok != 1) {
                SSL_free(m_ssl);
                m_ssl = nullptr;
                throw_context_error("TLS session: invalid server_hostname '" + m_hostname + "'");
            }
        }
    } else {
        SSL_set_accept_state(m_ssl);
    }
}

tls_engine::~tls_engine() {
    SSL_free(m_ssl);
}

void tls_engine::feed(const void* data, std::size_t n) {
    const char* p = static_cast<const char*>(data);
    while (n > 0) {
        const int chunk = n > INT_MAX ? INT_MAX : static_cast<int>(n);
        const int w = BIO_write(m_in, p, chunk);
        if (w <= 0)
            throw_context_error("TLS: cannot buffer received data");
        p += w;
        n -= static_cast<std::size_t>(w);
    }
}

void tls_engine::feed_eof() noexcept {
    m_input_eof = true;
    BIO_set_mem_eof_return(m_in, 0);
}

std::size_t tls_engine::output_pending() const noexcept {
    return BIO_ctrl_pending(m_out);
}

std::size_t tls_engine::take_output(void* buf, std::size_t n) noexcept {
    if (n == 0)
        return 0;
    const int r = BIO_read(m_out, buf, n > INT_MAX ? INT_MAX : static_cast<int>(n));
    return r > 0 ? static_cast<std::size_t>(r) : 0;
}

void tls_engine::take_output(std::string& out) {
    const std::size_t n = output_pending();
    if (n == 0)
        return;
    const std::size_t old = out.size();
    out.resize(old + n);
    out.resize(old + take_output(out.data() + old, n));
}

void tls_engine::rethrow_failure() const {
    std::rethrow_exception(m_error);
}

void tls_engine::fail(int ssl_error, std::string_view doing) {
    std::string context;
    if (doing == "handshake") {
        if (m_role == role::client) {
            context = "TLS handshake with '" + m_hostname + "'";
            if (!m_peer.empty())
                context += " (" + m_peer + ")";
        } else {
            context = "TLS handshake with client";
            if (!m_peer.empty())
                context += " " + m_peer;
        }
        context += " failed";
    } else {
        context = "TLS " + std::string(doing) +
                  (m_role == role::client ? " on connection to '" + m_hostname + "'"
                                          : " on connection from client");
        if (!m_peer.empty())
            context += " (" + m_peer + ")";
        context += " failed";
    }
    m_state = state::failed;
    try {
        throw_tls_error(m_ssl, ssl_error, context);
    } catch (...) {
        m_error = std::current_exception();
        throw;
    }
}

tls_engine::status tls_engine::handshake() {
    if (m_state == state::failed)
        rethrow_failure();
    if (m_handshake_done)
        return status::ok;
    ERR_clear_error();
    const int r = SSL_do_handshake(m_ssl);
    if (r == 1) {
        m_handshake_done = true;
        m_state = state::open;
        return status::ok;
    }
    const int e = SSL_get_error(m_ssl, r);
    if (e == SSL_ERROR_WANT_READ && !m_input_eof)
        return status::want_input;
    fail(e, "handshake");
}

tls_engine::status tls_engine::read(void* buf, std::size_t n, std::size_t* got) {
    *got = 0;
    if (m_state == state::failed)
        rethrow_failure();
    if (!m_handshake_done)
        config_error("read before the handshake finished");
    if (m_close_received || m_truncated)
        return status::closed;
    if (n == 0)
        return status::ok;
    ERR_clear_error();
    const int r = SSL_read_ex(m_ssl, buf, n, got);
    if (r == 1)
        return status::ok;
    *got = 0;
    const int e = SSL_get_error(m_ssl, r);
    switch (e) {
    case SSL_ERROR_WANT_READ:
        if (!m_input_eof)
            return status::want_input;
        break;
    case SSL_ERROR_ZERO_RETURN:
        m_close_received = true;
        return status::closed;
    case SSL_ERROR_SYSCALL:
    case SSL_ERROR_SSL:
        if (m_input_eof) {
            // OpenSSL 3 reports EOF without close_notify as SSL_R_UNEXPECTED_EOF_WHILE_READING
            // (older versions as SYSCALL with an empty queue). Treated as EOF; see truncated().
            const unsigned long err = ERR_peek_error();
            if (err == 0 || (ERR_GET_LIB(err) == ERR_LIB_SSL &&
                             ERR_GET_REASON(err) == SSL_R_UNEXPECTED_EOF_WHILE_READING)) {
                ERR_clear_error();
                m_truncated = true;
                return status::closed;
            }
        }
        break;
    default:
        break;
    }
    fail(e, "read");
}

std::size_t tls_engine::plaintext_pending() const noexcept {
    return static_cast<std::size_t>(SSL_pending(m_ssl));
}

void tls_engine::write(const void* data, std::size_t n) {
    if (m_state == state::failed)
        rethrow_failure();
    if (!m_handshake_done)
        config_error("write before the handshake finished");
    if (m_close_sent)
        config_error("write after close");
    if (n == 0)
        return;
    ERR_clear_error();
    std::size_t written = 0;
    const int r = SSL_write_ex(m_ssl, data, n, &written);
    if (r == 1 && written == n)
        return;
    fail(SSL_get_error(m_ssl, r), "write");
}

void tls_engine::request_key_update() {
    if (m_state == state::failed)
        rethrow_failure();
    if (!m_handshake_done)
        config_error("key update before the handshake finished");
    ERR_clear_error();
    if (SSL_key_update(m_ssl, SSL_KEY_UPDATE_REQUESTED) != 1) {
        throw_context_error("TLS key update (needs TLS 1.3)");
    }
    // OpenSSL sends the KeyUpdate with the next record write; an empty write forces it out.
    if (SSL_do_handshake(m_ssl) != 1)
        fail(SSL_get_error(m_ssl, 0), "key update");
}

void tls_engine::close() {
    if (m_close_sent || m_state == state::failed)
        return;
    m_close_sent = true;
    // A session whose handshake never finished has nothing to close: OpenSSL refuses
    // SSL_shutdown then, and the transport just closes the socket.
    if (!m_handshake_done)
        return;
    ERR_clear_error();
    SSL_shutdown(m_ssl); // 0: sent, peer's not yet seen; 1: both; < 0: nothing more to do
    ERR_clear_error();
}

std::string_view tls_engine::alpn_protocol() const noexcept {
    const unsigned char* p = nullptr;
    unsigned int len = 0;
    SSL_get0_alpn_selected(m_ssl, &p, &len);
    return p ? std::string_view(reinterpret_cast<const char*>(p), len) : std::string_view();
}

tls_info tls_engine::info() const {
    tls_info i;
    if (!m_handshake_done)
        return i;
    i.version = SSL_get_version(m_ssl);
    if (const char* c = SSL_get_cipher_name(m_ssl))
        i.cipher = c;
    i.alpn_protocol = std::string(alpn_protocol());
    if (const char* sn = SSL_get_servername(m_ssl, TLSEXT_NAMETYPE_host_name))
        i.server_name = sn;
    if (X509* cert = SSL_get0_peer_certificate(m_ssl)) {
        if (BIO* b = BIO_new(BIO_s_mem())) {
            X509_NAME_print_ex(b, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
            char* data = nullptr;
            const long len = BIO_get_mem_data(b, &data);
            if (len > 0)
                i.peer_subject.assign(data, static_cast<std::size_t>(len));
            BIO_free(b);
        }
        i.peer_verified = (SSL_get_verify_mode(m_ssl) & SSL_VERIFY_PEER) != 0 &&
                          SSL_get_verify_result(m_ssl) == X509_V_OK;
    }
    return i;
}

} // namespace aio::net::detail
