// tls_engine: one TLS session as a pure state machine over memory buffers.
//
// Design
// * The engine does no I/O. It has a ciphertext side (feed() what the socket delivered,
//   take_output() what must be sent) and a plaintext side (read()/write()). A transport
//   moves bytes between the socket and the engine; tests connect two engines in memory.
// * Both sides are OpenSSL memory BIOs: the input BIO holds ciphertext not yet consumed,
//   the output BIO holds records not yet sent. Output grows without bound, so a write
//   always encrypts all of its data; the transport bounds it by flushing before the next
//   write (the stream's backpressure).
// * Every call that may produce output (handshake, read, write, close) can leave records
//   in the output BIO: the transport flushes after each call, also when the call threw
//   (a fatal alert tells the peer why the handshake failed).
// * States: handshaking -> open -> (close_notify sent and/or received) ; any -> failed.
//   After a failure every call throws the same tls_error again.
// * EOF of the transport without close_notify: during the handshake it is a tls_error
//   ("connection closed by peer"); after it, read() reports it as a plain EOF
//   (like Python's suppress_ragged_eofs) and truncated() tells it apart.
// Single-threaded: the owner serialises calls (one loop thread).
#pragma once

#include <aio/net/tls.hpp>

#include <cstddef>
#include <exception>
#include <memory>
#include <string>
#include <string_view>

typedef struct ssl_st SSL;
typedef struct bio_st BIO;

namespace aio::net::detail {

struct tls_context_impl;

class tls_engine {
  public:
    enum class role : unsigned char { client, server };
    /// Outcome of a handshake step or a read.
    enum class status : unsigned char {
        ok,         ///< handshake finished / data was read
        want_input, ///< needs more ciphertext: feed() then call again
        closed,     ///< read: the peer ended the session (close_notify or EOF)
    };

    /// A session on `ctx`. For a client, `server_hostname` is sent as SNI (unless it is an
    /// IP address) and checked against the certificate when the context checks hostnames;
    /// it must not be empty then. `peer` names the connection in error messages
    /// (e.g. "127.0.0.1:443"). Throws tls_error on bad configuration.
    tls_engine(const tls_context& ctx, role r, std::string server_hostname, std::string peer = {});
    ~tls_engine();
    tls_engine(const tls_engine&) = delete;
    tls_engine& operator=(const tls_engine&) = delete;

    // ---- ciphertext side ----
    /// Hands ciphertext received from the peer to the engine.
    void feed(const void* data, std::size_t n);
    /// The transport reached EOF: no more ciphertext will come.
    void feed_eof() noexcept;
    bool input_eof() const noexcept { return m_input_eof; }
    /// Bytes of ciphertext waiting to be sent.
    std::size_t output_pending() const noexcept;
    /// Moves up to `n` bytes of pending ciphertext to `buf`; returns the count.
    std::size_t take_output(void* buf, std::size_t n) noexcept;
    /// Appends all pending ciphertext to `out`.
    void take_output(std::string& out);

    // ---- handshake ----
    /// Advances the handshake. ok once it is complete (flush the output then);
    /// want_input when it needs the peer's next flight. Throws tls_error on failure.
    status handshake();
    bool handshake_done() const noexcept { return m_handshake_done; }

    // ---- plaintext side ----
    /// Decrypts up to `n` bytes into `buf`. ok with *got > 0; want_input when a full record
    /// is not there yet; closed at the end of the session (*got == 0). Throws tls_error on a
    /// corrupt record or a fatal alert. Requires a finished handshake.
    status read(void* buf, std::size_t n, std::size_t* got);
    /// Plaintext already decrypted and buffered inside the engine.
    std::size_t plaintext_pending() const noexcept;
    /// Encrypts all of `data` into the output. Throws tls_error when the session is not
    /// open for writing (handshake unfinished, close() called, failed).
    void write(const void* data, std::size_t n);
    void write(std::string_view s) { write(s.data(), s.size()); }
    /// TLS 1.3: queues a KeyUpdate that also asks the peer to update its keys (long-lived
    /// connections rotate keys this way). The peer's answer is produced while it reads.
    /// Throws tls_error before the handshake or on TLS 1.2.
    void request_key_update();
    /// Queues a close_notify alert (idempotent). Writing is impossible afterwards; reading
    /// still works until the peer's close_notify.
    void close();

    // ---- state ----
    bool close_sent() const noexcept { return m_close_sent; }
    bool close_received() const noexcept { return m_close_received; }
    /// The session ended by transport EOF without the peer's close_notify.
    bool truncated() const noexcept { return m_truncated; }
    bool failed() const noexcept { return m_state == state::failed; }
    /// What the handshake negotiated (meaningful once handshake() returned ok).
    tls_info info() const;
    /// The negotiated ALPN protocol, "" if none.
    std::string_view alpn_protocol() const noexcept;
    const std::string& server_hostname() const noexcept { return m_hostname; }

  private:
    enum class state : unsigned char { handshaking, open, failed };
    [[noreturn]] void fail(int ssl_error, std::string_view doing);
    [[noreturn]] void rethrow_failure() const;

    std::shared_ptr<tls_context_impl> m_ctx; // keeps the SSL_CTX alive
    SSL* m_ssl = nullptr;
    BIO* m_in = nullptr;  // owned by m_ssl
    BIO* m_out = nullptr; // owned by m_ssl
    std::string m_hostname;
    std::string m_peer;
    std::exception_ptr m_error;
    role m_role;
    state m_state = state::handshaking;
    bool m_handshake_done = false;
    bool m_input_eof = false;
    bool m_close_sent = false;
    bool m_close_received = false;
    bool m_truncated = false;
};

} // namespace aio::net::detail
