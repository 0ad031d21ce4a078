// aio::net::open_connection / open_unix_connection: connect a stream (asyncio's
// open_connection and open_unix_connection).
#pragma once

#include <aio/core/task.hpp>
#include <aio/net/address.hpp>
#include <aio/net/stream.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace aio::net {

/// Options of open_connection (all optional; designated initializers read well:
/// `{.timeout = 2s, .happy_eyeballs_delay = 250ms}`).
struct connect_options {
    /// Buffer limits of the resulting stream.
    stream_options buffers{};
    /// Bound on the whole connect (resolution and every attempt); 0 means none. On expiry
    /// aio::timeout_error is thrown and nothing is left open.
    std::chrono::milliseconds timeout{0};
    /// Bind the socket to this local address before connecting (asyncio's local_addr).
    std::optional<address> local_address{};
    /// RFC 8305 Happy Eyeballs: when set, the next resolved address is tried this long after
    /// the previous attempt started (or as soon as it failed), attempts race, the first
    /// connection wins and the others are closed. asyncio recommends 250 ms. When unset,
    /// addresses are tried one after the other.
    std::optional<std::chrono::milliseconds> happy_eyeballs_delay{};
    /// Restrict resolution to ipv4 or ipv6.
    address_family family = address_family::unspecified;
    /// TCP_NODELAY on the connection (asyncio's default, too).
    bool nodelay = true;
};

/// Resolves `host` (see aio::net::resolve; numeric hosts skip DNS) and connects to the
/// first address that accepts, trying every resolved address, IPv6 and IPv4 interleaved.
/// Returns the connected stream.
///
/// Throws: aio::net::dns_error (the name does not resolve), connection_refused_error and
/// the other aio::io_error subclasses (when every address failed the same way, that
/// error; otherwise an aio::io_error listing each address's failure), aio::timeout_error
/// (options.timeout). Cancellation closes every socket it opened before throwing.
///
///     auto s = co_await aio::net::open_connection("localhost", 8080, {.timeout = 5s});
[[nodiscard]] task<stream> open_connection(std::string host,
                                           std::uint16_t port,
                                           connect_options options = {});
/// Connects to one known address (IP or Unix-domain).
[[nodiscard]] task<stream> open_connection(address to, connect_options options = {});
/// Connects to the first of `candidates` that accepts, in order (Happy Eyeballs when
/// options.happy_eyeballs_delay is set). Throws as open_connection(host, port).
[[nodiscard]] task<stream> open_connection(std::vector<address> candidates,
                                           connect_options options = {});
/// Connects to a Unix-domain stream socket at `path` ('\0'-prefixed: abstract namespace).
[[nodiscard]] task<stream> open_unix_connection(std::string path, connect_options options = {});

} // namespace aio::net
