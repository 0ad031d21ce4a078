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
#include "net/accept_feed.hpp"
#include "net/primitives.hpp"
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

class server_state {
  public:
    struct listener {
        unique_fd fd;
        address addr;
        aio::detail::promise_base* task = nullptr;
    };

    server_state(connection_handler h, server_options o, std::optional<tls_context> tls, bool tcp)
        : m_handler(std::move(h)), m_opts(o), m_tls(std::move(tls)), m_tcp(tcp) {
        m_opts.tls = {}; // only referred to the caller's context; m_tls is the server's copy
    }

    void add_ref() noexcept { ++m_refs; }
    void release() noexcept {
        if (--m_refs == 0)
            delete this;
    }

    void close() noexcept {
        if (m_closed)
            return;
        m_closed = true;
        for (auto& l : m_listeners) {
            if (l.task)
                l.task->cancel();
        }
        changed.wake_all();
    }
    void unlink_unix_path() noexcept {
        if (m_unix_path.empty())
            return;
        struct stat st {};
        // Only remove the file if it is still the socket we created.
        if (::stat(m_unix_path.c_str(), &st) == 0 && st.st_ino == m_unix_ino &&
            st.st_dev == m_unix_dev) {
            ::unlink(m_unix_path.c_str());
        }
        m_unix_path.clear();
    }

    connection_handler m_handler;
    server_options m_opts;
    std::optional<tls_context> m_tls; // TLS for every connection (server_options::tls)
    bool m_tcp;
    std::vector<listener> m_listeners;
    std::size_t m_accepting = 0;
    std::size_t m_active = 0;
    /// Handler tasks by connection number, from the accept on (so abort_clients() also
    /// reaches a handler that has not run its first step yet).
    std::unordered_map<std::uint64_t, aio::detail::promise_base*> m_clients;
    std::uint64_t m_next_client = 0;
    unsigned m_refs = 1;
    bool m_closed = false;
    std::string m_unix_path;
    ino_t m_unix_ino = 0;
    dev_t m_unix_dev = 0;
    broadcast_list changed;
};

