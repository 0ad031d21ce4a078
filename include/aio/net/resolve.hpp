// aio::net::resolve: asynchronous name resolution (c-ares), honouring /etc/hosts.
#pragma once

#include <aio/core/task.hpp>
#include <aio/net/address.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace aio::net {

/// Resolves `host` to the addresses to try for `port`, in the order to try them (RFC 6724
/// sorted, IPv6 and IPv4). /etc/hosts is read first, then DNS (lookup order "fb").
/// Numeric hosts ("127.0.0.1", "::1", "[::1]") return at once without any lookup. Names
/// under ".invalid" fail at once (RFC 6761). `family` restricts the answer to ipv4 or ipv6.
///
/// Throws aio::net::dns_error naming the host (code() in dns_category(): not found, server
/// failure, timeout, ...), aio::net::invalid_argument_error for an empty host. Cancellable:
/// the query and its sockets are torn down before cancelled_error is thrown. Loop thread
/// only; each call uses its own c-ares channel, so no state outlives it.
///
///     auto addrs = co_await aio::net::resolve("localhost", 8080); // [127.0.0.1:8080, ...]
[[nodiscard]] task<std::vector<address>> resolve(std::string host,
                                                 std::uint16_t port,
                                                 address_family family = address_family::unspecified);

} // namespace aio::net
