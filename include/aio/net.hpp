// The net layer: streams, TCP/UDP/Unix sockets, servers, DNS. See docs/guide/net.md.
#pragma once

#include <aio/net/address.hpp>
#include <aio/net/connection.hpp>
#include <aio/net/datagram.hpp>
#include <aio/net/errors.hpp>
#include <aio/net/resolve.hpp>
#include <aio/net/server.hpp>
#include <aio/net/stream.hpp>
