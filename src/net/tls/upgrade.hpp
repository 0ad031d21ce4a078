// Upgrading a stream to TLS: shared by stream::start_tls, open_connection and start_server.
#pragma once

#include "net/stream_state.hpp"

#include <aio/core/task.hpp>
#include <aio/net/tls.hpp>

#include <chrono>
#include <string>
#include <utility>

namespace aio::net::detail {

class tls_transport;

/// Runs the TLS handshake on `s` (role from the context) and installs the TLS transport.
/// On failure or cancellation the stream is aborted (its fd released) and the error
/// rethrown. See stream::start_tls.
task<void> upgrade_to_tls(state_ref ref, tls_context ctx, std::string server_hostname);

/// open_connection's TLS step: upgrade_to_tls as the client, bounded by `limit` (0: none;
/// expiry throws timeout_error naming the handshake). Throws tls_error when TLS is not
/// built in.
task<void> tls_connect(state_ref ref,
                       tls_context ctx,
                       std::string server_hostname,
                       std::chrono::milliseconds limit);

/// start_server's TLS step: upgrade_to_tls as the server, bounded by `limit`. Returns false
/// when the handshake failed or timed out: the stream is then aborted, and the failure is
/// reported (naming `peer`) only in debug mode. Cancellation propagates.
task<bool>
tls_accept(state_ref ref, tls_context ctx, std::chrono::milliseconds limit, std::string peer);

/// The stream's TLS transport, or null for a plain stream.
tls_transport* tls_of(const stream_state* s) noexcept;

} // namespace aio::net::detail
