// Two tls_engines wired to each other in memory: what one side sends, the other receives.
#pragma once

#include "net/tls/engine.hpp"

#include <string>

#include <gtest/gtest.h>

namespace aio_test {

using aio::net::detail::tls_engine;

/// Moves all pending ciphertext from `from` to `to`; returns the byte count.
inline std::size_t transfer(tls_engine& from, tls_engine& to) {
    std::string buf;
    from.take_output(buf);
    if (!buf.empty())
        to.feed(buf.data(), buf.size());
    return buf.size();
}

/// Runs both handshakes to completion, moving flights both ways. Whatever an engine throws
/// propagates (its output, e.g. an alert, is left pending for the caller to move).
inline void handshake(tls_engine& client, tls_engine& server) {
    for (int i = 0; i < 20; ++i) {
        const auto c = client.handshake();
        transfer(client, server);
        const auto s = server.handshake();
        transfer(server, client);
        if (c == tls_engine::status::ok && s == tls_engine::status::ok)
            return;
    }
    ADD_FAILURE() << "handshake did not finish in 20 rounds";
}

/// Reads what `e` can decrypt now (until want_input or closed).
inline std::string read_available(tls_engine& e, tls_engine::status* last = nullptr) {
    std::string out;
    char buf[4096];
    for (int i = 0; i < 100000; ++i) {
        std::size_t got = 0;
        const auto st = e.read(buf, sizeof buf, &got);
        out.append(buf, got);
        if (st != tls_engine::status::ok) {
            if (last)
                *last = st;
            return out;
        }
    }
    ADD_FAILURE() << "read loop did not end";
    return out;
}

} // namespace aio_test
