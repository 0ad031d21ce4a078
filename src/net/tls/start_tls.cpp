// stream::start_tls and the upgrade used by open_connection / start_server.
//
// The TLS transport is installed *before* the handshake runs, so the stream always has a
// transport: close() or abort() from another task during the handshake reach it through
// cancel_io() like any other call in flight. During the handshake the upgrade holds the
// stream's read and write sides (m_reading / m_writing), so other calls cannot touch the
// connection: a second reader gets invalid_state_error, a writer queues its bytes (sent
// encrypted once the handshake is done), close() waits or aborts.
#include "net/stream_state.hpp"
#include "net/tls/tls_transport.hpp"
#include "net/tls/upgrade.hpp"

#include <aio/core/event_loop.hpp>
#include <aio/core/timeout.hpp>
#include <aio/net/address.hpp>

#include <sys/socket.h>

namespace aio::net {

namespace detail {

namespace {

/// "host:port" of the peer, for error messages; "" when unknown (a Unix socket pair).
std::string peer_label(int fd) {
    if (fd < 0)
        return {};
    address a;
    socklen_t len = address::capacity;
    if (::getpeername(fd, static_cast<sockaddr*>(a.data()), &len) != 0)
        return {};
    a.set_size(len);
    if (!a.is_ip())
        return {};
    try {
        return a.to_string();
    } catch (...) {
        return {};
    }
}

} // namespace

tls_transport* tls_of(const stream_state* s) noexcept {
    return s && s->m_t ? dynamic_cast<tls_transport*>(s->m_t.get()) : nullptr;
}

task<void> upgrade_to_tls(state_ref ref, tls_context ctx, std::string server_hostname) {
    stream_state* s = ref.get();
    const char* const fn = "aio::net::stream::start_tls: ";
    if (s->m_closing || !s->m_t) {
        throw invalid_state_error(std::string(fn) + "the stream is closed");
    }
    if (s->m_reading) {
        throw invalid_state_error(std::string(fn) + "another task is reading from the stream");
    }
    if (tls_of(s))
        throw invalid_state_error(std::string(fn) + "the stream already speaks TLS");
    while (s->m_writing || !s->m_pending.empty()) {
        // Plaintext queued before the upgrade goes out in plaintext first.
        if (s->m_write_error)
            std::rethrow_exception(s->m_write_error);
        if (s->m_closing)
            throw invalid_state_error(std::string(fn) + "the stream was closed");
        co_await s->m_changed.wait();
    }
    if (s->m_write_error)
        std::rethrow_exception(s->m_write_error);
    if (s->m_closing || !s->m_t) {
        throw invalid_state_error(std::string(fn) + "the stream is closed");
    }
    if (s->m_reading) {
        throw invalid_state_error(std::string(fn) + "another task is reading from the stream");
    }

    const auto role = ctx.is_client() ? tls_engine::role::client : tls_engine::role::server;
    // Configuration errors (no server_hostname, a server context without certificate)
    // throw here, before the connection is touched.
    auto tls = std::make_unique<tls_transport>(ctx, role, std::move(server_hostname),
                                               peer_label(s->m_t->native_handle()));
    tls_transport* t = tls.get();
    const std::string early = s->take_buffered();
    tls->attach(s->exchange_transport(nullptr), early);
    s->exchange_transport(std::move(tls));

    s->m_reading = true;
    s->m_writing = true;
    std::exception_ptr failure;
    try {
        co_await t->handshake();
    } catch (...) {
        failure = std::current_exception();
    }
    s->m_reading = false;
    s->m_writing = false;
    if (failure || s->m_aborted) {
        // The byte stream is in an unknown TLS state: nothing can be read or written on it.
        s->abort(); // releases the transport (and the fd) now: no call is in flight
        if (!failure) {
            failure = std::make_exception_ptr(invalid_state_error(
                std::string(fn) + "the stream was closed during the TLS handshake"));
        }
        std::rethrow_exception(failure);
    }
    if (!s->m_pending.empty()) {
        s->m_writing = true; // writes queued during the handshake: send them, encrypted
        s->start_flusher();
    }
    s->changed();
}

task<void> tls_connect(state_ref ref,
                       tls_context ctx,
                       std::string server_hostname,
                       std::chrono::milliseconds limit) {
    if (!ctx.is_client()) {
        throw invalid_argument_error("aio::net::open_connection: connect_options::tls must be a "
                                     "client context (tls_context::client())");
    }
    if (limit.count() <= 0) {
        co_await upgrade_to_tls(std::move(ref), std::move(ctx), std::move(server_hostname));
        co_return;
    }
    const std::string name = server_hostname;
    bool timed_out = false;
    try {
        co_await aio::timeout(
            limit, upgrade_to_tls(std::move(ref), std::move(ctx), std::move(server_hostname)));
    } catch (const timeout_error&) {
        timed_out = true;
    }
    if (timed_out) {
        throw timeout_error("aio::net::open_connection: the TLS handshake with '" + name +
                            "' did not finish within " + std::to_string(limit.count()) +
                            " ms (tls_handshake_timeout)");
    }
}

task<bool>
tls_accept(state_ref ref, tls_context ctx, std::chrono::milliseconds limit, std::string peer) {
    std::string failure;
    try {
        if (limit.count() > 0) {
            // Arguments spelled out: GCC 12 miscompiles a braced `{}` argument of a
            // coroutine call nested in another call's arguments (garbage parameters).
            std::string no_name;
            co_await aio::timeout(
                limit, upgrade_to_tls(std::move(ref), std::move(ctx), std::move(no_name)));
        } else {
            co_await upgrade_to_tls(std::move(ref), std::move(ctx), std::string());
        }
        co_return true;
    } catch (const timeout_error&) {
        failure = "TLS handshake with client " + peer + " did not finish within " +
                  std::to_string(limit.count()) + " ms";
    } catch (const cancelled_error&) {
        throw;
    } catch (const std::exception& e) {
        failure = e.what();
    }
    // A peer's failed handshake (a scanner, a client that refuses our certificate) is not
    // an error of the server; asyncio logs it only in debug mode, and so do we.
    if (aio::detail::t_loop && aio::detail::t_loop->debug()) {
        get_running_loop().report("aio::net::server: " + failure);
    }
    co_return false;
}

} // namespace detail

task<void> stream::start_tls(tls_context ctx, std::string server_hostname) {
    if (!m_s) {
        throw invalid_state_error(
            "aio::net::stream::start_tls: empty stream (default-constructed or moved from)");
    }
    return detail::upgrade_to_tls(detail::state_ref(state()), std::move(ctx),
                                  std::move(server_hostname));
}

std::optional<tls_info> stream::tls() const {
    if (const auto* t = detail::tls_of(state())) {
        if (t->engine().handshake_done())
            return t->engine().info();
    }
    return std::nullopt;
}

} // namespace aio::net
