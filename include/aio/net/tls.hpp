// aio::net::tls_context and aio::net::tls_error: TLS configuration (Python's ssl.SSLContext).
//
// A tls_context is configured once, then handed to open_connection / start_server /
// stream::start_tls. Verification is on by default: a client context checks the peer's
// certificate chain against the system trust store and the certificate's names against the
// server_hostname of the connection. The OpenSSL objects stay behind the pimpl, so this
// header includes no OpenSSL header.
#pragma once

#include <aio/core/error.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace aio::net {

/// A TLS failure: a handshake that failed (certificate refused, no common protocol, peer
/// alert, garbage on the wire), a broken record later on, or a context that could not be
/// configured (unreadable certificate, key that does not match).
///
/// what() names the connection and the failing check, e.g.
/// "TLS handshake with 'example.org' failed: certificate verify failed: hostname mismatch
/// (certificate is not valid for 'example.org')". reason() is the check alone
/// ("certificate verify failed: hostname mismatch").
class tls_error : public error {
  public:
    tls_error(const std::string& what, std::string reason, long verify_result = 0)
        : error(what), m_reason(std::move(reason)), m_verify_result(verify_result) {}
    /// The failing check without the connection context.
    const std::string& reason() const noexcept { return m_reason; }
    /// The X.509 verification result (OpenSSL's X509_V_ERR_* value) when the failure is a
    /// refused certificate, else 0.
    long verify_result() const noexcept { return m_verify_result; }
    /// True when the peer's certificate was refused by verification.
    bool is_certificate_error() const noexcept { return m_verify_result != 0; }

  private:
    std::string m_reason;
    long m_verify_result;
};

/// Lowest protocol version a context accepts.
enum class tls_version { tls1_2, tls1_3 };

namespace detail {
struct tls_context_impl;
}

/// TLS configuration shared by any number of connections (Python's ssl.SSLContext).
///
/// Copies share the same configuration (a reference-counted handle). Configure it on one
/// thread before the first connection uses it; after that it is read-only and may be used
/// by connections on any thread. Changing it while connections use it affects only
/// connections started later.
///
/// Defaults, for both kinds: TLS 1.2 minimum, OpenSSL's default cipher suites, no
/// renegotiation, no compression.
///
/// ```cpp
/// auto ctx = aio::net::tls_context::client();            // system CAs, hostname check on
/// ctx.set_alpn_protocols({"h2", "http/1.1"});
/// auto s = co_await aio::net::open_connection("example.org", 443, {.tls = ctx});
///
/// auto srv_ctx = aio::net::tls_context::server("cert.pem", "key.pem");
/// auto srv = co_await aio::net::start_server(handler, "127.0.0.1", 0, {.tls = srv_ctx});
/// ```
class tls_context {
  public:
    /// A client context (Python's ssl.create_default_context()): the peer's certificate
    /// must chain to a CA of the system trust store (add more with load_verify_locations)
    /// and match the server_hostname of the connection. Throws tls_error when OpenSSL
    /// cannot create the context.
    static tls_context client();

    /// A server context presenting `certfile` (PEM; the chain may follow the leaf) with
    /// its private key `keyfile` (PEM; "" when the key is in certfile). Clients are not
    /// asked for a certificate unless require_client_certificate() is called. Throws
    /// tls_error naming the file when a file cannot be read or the key does not match.
    static tls_context server(const std::string& certfile, const std::string& keyfile = "");

    /// A server context without a certificate yet: call load_cert_chain before use.
    static tls_context server();

    /// True for a context made by client().
    bool is_client() const noexcept;

    /// Trusts the CA certificates in `cafile` (PEM, "" for none) and/or the hashed
    /// directory `capath` ("" for none), in addition to the system store (Python's
    /// load_verify_locations). Throws tls_error naming the path when it cannot be loaded.
    void load_verify_locations(const std::string& cafile, const std::string& capath = "");

    /// Forgets the system trust store: only CAs added by load_verify_locations are trusted
    /// afterwards. Useful for a private PKI.
    void clear_default_verify_paths();

