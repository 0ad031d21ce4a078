// The order in which open_connection tries a host's addresses.
#pragma once

#include <aio/net/address.hpp>

#include <vector>

namespace aio::net::detail {

/// RFC 8305 section 4 ordering: alternates address families, starting with the family of
/// the first address resolved, keeping each family's own order ([v6a, v6b, v4a] ->
/// [v6a, v4a, v6b]).
std::vector<address> interleave(const std::vector<address>& in);

} // namespace aio::net::detail
