// A port that was free a moment ago on 127.0.0.1, for peers that cannot report the port
// they bound (nginx, postgres) or for a port where nothing listens. The kernel hands out
// ephemeral ports in turn, so it is not reused by our own next bind in the meantime.
#pragma once

#include <cstdint>
#include <stdexcept>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace aio_test {

inline std::uint16_t free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        throw std::runtime_error("socket failed");
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    socklen_t len = sizeof a;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
        ::close(fd);
        throw std::runtime_error("bind to 127.0.0.1:0 failed");
    }
    ::close(fd);
    return ntohs(a.sin_port);
}

} // namespace aio_test
