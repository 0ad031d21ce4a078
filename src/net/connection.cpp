// open_connection: resolve, then connect sequentially or with Happy Eyeballs (RFC 8305).
#include "net/connect_order.hpp"
#include "net/primitives.hpp"
#include "net/stream_state.hpp"
#include "net/tls/upgrade.hpp"

#include <aio/core/task_group.hpp>
#include <aio/core/timeout.hpp>
#include <aio/net/connection.hpp>
#include <aio/net/resolve.hpp>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

namespace aio::net {

namespace detail {

std::vector<address> interleave(const std::vector<address>& in) {
    if (in.empty())
        return in;
    std::vector<address> first, other;
    for (const auto& a : in)
        (a.family() == in.front().family() ? first : other).push_back(a);
    std::vector<address> out;
    for (std::size_t i = 0; i < std::max(first.size(), other.size()); ++i) {
        if (i < first.size())
            out.push_back(first[i]);
        if (i < other.size())
            out.push_back(other[i]);
    }
    return out;
}

namespace {

int af(const address& a) noexcept {
    return static_cast<const sockaddr*>(a.data())->sa_family;
}

task<unique_fd> connect_one(address to, std::optional<address> local) {
    unique_fd fd = open_socket(af(to), SOCK_STREAM, "aio::net::open_connection");
    if (local) {
        if (af(*local) != af(to)) {
            throw invalid_argument_error("aio::net::open_connection: local address " +
                                         local->to_string() + " is not of the family of " +
                                         to.to_string());
        }
        if (::bind(fd.get(), static_cast<const sockaddr*>(local->data()),
                   static_cast<socklen_t>(local->size())) < 0) {
            throw_io_error(errno, "aio::net::open_connection: bind to " + local->to_string());
        }
    }
    op_awaiter op(op_kind::connect, fd.get());
    op.m_addr = static_cast<sockaddr*>(to.data());
    op.m_addrlen = static_cast<socklen_t>(to.size());
    const int r = co_await op;
    if (op.cancel_requested())
        throw cancelled_error(); // the socket closes with `fd`
    if (r < 0)
        throw_io_error(-r, "aio::net::open_connection: connect to " + to.to_string());
    co_return fd;
}

/// One error for a failed connect: the shared error if every address failed alike, else an
/// io_error listing them.
[[noreturn]] void throw_connect_failure(const std::vector<std::exception_ptr>& errors,
                                        const std::string& target) {
    if (errors.empty()) {
        throw io_error(std::make_error_code(std::errc::host_unreachable),
                       "aio::net::open_connection: no address to connect to for " + target);
    }
    std::error_code first;
    bool same = true;
    std::string all;
    for (const auto& e : errors) {
        try {
            std::rethrow_exception(e);
        } catch (const io_error& x) {
            if (!first) {
                first = x.code();
            } else if (x.code() != first) {
                same = false;
            }
            all += all.empty() ? "" : "; ";
            all += x.what();
        } catch (...) {
            std::rethrow_exception(e);
        }
    }
    if (same || errors.size() == 1)
        std::rethrow_exception(errors.front());
    throw io_error(first,
                   "aio::net::open_connection: cannot connect to " + target + " [" + all + "]");
}

task<unique_fd>
connect_sequential(std::vector<address> addrs, std::optional<address> local, std::string target) {
    std::vector<std::exception_ptr> errors;
    for (const address& a : addrs) {
        try {
            co_return co_await connect_one(a, local);
        } catch (const io_error&) {
            errors.push_back(std::current_exception());
        }
    }
    throw_connect_failure(errors, target);
}

struct race {
    unique_fd winner;
    std::vector<std::exception_ptr> errors;
    std::size_t finished = 0;
    broadcast_list changed;
};

task<void> attempt(race* r, address to, std::optional<address> local) {
    try {
        unique_fd fd = co_await connect_one(to, local);
        if (!r->winner)
            r->winner = std::move(fd); // a later winner's socket just closes
    } catch (const cancelled_error&) {
    } catch (...) {
        r->errors.push_back(std::current_exception());
    }
    ++r->finished;
    r->changed.wake_all();
}

task<unique_fd> connect_staggered(std::vector<address> addrs,
                                  std::optional<address> local,
                                  std::chrono::milliseconds delay,
                                  std::string target) {
    race r;
    task_group group;
    std::size_t started = 0;
    const std::size_t n = addrs.size();
    std::exception_ptr failure;
    try {
        while (!r.winner && r.finished < n) {
            if (started < n && r.finished == started) {
                // Nothing in flight (start, or every attempt so far failed): next one now.
                group.spawn(attempt(&r, addrs[started++], local));
                continue;
            }
            if (started < n) {
                bool expired = false;
                try {
                    co_await wait_for(r.changed.wait(), delay);
                } catch (const timeout_error&) {
                    expired = true;
                }
                if (expired && !r.winner)
                    group.spawn(attempt(&r, addrs[started++], local));
            } else {
                co_await r.changed.wait();
            }
        }
    } catch (...) {
        failure = std::current_exception();
    }
    // Losers (and everything, on failure) are cancelled and awaited: their sockets close.
    group.cancel();
    try {
        co_await group.join();
    } catch (...) {
    }
    if (failure)
        std::rethrow_exception(failure);
    if (r.winner)
        co_return std::move(r.winner);
    throw_connect_failure(r.errors, target);
}

/// The TLS settings of a call, owned: taken out of connect_options (which only refers to
/// the context, see tls_context_ref) by the public, non-coroutine open_connection
/// functions while the caller's arguments are certainly alive, so that a task started
/// later (create_task) does not depend on them.
struct tls_params {
    std::optional<tls_context> ctx;
    std::string server_hostname;
    std::chrono::milliseconds handshake_timeout{0};
};

tls_params take_tls(connect_options& o) {
    tls_params p;
    if (o.tls) {
        p.ctx = *o.tls;
        p.server_hostname = std::string(o.server_hostname);
        p.handshake_timeout = o.tls_handshake_timeout;
    }
    o.tls = {}; // the reference is not to be used after the call expression
    o.server_hostname = {};
    return p;
}

/// The TLS step of open_connection. `host` names the peer unless a server_hostname was
/// given (the host passed to open_connection, or the address's IP).
task<stream> maybe_tls(stream s, tls_params tls, std::string host) {
    if (!tls.ctx)
        co_return s;
    // No ?: here: GCC 12 destroys the temporaries of a conditional expression twice in a
    // coroutine.
    if (!tls.server_hostname.empty())
        host = std::move(tls.server_hostname);
    co_await tls_connect(state_ref(s.state()), std::move(*tls.ctx), std::move(host),
                         tls.handshake_timeout);
    co_return s;
}

stream make_stream(unique_fd fd, const connect_options& o, bool tcp) {
    if (tcp && o.nodelay) {
        const int one = 1;
        ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    return stream::from_fd(fd.release(), o.buffers);
}

task<stream> connect_list(std::vector<address> addrs, connect_options o, std::string target) {
    bool ip = true;
    for (const auto& a : addrs) {
        if (a.family() == address_family::unspecified) {
            throw invalid_argument_error("aio::net::open_connection: unspecified address");
        }
        ip = ip && a.is_ip();
    }
    // No co_await inside ?: : GCC 12 mishandles temporaries there (double destruction).
    unique_fd fd;
    if (o.happy_eyeballs_delay && addrs.size() > 1) {
        fd = co_await connect_staggered(std::move(addrs), o.local_address, *o.happy_eyeballs_delay,
                                        target);
    } else {
        fd = co_await connect_sequential(std::move(addrs), o.local_address, target);
    }
    co_return make_stream(std::move(fd), o, ip);
}

task<stream> connect_list_tls(std::vector<address> addrs,
                              connect_options o,
                              std::string target,
                              tls_params tls) {
    stream s = co_await connect_list(std::move(addrs), o, std::move(target));
    co_return co_await maybe_tls(std::move(s), std::move(tls), std::string());
}

task<stream> connect_host(std::string host, std::uint16_t port, connect_options o, tls_params tls) {
    std::vector<address> addrs = interleave(co_await resolve(host, port, o.family));
    std::string target = host;
    target.append(":").append(std::to_string(port));
    stream s = co_await connect_list(std::move(addrs), o, std::move(target));
    co_return co_await maybe_tls(std::move(s), std::move(tls), std::move(host));
}

task<stream> connect_address(address to, connect_options o, tls_params tls) {
    if (to.family() == address_family::unspecified) {
        throw invalid_argument_error("aio::net::open_connection: unspecified address");
    }
    unique_fd fd = co_await connect_one(to, o.local_address);
    stream s = make_stream(std::move(fd), o, to.is_ip());
    std::string name;
    if (to.is_ip())
        name = to.host();
    co_return co_await maybe_tls(std::move(s), std::move(tls), std::move(name));
}

task<stream> open_host(std::string host, std::uint16_t port, connect_options o, tls_params tls) {
    if (o.timeout.count() > 0) {
        const auto t = o.timeout;
        co_return co_await aio::timeout(t, connect_host(std::move(host), port, o, std::move(tls)));
    }
    co_return co_await connect_host(std::move(host), port, o, std::move(tls));
}

task<stream> open_address(address to, connect_options o, tls_params tls) {
    if (o.timeout.count() > 0) {
        const auto t = o.timeout;
        co_return co_await aio::timeout(t, connect_address(to, o, std::move(tls)));
    }
    co_return co_await connect_address(to, o, std::move(tls));
}

task<stream> open_list(std::vector<address> candidates, connect_options o, tls_params tls) {
    std::string target = "[";
    for (const auto& a : candidates)
        target.append(target.size() > 1 ? ", " : "").append(a.to_string());
    target += "]";
    if (o.timeout.count() > 0) {
        const auto t = o.timeout;
        co_return co_await aio::timeout(
            t, connect_list_tls(std::move(candidates), o, std::move(target), std::move(tls)));
    }
    co_return co_await connect_list_tls(std::move(candidates), o, std::move(target),
                                        std::move(tls));
}

} // namespace
} // namespace detail

// The public functions are not coroutines: they take what connect_options refers to
// (the TLS context) while the caller's arguments are alive, then start the coroutine.

task<stream> open_connection(std::string host, std::uint16_t port, connect_options options) {
    detail::tls_params tls = detail::take_tls(options);
    return detail::open_host(std::move(host), port, options, std::move(tls));
}

task<stream> open_connection(address to, connect_options options) {
    detail::tls_params tls = detail::take_tls(options);
    return detail::open_address(to, options, std::move(tls));
}

task<stream> open_connection(std::vector<address> candidates, connect_options options) {
    detail::tls_params tls = detail::take_tls(options);
    return detail::open_list(std::move(candidates), options, std::move(tls));
}

task<stream> open_unix_connection(std::string path, connect_options options) {
    return open_connection(address::unix_domain(path), options);
}

} // namespace aio::net
