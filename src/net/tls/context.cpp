// aio::net::tls_context: an SSL_CTX plus the settings applied per connection.
#include "net/tls/context_impl.hpp"
#include "net/tls/errors.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include <openssl/err.h>
#include <openssl/x509.h>
#include <strings.h>

namespace aio::net {

namespace detail {
namespace {

/// Server side of ALPN: the server's most preferred protocol the client offers, else a
/// fatal no_application_protocol alert (RFC 7301 section 3.2).
int select_alpn(SSL*,
                const unsigned char** out,
                unsigned char* outlen,
                const unsigned char* in,
                unsigned int inlen,
                void* arg) {
    auto* impl = static_cast<tls_context_impl*>(arg);
    const std::string& ours = impl->m_alpn_wire;
    for (std::size_t i = 0; i < ours.size(); i += 1 + static_cast<unsigned char>(ours[i])) {
        const auto len = static_cast<unsigned char>(ours[i]);
        for (unsigned int j = 0; j < inlen; j += 1u + in[j]) {
            if (in[j] == len && j + 1 + len <= inlen &&
                std::memcmp(in + j + 1, ours.data() + i + 1, len) == 0) {
                *out = in + j + 1;
                *outlen = len;
                return SSL_TLSEXT_ERR_OK;
            }
        }
    }
    return SSL_TLSEXT_ERR_ALERT_FATAL;
}

/// Server side of SNI: switches the connection to the context registered for the name.
int select_sni(SSL* ssl, int*, void* arg) {
    auto* impl = static_cast<tls_context_impl*>(arg);
    const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    if (!name)
        return SSL_TLSEXT_ERR_OK;
    for (auto& [n, other] : impl->m_sni) {
        if (::strcasecmp(n.c_str(), name) == 0) {
            SSL_set_SSL_CTX(ssl, other->m_ctx);
            break;
        }
    }
    return SSL_TLSEXT_ERR_OK;
}

std::shared_ptr<tls_context_impl> make_impl(bool client) {
    ERR_clear_error();
    SSL_CTX* ctx = SSL_CTX_new(client ? TLS_client_method() : TLS_server_method());
    if (!ctx) {
        throw_context_error(client ? "cannot create TLS client context"
                                   : "cannot create TLS server context");
    }
    auto impl = std::make_shared<tls_context_impl>(ctx, client);
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION |
                                 SSL_OP_CIPHER_SERVER_PREFERENCE);
    // Memory BIOs take any amount of output, so writes are never partial; but the plaintext
    // buffer handed to SSL_write may move between retries (it is the caller's string).
    SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    if (!client) {
        SSL_CTX_set_tlsext_servername_callback(ctx, &select_sni);
        SSL_CTX_set_tlsext_servername_arg(ctx, impl.get());
    }
    impl->rebuild_store();
    impl->apply_verify_mode();
    return impl;
}

/// The certificates of the system CA bundle file ($SSL_CERT_FILE, else OpenSSL's default),
/// parsed once per process and shared by reference by every context's trust store: parsing
/// the bundle costs ~25 ms, too much to pay per context. Immutable once built (the static's
/// initialisation is thread-safe), so contexts on any thread may read it.
const std::vector<X509*>& system_bundle() {
    // Deliberately never destroyed (a static's destructor could run after OpenSSL's own
    // cleanup at exit); it stays reachable, so leak checkers do not report it.
    static const std::vector<X509*>* certs = new std::vector<X509*>([] {
        std::vector<X509*> out;
        const char* file = std::getenv(X509_get_default_cert_file_env());
        if (!file)
            file = X509_get_default_cert_file();
        X509_STORE* tmp = X509_STORE_new();
        if (!tmp)
            return out;
        if (file && X509_STORE_load_file(tmp, file) == 1) {
            STACK_OF(X509_OBJECT)* objs = X509_STORE_get0_objects(tmp);
            for (int i = 0; i < sk_X509_OBJECT_num(objs); ++i) {
                X509* x = X509_OBJECT_get0_X509(sk_X509_OBJECT_value(objs, i));
                if (x && X509_up_ref(x) == 1)
                    out.push_back(x);
            }
        }
        X509_STORE_free(tmp);
        ERR_clear_error(); // a missing bundle is not an error: the hashed directory may do
        return out;
    }());
    return *certs;
}

/// The system trust store: the hashed CA directory (read lazily, per issuer) plus the
/// certificates of the CA bundle file.
bool load_system_store(SSL_CTX* ctx) {
    if (SSL_CTX_set_default_verify_dir(ctx) != 1)
        return false;
    X509_STORE* store = SSL_CTX_get_cert_store(ctx);
    for (X509* x : system_bundle()) {
        if (X509_STORE_add_cert(store, x) != 1)
            return false; // takes its own reference
    }
    return true;
}

/// Fails with "cannot open '<path>': <strerror>" before OpenSSL produces a vaguer message.
void check_readable(const std::string& path, std::string_view what) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) {
        const int e = errno;
        std::string reason =
            "cannot open " + std::string(what) + " '" + path + "': " + std::strerror(e);
        throw tls_error("TLS context: " + reason, reason);
    }
    std::fclose(f);
}

} // namespace