namespace {

bool is_resource_error(int e) noexcept {
    return e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM;
}

bool is_transient_accept_error(int e) noexcept {
    // The connection died in the backlog, or a signal: just accept the next one.
    return e == ECONNABORTED || e == EINTR || e == EAGAIN || e == EPROTO || e == EPERM ||
           e == ENETDOWN || e == ENOPROTOOPT || e == EHOSTDOWN || e == ENONET ||
           e == EHOSTUNREACH || e == EOPNOTSUPP || e == ENETUNREACH;
}

/// Ends a handler's bookkeeping when its frame goes, also if it never ran.
struct client_guard {
    server_state* m_s;
    std::uint64_t m_id;
    client_guard(server_state* s, std::uint64_t id) noexcept : m_s(s), m_id(id) {
        m_s->add_ref();
        ++m_s->m_active; // counted from the accept on, so wait_closed() sees it
    }
    client_guard(client_guard&& o) noexcept : m_s(std::exchange(o.m_s, nullptr)), m_id(o.m_id) {}
    ~client_guard() {
        if (!m_s)
            return;
        m_s->m_clients.erase(m_id);
        --m_s->m_active;
        m_s->changed.wake_all();
        m_s->release();
    }
};

task<void> run_handler(client_guard g, unique_fd fd, address peer) {
    server_state* s = g.m_s;
    try {
        if (s->m_tcp && s->m_opts.nodelay) {
            const int one = 1;
            ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        }
        stream conn = stream::from_fd(fd.release(), s->m_opts.buffers);
        if (s->m_tls) {
            // Not inside the if's condition: GCC 12 mishandles temporaries of a co_await
            // in a short-circuit expression.
            const bool ok = co_await tls_accept(state_ref(conn.state()), *s->m_tls,
                                                s->m_opts.tls_handshake_timeout, peer.to_string());
            if (!ok)
                co_return; // failed: the stream is aborted, the handler never sees it
        }
        co_await s->m_handler(std::move(conn));
    } catch (const cancelled_error&) {
        // abort_clients() or the loop's shutdown.
    } catch (const std::exception& e) {
        get_running_loop().report("aio::net::server: connection handler for " + peer.to_string() +
                                  " failed: " + e.what());
    } catch (...) {
        get_running_loop().report("aio::net::server: connection handler for " + peer.to_string() +
                                  " failed with a non-standard exception");
    }
}

/// Runs the handler of an accepted connection as its own task.
void start_handler(server_state* s, unique_fd fd, const address& peer) {
    const std::uint64_t id = ++s->m_next_client;
    auto h = create_task(run_handler(client_guard(s, id), std::move(fd), peer));
    s->m_clients.emplace(id, h.get());
}

struct accept_guard {
    server_state* m_s;
    std::size_t m_index;
    accept_guard(server_state* s, std::size_t i) noexcept : m_s(s), m_index(i) {}
    accept_guard(accept_guard&& o) noexcept
        : m_s(std::exchange(o.m_s, nullptr)), m_index(o.m_index) {}
    ~accept_guard() {
        if (!m_s)
            return;
        auto& l = m_s->m_listeners[m_index];
        l.task = nullptr;
        l.fd.reset(); // no accept is in flight any more
        if (--m_s->m_accepting == 0)
            m_s->unlink_unix_path();
        m_s->changed.wake_all();
        m_s->release();
    }
};

/// Reports an accept error and pauses accepting; false when cancelled meanwhile.
task<bool> back_off(server_state* s, const std::string& where, int err) {
    const auto delay = s->m_opts.accept_retry_delay;
    get_running_loop().report("aio::net::server: accept on " + where +
                              " failed: " + std::strerror(err) +
                              (is_resource_error(err) ? " (out of a system resource)" : "") +
                              "; retrying in " + std::to_string(delay.count()) + " ms");
    try {
        co_await sleep(delay);
    } catch (const cancelled_error&) {
        co_return false;
    }
    co_return true;
}

/// Accepts with one single-shot operation per connection (the epoll backend, or io_uring
/// on kernels without multishot accept). Returns when the server closes.
task<void> accept_one_by_one(server_state* s, int lfd, const std::string& where) {
    while (!s->m_closed) {
        address peer;
        op_awaiter op(op_kind::accept, lfd);
        op.m_addr = static_cast<sockaddr*>(peer.data());
        op.m_addrlen = static_cast<socklen_t>(address::capacity);
        const int r = co_await op;
        if (r >= 0) {
            unique_fd fd(r);
            if (op.cancel_requested() || s->m_closed)
                break; // closing: drop it
            peer.set_size(op.m_addrlen);
            start_handler(s, std::move(fd), peer);
            continue;
        }
        if (op.cancel_requested() || s->m_closed)
            break;
        if (is_transient_accept_error(-r))
            continue;
        // Not inside the if's condition: GCC 12 mishandles temporaries of a co_await in a
        // short-circuit expression.
        const bool resumed = co_await back_off(s, where, -r);
        if (!resumed)
            break;
    }
}

/// Accepts through one multishot operation (io_uring), re-armed when an error ends it.
/// Returns false if the kernel lacks multishot accept (then nothing was accepted).
task<bool> accept_multishot(server_state* s, int lfd, const std::string& where) {
    accept_feed feed(lfd);
    bool fed = false;
    std::exception_ptr failure;
    try {
        while (!s->m_closed) {
            if (const int fd = feed.take(); fd >= 0) {
                fed = true;
                unique_fd owned(fd);
                // Multishot accept reports no peer: ask (unspecified if already gone).
                start_handler(s, std::move(owned), socket_address(fd, true).value_or(address{}));
                continue;
            }
            if (const int r = feed.take_error()) {
                if (r == -EINVAL && !fed) {
                    loop_backend().disable_multishot_accept();
                    co_return false; // Linux < 5.19: the caller accepts one by one
                }
                // -ECANCELED that we did not ask for: the kernel (5.19-6.x) ends a multishot
                // accept that way when it cannot post a completion. Re-arm at once.
                if (is_transient_accept_error(-r) || r == -ECANCELED)
                    continue;
                const bool resumed = co_await back_off(s, where, -r); // (not in a condition)
                if (!resumed)
                    break;
                continue;
            }
            try {
                co_await feed.next();
            } catch (const cancelled_error&) {
                break; // next() has ended the operation
            }
        }
    } catch (...) {
        failure = std::current_exception();
    }
    // The operation completes into this frame: it must have ended before the frame goes.
    if (feed.armed())
        co_await feed.drain();
    if (failure)
        std::rethrow_exception(failure);
    co_return true;
}

task<void> accept_loop(accept_guard g) {
    server_state* s = g.m_s;
    const int lfd = s->m_listeners[g.m_index].fd.get();
    const std::string where = s->m_listeners[g.m_index].addr.to_string();
    bool done = false;
    if (loop_backend().multishot_accept())
        done = co_await accept_multishot(s, lfd, where);
    if (!done)
        co_await accept_one_by_one(s, lfd, where);
}

void start_accepting(server_state* s) {
    for (std::size_t i = 0; i < s->m_listeners.size(); ++i) {
        s->add_ref();
        ++s->m_accepting;
        auto h = create_task(accept_loop(accept_guard(s, i)));
        s->m_listeners[i].task = h.get();
    }
}

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
    struct stat st {};
    if (path.front() != '\0' && ::stat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) {
        ::unlink(path.c_str()); // a stale socket from an earlier run
    }
    auto* s = new detail::server_state(std::move(handler), options, std::move(tls), false);
    server srv(s);
    detail::listen_on(s, a, who);
    if (path.front() != '\0' && ::stat(path.c_str(), &st) == 0) {
        s->m_unix_path = path;
        s->m_unix_ino = st.st_ino;
        s->m_unix_dev = st.st_dev;
    }
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
