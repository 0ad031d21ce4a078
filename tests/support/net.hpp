// Helpers shared by the net tests.
#pragma once

#include "io/sys.hpp"
#include "support/helpers.hpp"

#include <aio/core.hpp>
#include <aio/net.hpp>

#include <chrono>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <utility>

#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace aio_test {

/// Installs a fault plan (src/io/sys.hpp) for a scope. A plan with error 0 and no
/// max_bytes changes nothing and counts the calls: `times` goes down by one per call.
struct fault_scope {
    aio::detail::sys::fault_plan plan;
    explicit fault_scope(aio::detail::sys::fault_plan p) : plan(p) {
        aio::detail::sys::g_fault = &plan;
    }
    ~fault_scope() { aio::detail::sys::g_fault = nullptr; }
    fault_scope(const fault_scope&) = delete;
    fault_scope& operator=(const fault_scope&) = delete;
};

/// Open descriptors of this process (one count for the whole suite: aio_test::open_fds).
inline int fd_count() {
    return aio_test::open_fds();
}

/// Lets the loop run a few turns so that cancellations in flight complete and deferred
/// closes happen; returns once `fd_count() <= target` or after ~1 s.
inline aio::task<int> settle_fds(int target) {
    for (int i = 0; i < 200 && fd_count() > target; ++i) {
        co_await aio::sleep(std::chrono::milliseconds(5));
    }
    co_return fd_count();
}

/// True if a socket can be bound to [::1].
inline bool has_ipv6_loopback() {
    const int fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_addr = in6addr_loopback;
    const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    return ok;
}

/// A connected pair of stream sockets as two streams.
inline std::pair<aio::net::stream, aio::net::stream> stream_pair(aio::net::stream_options o = {}) {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0) {
        throw std::runtime_error("socketpair failed");
    }
    return {aio::net::stream::from_fd(sv[0], o), aio::net::stream::from_fd(sv[1], o)};
}

/// A connected pair of TCP sockets on 127.0.0.1: {client fd, server-side fd} (blocking).
inline std::pair<int, int> tcp_pair_fds() {
    const int lfd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    const int cfd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int sfd = -1;
    if (lfd >= 0 && cfd >= 0 && ::bind(lfd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
        ::listen(lfd, 1) == 0 && ::getsockname(lfd, reinterpret_cast<sockaddr*>(&a), &len) == 0 &&
        ::connect(cfd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
        sfd = ::accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
    }
    if (lfd >= 0)
        ::close(lfd);
    if (sfd < 0) {
        if (cfd >= 0)
            ::close(cfd);
        throw std::runtime_error("tcp_pair: could not connect over 127.0.0.1");
    }
    return {cfd, sfd};
}

/// A connected pair of TCP sockets on 127.0.0.1 (client, server side) as two streams.
inline std::pair<aio::net::stream, aio::net::stream> tcp_pair() {
    auto [cfd, sfd] = tcp_pair_fds();
    return {aio::net::stream::from_fd(cfd), aio::net::stream::from_fd(sfd)};
}

} // namespace aio_test