void tls_context_impl::rebuild_store() {
    X509_STORE* store = X509_STORE_new();
    if (!store)
        throw_context_error("TLS context: cannot create the trust store");
    SSL_CTX_set_cert_store(m_ctx, store); // frees the previous store
    ERR_clear_error();
    if (m_use_default_paths && !load_system_store(m_ctx)) {
        throw_context_error("TLS context: cannot load the system trust store");
    }
    for (auto& [file, path] : m_locations) {
        if (SSL_CTX_load_verify_locations(m_ctx, file.empty() ? nullptr : file.c_str(),
                                          path.empty() ? nullptr : path.c_str()) != 1) {
            throw_context_error("TLS context: cannot load CA locations '" + file + "' '" + path +
                                "'");
        }
    }
}

void tls_context_impl::apply_verify_mode() {
    int mode = SSL_VERIFY_NONE;
    if (m_client) {
        if (m_verify)
            mode = SSL_VERIFY_PEER;
    } else if (m_require_client_cert) {
        mode = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    }
    SSL_CTX_set_verify(m_ctx, mode, nullptr);
}

} // namespace detail

tls_context tls_context::client() {
    return tls_context(detail::make_impl(true));
}

tls_context tls_context::server() {
    return tls_context(detail::make_impl(false));
}

tls_context tls_context::server(const std::string& certfile, const std::string& keyfile) {
    tls_context ctx(detail::make_impl(false));
    ctx.load_cert_chain(certfile, keyfile);
    return ctx;
}

bool tls_context::is_client() const noexcept {
    return m_impl->m_client;
}

void tls_context::load_verify_locations(const std::string& cafile, const std::string& capath) {
    if (cafile.empty() && capath.empty()) {
        throw tls_error("load_verify_locations: both cafile and capath are empty",
                        "no CA location given");
    }
    if (!cafile.empty())
        detail::check_readable(cafile, "CA file");
    ERR_clear_error();
    if (SSL_CTX_load_verify_locations(m_impl->m_ctx, cafile.empty() ? nullptr : cafile.c_str(),
                                      capath.empty() ? nullptr : capath.c_str()) != 1) {
        detail::throw_context_error("load_verify_locations: cannot load CA certificates from '" +
                                    (cafile.empty() ? capath : cafile) + "'");
    }
    m_impl->m_locations.emplace_back(cafile, capath);
}

void tls_context::clear_default_verify_paths() {
    m_impl->m_use_default_paths = false;
    m_impl->rebuild_store();
}

