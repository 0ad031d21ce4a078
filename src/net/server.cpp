// aio::net::server.
//
// Design: a reference-counted server_state is shared by the server object, one accept
// task per listening socket and one task per connection handler, so whichever ends last
// frees it. Each accept task takes connections from one multishot accept operation on
// io_uring (accept_feed.hpp), or makes one accept per connection (epoll; io_uring before
// Linux 5.19). close() cancels the accept tasks; each closes its listening socket once its
// accept operation has ended. Accept errors are
// reported through the loop's report() and never end the loop; resource errors (EMFILE,
// ENFILE, ENOBUFS, ENOMEM) pause accepting for accept_retry_delay first.
#include "net/primitives.hpp"
#include "net/server_state.hpp"
#include "net/tls/upgrade.hpp"

#include <aio/core/event_loop.hpp>
#include <aio/core/sleep.hpp>
#include <aio/core/task_handle.hpp>
#include <aio/net/resolve.hpp>
#include <aio/net/server.hpp>

#include <cstring>
#include <optional>
#include <unordered_map>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

namespace aio::net {

namespace detail {

namespace {

void listen_on(server_state* s, const address& a, const char* who) {
    const int family = static_cast<const sockaddr*>(a.data())->sa_family;
    unique_fd fd = open_socket(family, SOCK_STREAM, who);
    const int one = 1;
    if (family != AF_UNIX) {
        if (s->m_opts.reuse_address) {
            ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        }
        if (s->m_opts.reuse_port &&
            ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0) {
            throw_io_error(errno, std::string(who) + ": SO_REUSEPORT");
        }
        if (family == AF_INET6)
            ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    }
    if (::bind(fd.get(), static_cast<const sockaddr*>(a.data()), static_cast<socklen_t>(a.size())) <
        0) {
        throw_io_error(errno, std::string(who) + ": bind to " + a.to_string());
    }
    if (::listen(fd.get(), s->m_opts.backlog) < 0) {
        throw_io_error(errno, std::string(who) + ": listen on " + a.to_string());
    }
    const address bound = family == AF_UNIX ? a : socket_address(fd.get(), false).value_or(a);
    s->m_listeners.push_back({std::move(fd), bound, nullptr});
}

void check_options(const server_options& o,
                   const std::optional<tls_context>& tls,
                   const char* who) {
    if (o.backlog <= 0 || o.accept_retry_delay.count() < 0) {
        throw invalid_argument_error(std::string(who) +
                                     ": backlog must be > 0 and accept_retry_delay >= 0");
    }
    if (tls && tls->is_client()) {
        throw invalid_argument_error(std::string(who) +
                                     ": server_options::tls must be a server context "
                                     "(tls_context::server(cert, key)), not a client context");
    }
}

} // namespace
} // namespace detail

server::server(server&& o) noexcept : m_s(std::exchange(o.m_s, nullptr)) {}
server& server::operator=(server&& o) noexcept {
    if (this != &o) {
        server old(std::move(*this));
        m_s = std::exchange(o.m_s, nullptr);
    }
    return *this;
}
server::~server() {
    if (m_s) {
        m_s->close();
        m_s->release();
    }
}

std::uint16_t server::port() const noexcept {
    return m_s && !m_s->m_listeners.empty() ? m_s->m_listeners.front().addr.port() : 0;
}
std::vector<address> server::addresses() const {
    std::vector<address> out;
    if (m_s) {
        for (const auto& l : m_s->m_listeners)
            out.push_back(l.addr);
    }
    return out;
}
bool server::is_serving() const noexcept {
    return m_s && !m_s->m_closed;
}
std::size_t server::active_connections() const noexcept {
    return m_s ? m_s->m_active : 0;
}

void server::close() noexcept {
    if (m_s)
        m_s->close();
}

void server::abort_clients() noexcept {
    if (!m_s)
        return;
    // cancel() only sets a flag or starts an asynchronous cancellation: the map does not
    // change under the loop.
    for (auto& [id, task] : m_s->m_clients)
        task->cancel();
}

namespace {
task<void> serve_until_closed(detail::server_state* s) {
    s->add_ref();
    struct unref {
        detail::server_state* s;
        ~unref() { s->release(); }
    } u{s};
    try {
        while (!s->m_closed)
            co_await s->changed.wait();
    } catch (const cancelled_error&) {
        s->close(); // asyncio: cancelling serve_forever closes the server
        throw;
    }
}
task<void> wait_until_closed(detail::server_state* s) {
    s->add_ref();
    struct unref {
        detail::server_state* s;
        ~unref() { s->release(); }
    } u{s};
    while (!s->m_closed || s->m_accepting > 0 || s->m_active > 0)
        co_await s->changed.wait();
}
detail::server_state* checked_state(detail::server_state* s, const char* fn) {
    if (!s) {
        throw invalid_state_error(std::string("aio::net::server::") + fn +
                                  ": empty server (default-constructed or moved from)");
    }
    return s;
}
} // namespace

task<void> server::serve_forever() {
    return serve_until_closed(checked_state(m_s, "serve_forever"));
}
task<void> server::wait_closed() {
    return wait_until_closed(checked_state(m_s, "wait_closed"));
}

namespace detail {
namespace {

task<server> start_tcp_server(connection_handler handler,
                              std::string host,
                              std::uint16_t port,
                              server_options options,
                              std::optional<tls_context> tls) {
    constexpr const char* who = "aio::net::start_server";
    detail::check_options(options, tls, who);
    if (!handler)
        throw invalid_argument_error(std::string(who) + ": the handler is empty");
    std::vector<address> addrs;
    if (host.empty()) {
        addrs.push_back(address::parse("0.0.0.0", port));
        addrs.push_back(address::parse("::", port));
    } else {
        addrs = co_await resolve(host, port);
    }
    auto* s = new detail::server_state(std::move(handler), options, std::move(tls), true);
    server srv(s);
    for (const address& a : addrs) {
        try {
            detail::listen_on(s, a, who);
        } catch (const io_error& e) {
            // "" asks for every interface: a host without IPv6 still serves IPv4.
            if (!(host.empty() && a.family() == address_family::ipv6 &&
                  e.code() == std::errc::address_family_not_supported)) {
                throw;
            }
        }
    }
    detail::start_accepting(s);
    co_return srv;
}

task<server> start_unix(connection_handler handler,
                        std::string path,
                        server_options options,
                        std::optional<tls_context> tls) {
    constexpr const char* who = "aio::net::start_unix_server";
    detail::check_options(options, tls, who);
    if (!handler)
        throw invalid_argument_error(std::string(who) + ": the handler is empty");
    const address a = address::unix_domain(path);
    detail::socket_file::remove_stale(path);
    auto* s = new detail::server_state(std::move(handler), options, std::move(tls), false);
    server srv(s);
    detail::listen_on(s, a, who);
    s->m_unix_file.remember(path);
    detail::start_accepting(s);
    co_return srv;
}

/// The server's own copy of the context that server_options::tls refers to.
std::optional<tls_context> take_tls(server_options& o) {
    std::optional<tls_context> tls;
    if (o.tls)
        tls = *o.tls;
    return tls;
}

} // namespace
} // namespace detail

// Not coroutines: they copy the TLS context server_options refers to while the caller's
// arguments are certainly alive (see tls_context_ref), then start the coroutine.

task<server> start_server(connection_handler handler,
                          std::string host,
                          std::uint16_t port,
                          server_options options) {
    std::optional<tls_context> tls = detail::take_tls(options);
    return detail::start_tcp_server(std::move(handler), std::move(host), port, options,
                                    std::move(tls));
}

task<server>
start_unix_server(connection_handler handler, std::string path, server_options options) {
    std::optional<tls_context> tls = detail::take_tls(options);
    return detail::start_unix(std::move(handler), std::move(path), options, std::move(tls));
}

} // namespace aio::net
