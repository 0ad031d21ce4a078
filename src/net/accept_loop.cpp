// The accept loops of aio::net::server: one task per listening socket takes connections
// (from one multishot accept on io_uring: accept_feed.hpp; else one accept at a time),
// starts a handler task per connection, and backs off on resource errors (EMFILE,
// ENFILE, ENOBUFS, ENOMEM) for accept_retry_delay. See server.cpp for the design.
#include "net/accept_feed.hpp"
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

namespace aio::net::detail {

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
        // At the connection limit: take no connection until a handler ends (its guard wakes
        // `changed`); clients queue in the listen backlog meanwhile.
        const std::size_t max = s->m_opts.max_connections;
        if (max != 0 && s->m_active >= max) {
            try {
                co_await s->changed.wait();
            } catch (const cancelled_error&) {
                break;
            }
            continue;
        }
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
    // A multishot accept keeps taking connections: with a connection limit, accept one by
    // one so the limit can pause accepting.
    if (loop_backend().multishot_accept() && s->m_opts.max_connections == 0)
        done = co_await accept_multishot(s, lfd, where);
    if (!done)
        co_await accept_one_by_one(s, lfd, where);
}

} // namespace

void start_accepting(server_state* s) {
    for (std::size_t i = 0; i < s->m_listeners.size(); ++i) {
        s->add_ref();
        ++s->m_accepting;
        auto h = create_task(accept_loop(accept_guard(s, i)));
        s->m_listeners[i].task = h.get();
    }
}

} // namespace aio::net::detail
