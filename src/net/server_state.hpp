// The shared state of aio::net::server (see server.cpp for the design): the server object,
// one accept task per listening socket and one task per connection handler share it.
// Private to the net layer.
#pragma once

#include "net/primitives.hpp"
#include "net/socket_file.hpp"

#include <aio/net/server.hpp>

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

namespace aio::net::detail {

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
    void unlink_unix_path() noexcept { m_unix_file.remove(); }

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
    socket_file m_unix_file; // the Unix socket file we bound, removed on close
    broadcast_list changed;
};

/// Starts one accept task per listening socket (accept_loop.cpp).
void start_accepting(server_state* s);

} // namespace aio::net::detail
