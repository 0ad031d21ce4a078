// aio::net::server, start_server, start_unix_server (asyncio.start_server).
#pragma once

#include <aio/core/task.hpp>
#include <aio/net/address.hpp>
#include <aio/net/stream.hpp>
#include <aio/net/tls.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <type_traits>
#include <vector>

namespace aio::net {

namespace detail {
class server_state;
}

/// Called once per accepted connection, in a task of its own.
using connection_handler = std::function<task<void>(stream)>;

/// Options of start_server.
struct server_options {
    /// Buffer limits of each connection's stream.
    stream_options buffers{};
    /// listen() backlog (asyncio: 100).
    int backlog = 100;
    /// SO_REUSEADDR (restart a server while old connections linger in TIME_WAIT).
    bool reuse_address = true;
    /// SO_REUSEPORT (several servers share one port).
    bool reuse_port = false;
    /// TCP_NODELAY on accepted connections.
    bool nodelay = true;
    /// How long to pause accepting after a resource error such as EMFILE (too many open
    /// files): the error is reported through the loop's exception handler and accepting
    /// resumes after this delay (asyncio pauses 1 s).
    std::chrono::milliseconds accept_retry_delay{100};
    /// At most this many connections at once (0: no limit). At the limit the server stops
    /// accepting until a handler finishes, so further clients wait in the kernel's backlog
    /// (backpressure) instead of being accepted and starved. A limit makes io_uring accept
    /// one connection at a time instead of with a multishot accept, which cannot be paused.
    std::size_t max_connections = 0;
    /// TLS (asyncio's ssl=): every accepted connection runs the TLS handshake with this
    /// server context before the handler is called, and the handler gets a TLS stream.
    /// A connection whose handshake fails or times out is closed without reaching the
    /// handler (reported only in debug mode, as asyncio does: peers' mistakes are not the
    /// server's errors). start_server keeps a copy of the context (see tls_context_ref for
    /// why the option itself only refers to it). See docs/guide/tls.md.
    tls_context_ref tls{};
    /// Bound on each connection's TLS handshake (asyncio's ssl_handshake_timeout, 60 s);
    /// 0 means none.
    std::chrono::milliseconds tls_handshake_timeout{60000};
};
// GCC 12 double-destroys aggregate temporaries in co_await expressions when a member has a
// non-trivial destructor (see tls_context_ref): keep every member trivially destructible.
static_assert(std::is_trivially_destructible_v<server_options>);

/// A listening server. Accepting starts in start_server; each accepted connection runs
/// `handler(stream)` as its own task. A handler's exception is reported through the loop's
/// exception handler (event_loop::set_exception_handler) and never stops the server;
/// errors of accept() are reported and retried, never fatal.
///
/// Move-only. Destroying it closes it (stops listening); handlers still running go on
/// until they finish (or the loop ends). Loop thread only.
///
///     auto srv = co_await aio::net::start_server(
///         [](aio::net::stream s) -> aio::task<> { co_await s.write(co_await s.read_line()); },
///         "127.0.0.1", 0);
///     auto port = srv.port();
///     ...
///     srv.close();
///     co_await srv.wait_closed();
class server {
  public:
    server() noexcept = default;
    server(server&& o) noexcept;
    server& operator=(server&& o) noexcept;
    server(const server&) = delete;
    server& operator=(const server&) = delete;
    ~server();

    /// The port of the first listening socket (what port 0 was bound to). 0 for Unix.
    std::uint16_t port() const noexcept;
    /// The bound addresses of every listening socket.
    std::vector<address> addresses() const;
    /// True until close().
    bool is_serving() const noexcept;
    /// Number of connection handlers still running.
    std::size_t active_connections() const noexcept;

    /// Waits until the server is closed (by close() from another task); if the waiting
    /// task is cancelled, closes the server and throws cancelled_error (asyncio).
    [[nodiscard]] task<void> serve_forever();
    /// Stops accepting: the listening sockets are closed (after their pending accepts are
    /// cancelled, within a loop turn). Running handlers are not interrupted. Idempotent.
    void close() noexcept;
    /// Cancels every running connection handler (asyncio's abort_clients).
    void abort_clients() noexcept;
    /// Waits until the listening sockets are closed and every handler has finished.
    [[nodiscard]] task<void> wait_closed();

    explicit operator bool() const noexcept { return m_s != nullptr; }
    explicit server(detail::server_state* s) noexcept : m_s(s) {}

  private:
    detail::server_state* m_s = nullptr;
};

/// Listens on `host`:`port` (port 0: the kernel picks; see server::port()). `host` is
/// resolved and every address it yields is bound ("localhost" -> 127.0.0.1 and ::1 if
/// both are listed); "" binds every interface (0.0.0.0 and ::). Throws aio::io_error
/// (address in use, permission denied, ...) naming the address, aio::net::dns_error.
[[nodiscard]] task<server> start_server(connection_handler handler,
                                        std::string host,
                                        std::uint16_t port,
                                        server_options options = {});
/// Listens on a Unix-domain socket at `path`. A stale socket file there is replaced; the
/// file is removed when the server closes.
[[nodiscard]] task<server>
start_unix_server(connection_handler handler, std::string path, server_options options = {});

} // namespace aio::net