void tls_context::load_cert_chain(const std::string& certfile, const std::string& keyfile) {
    const std::string& key = keyfile.empty() ? certfile : keyfile;
    detail::check_readable(certfile, "certificate file");
    detail::check_readable(key, "key file");
    SSL_CTX* ctx = m_impl->m_ctx;
    ERR_clear_error();
    if (SSL_CTX_use_certificate_chain_file(ctx, certfile.c_str()) != 1) {
        detail::throw_context_error("load_cert_chain: cannot use certificate file '" + certfile +
                                    "'");
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, key.c_str(), SSL_FILETYPE_PEM) != 1) {
        if (ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH) {
            detail::throw_context_error("load_cert_chain: private key '" + key +
                                        "' does not match certificate '" + certfile + "'");
        }
        detail::throw_context_error("load_cert_chain: cannot use private key file '" + key + "'");
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
        detail::throw_context_error("load_cert_chain: private key '" + key +
                                    "' does not match certificate '" + certfile + "'");
    }
    m_impl->m_has_cert = true;
}

void tls_context::set_alpn_protocols(const std::vector<std::string>& protocols) {
    std::string wire;
    for (const auto& p : protocols) {
        if (p.empty() || p.size() > 255) {
            std::string reason = "ALPN protocol name must be 1 to 255 bytes, got " +
                                 std::to_string(p.size()) + " ('" + p + "')";
            throw tls_error("set_alpn_protocols: " + reason, reason);
        }
        wire += static_cast<char>(p.size());
        wire += p;
    }
    m_impl->m_alpn = protocols;
    m_impl->m_alpn_wire = std::move(wire);
    SSL_CTX* ctx = m_impl->m_ctx;
    if (m_impl->m_client) {
        // Note: unlike most OpenSSL calls, 0 means success here.
        if (SSL_CTX_set_alpn_protos(
                ctx, reinterpret_cast<const unsigned char*>(m_impl->m_alpn_wire.data()),
                static_cast<unsigned int>(m_impl->m_alpn_wire.size())) != 0) {
            detail::throw_context_error("set_alpn_protocols");
        }
    } else if (protocols.empty()) {
        SSL_CTX_set_alpn_select_cb(ctx, nullptr, nullptr);
    } else {
        SSL_CTX_set_alpn_select_cb(ctx, &detail::select_alpn, m_impl.get());
    }
}

const std::vector<std::string>& tls_context::alpn_protocols() const noexcept {
    return m_impl->m_alpn;
}

void tls_context::set_check_hostname(bool on) {
    m_impl->m_check_hostname = on;
}

bool tls_context::check_hostname() const noexcept {
    return m_impl->m_check_hostname && m_impl->m_verify;
}

void tls_context::insecure_disable_verification() {
    m_impl->m_verify = false;
    m_impl->m_check_hostname = false;
    m_impl->apply_verify_mode();
}

bool tls_context::verifies_peer() const noexcept {
    return m_impl->m_verify;
}

void tls_context::require_client_certificate(bool on) {
    if (m_impl->m_client) {
        throw tls_error(
            "require_client_certificate: only a server context asks for client certificates",
            "not a server context");
    }
    m_impl->m_require_client_cert = on;
    m_impl->apply_verify_mode();
}

void tls_context::set_minimum_version(tls_version v) {
    SSL_CTX_set_min_proto_version(m_impl->m_ctx,
                                  v == tls_version::tls1_3 ? TLS1_3_VERSION : TLS1_2_VERSION);
}

void tls_context::add_sni_context(const std::string& server_name, const tls_context& ctx) {
    if (m_impl->m_client || ctx.m_impl->m_client) {
        throw tls_error("add_sni_context: SNI certificates are chosen by a server context",
                        "not a server context");
    }
    if (!ctx.m_impl->m_has_cert) {
        throw tls_error("add_sni_context: the context for '" + server_name + "' has no certificate",
                        "no certificate");
    }
    if (ctx.m_impl == m_impl) {
        throw tls_error("add_sni_context: a context cannot be its own SNI alternative",
                        "context refers to itself");
    }
    m_impl->m_sni.emplace_back(server_name, ctx.m_impl);
}

} // namespace aio::net
