// tls_transport: TLS over another transport (see net/transport.hpp for the contract).
//
// Design
// * It wraps the stream's previous transport (`inner`, normally an fd_transport) and a
//   tls_engine. The stream above keeps its buffering and backpressure; this class only
//   turns plaintext calls into ciphertext I/O on `inner`.
// * Ciphertext out: the engine's records are moved to m_out and written to `inner` by
//   flush(). Only one task may use inner's write side at a time (the transport contract),
//   but both the writer (records of write_some) and the reader (post-handshake records,
//   e.g. a TLS 1.3 KeyUpdate answer) produce output, so every flush runs under m_write_lock.
//   A flush sends everything pending, also records another task queued meanwhile.
// * Ciphertext in: only read_some (and the handshake, before the stream is used) read from
//   `inner`. What arrives is fed to the engine at once, so a cancelled read loses nothing:
//   a record that is only partly there stays inside the engine for the next call.
// * Cancellation: write_some returns normally once its plaintext was encrypted, even if
//   the task is cancelled while the records are being sent (they stay in m_out and go out
//   first on the next flush); the next suspension of the task throws. cancel_io() forwards
//   to `inner` and makes loops that would start another inner operation stop with
//   io_error(operation_canceled).
// * close(): close_notify (best effort, unless the handshake failed), then inner->close(),
//   which releases the fd even if the close_notify could not be sent.
#pragma once

#include "net/tls/engine.hpp"
#include "net/transport.hpp"

#include <aio/net/tls.hpp>
#include <aio/sync/lock.hpp>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace aio::net::detail {

class tls_transport final : public transport {
  public:
    /// A session on `ctx`; throws tls_error on bad configuration (before any transport is
    /// handed over, so a failure leaves the connection untouched). attach() the transport
    /// to wrap before any other call.
    tls_transport(const tls_context& ctx,
                  tls_engine::role role,
                  std::string server_hostname,
                  std::string peer);
    ~tls_transport() override;

    /// Wraps `inner`. `initial` is ciphertext already read from it (start_tls on a stream
    /// with buffered bytes: the peer's first handshake flight may be among them).
    void attach(std::unique_ptr<transport> inner, std::string_view initial = {});

    /// Runs the handshake over `inner`. Throws tls_error (after sending the fatal alert,
    /// best effort), the inner transport's io_error, or cancelled_error. The transport is
    /// unusable after a failure; the caller releases it (destroying it closes the fd).
    task<void> handshake();

    task<std::size_t> read_some(std::span<std::byte> buf) override;
    task<std::size_t> write_some(std::span<const std::byte> buf) override;
    /// Sends close_notify (the peer reads a clean EOF); reading continues.
    task<void> shutdown() override;
    task<void> close() override;
    void cancel_io() noexcept override;
    int native_handle() const noexcept override;

    const tls_engine& engine() const noexcept { return m_engine; }
    tls_engine& engine() noexcept { return m_engine; }

  private:
    /// Sends m_out and whatever the engine has pending. Caller holds m_write_lock.
    task<void> flush();
    /// Reads once from `inner` into the engine; false at EOF.
    task<bool> fill(unsigned epoch);
    void check_epoch(unsigned epoch) const;

    std::unique_ptr<transport> m_inner;
    tls_engine m_engine;
    std::string m_out; // records being sent: [m_out_pos, size) is still unsent
    std::size_t m_out_pos = 0;
    std::unique_ptr<std::byte[]> m_in; // ciphertext read buffer
    aio::lock m_write_lock;
    unsigned m_cancel_epoch = 0; // bumped by cancel_io()
};

} // namespace aio::net::detail