    /// Sets this side's certificate chain and private key (PEM files; keyfile "" when the
    /// key is in certfile). Servers need one; a client uses it for client-certificate
    /// authentication. Throws tls_error naming the file on a read error or key mismatch.
    void load_cert_chain(const std::string& certfile, const std::string& keyfile = "");

    /// Offers (client) or accepts (server) these ALPN protocol names, most preferred first,
    /// e.g. {"h2", "http/1.1"}. A server picks its most preferred protocol that the client
    /// offers; if the client offers ALPN and none matches, the server refuses the handshake
    /// (RFC 7301 no_application_protocol). Throws tls_error on an empty or over-long name.
    void set_alpn_protocols(const std::vector<std::string>& protocols);
    const std::vector<std::string>& alpn_protocols() const noexcept;

    /// Client only: whether the certificate's names must match the connection's
    /// server_hostname (on by default; Python's check_hostname). The chain is still
    /// verified when this is off.
    void set_check_hostname(bool on);
    bool check_hostname() const noexcept;

    /// Turns off ALL verification of the peer's certificate (chain and hostname): the
    /// connection is encrypted but the peer is not authenticated, so anybody on the path
    /// can impersonate it. For tests and debugging only.
    void insecure_disable_verification();
    /// True unless insecure_disable_verification() was called.
    bool verifies_peer() const noexcept;

    /// Server only: asks clients for a certificate and refuses the handshake unless one is
    /// sent that chains to the trusted CAs (mutual TLS).
    void require_client_certificate(bool on = true);

    /// Sets the lowest protocol version accepted (default tls1_2).
    void set_minimum_version(tls_version v);

    /// Server only: presents `ctx`'s certificate (and ALPN list) to clients whose SNI names
    /// `server_name` (exact, case-insensitive), and this context's to any other client.
    /// `ctx` must be a server context with a certificate; throws tls_error otherwise.
    void add_sni_context(const std::string& server_name, const tls_context& ctx);

    /// Internal: the shared implementation (OpenSSL objects).
    const std::shared_ptr<detail::tls_context_impl>& impl() const noexcept { return m_impl; }

  private:
    explicit tls_context(std::shared_ptr<detail::tls_context_impl> impl)
        : m_impl(std::move(impl)) {}
    std::shared_ptr<detail::tls_context_impl> m_impl;
};

/// A non-owning reference to a tls_context, as held by connect_options::tls and
/// server_options::tls: `{.tls = ctx}` converts implicitly.
///
/// Why not a tls_context: GCC 12 destroys an aggregate temporary that has a member with a
/// non-trivial destructor twice when it appears in a co_await expression, so
/// `co_await open_connection(host, port, {.tls = ctx})` would double-free the context's
/// reference. Options structs therefore hold only trivially destructible members. The
/// referenced context must outlive the call that receives the options; it does whenever
/// the call is co_awaited in the same expression (temporaries live until its end), so
/// `{.tls = tls_context::client()}` is fine there. The call copies the context it needs.
class tls_context_ref {
  public:
    constexpr tls_context_ref() noexcept = default;
    constexpr tls_context_ref(const tls_context& ctx) noexcept : m_ctx(&ctx) {}
    constexpr explicit operator bool() const noexcept { return m_ctx != nullptr; }
    constexpr const tls_context& operator*() const noexcept { return *m_ctx; }
    constexpr const tls_context* operator->() const noexcept { return m_ctx; }
    constexpr const tls_context* get() const noexcept { return m_ctx; }

  private:
    const tls_context* m_ctx = nullptr;
};

/// What a finished handshake negotiated (stream::tls()).
struct tls_info {
    std::string version;        ///< "TLSv1.3", "TLSv1.2"
    std::string cipher;         ///< e.g. "TLS_AES_256_GCM_SHA384"
    std::string alpn_protocol;  ///< negotiated ALPN protocol, "" if none
    std::string server_name;    ///< SNI: sent (client) or received (server), "" if none
    std::string peer_subject;   ///< peer certificate's subject (RFC 2253), "" if none
    bool peer_verified = false; ///< the peer presented a certificate that was verified
};

} // namespace aio::net
