// Helpers shared by the net tests.
#pragma once

#include <aio/core.hpp>
#include <aio/net.hpp>

#include <chrono>
#include <cstddef>
#include <dirent.h>
#include <string>
#include <sys/socket.h>
#include <unistd.h>
#include <utility>

namespace aio_test {

/// Open file descriptors of this process (entries of /proc/self/fd, minus the one used to
/// list them).
inline int fd_count() {
    int n = 0;
    if (DIR* d = ::opendir("/proc/self/fd")) {
        while (::readdir(d)) ++n;
        ::closedir(d);
        n -= 3; // ".", ".." and the directory's own fd
    }
    return n;
}

/// Lets the loop run a few turns so that cancellations in flight complete and deferred
/// closes happen; returns once `fd_count() <= target` or after ~1 s.
inline aio::task<int> settle_fds(int target) {
    for (int i = 0; i < 200 && fd_count() > target; ++i) {
        co_await aio::sleep(std::chrono::milliseconds(5));
    }
    co_return fd_count();
}

/// A connected pair of stream sockets as two streams.
inline std::pair<aio::net::stream, aio::net::stream> stream_pair(aio::net::stream_options o = {}) {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0) {
        throw std::runtime_error("socketpair failed");
    }
    return {aio::net::stream::from_fd(sv[0], o), aio::net::stream::from_fd(sv[1], o)};
}

} // namespace aio_test
