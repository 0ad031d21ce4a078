// What the aio::ws test files share: CO_ASSERT, short names, an echo handler.
#pragma once

#include <aio/core.hpp>
#include <aio/http.hpp>
#include <aio/net.hpp>
#include <aio/os.hpp>
#include <aio/ws.hpp>

#include <gtest/gtest.h>

// ASSERT_* cannot be used in a coroutine (they `return`): fail and leave the task instead.
#define CO_ASSERT(cond)                                                                            \
    if (!(cond)) {                                                                                 \
        ADD_FAILURE() << "expected: " #cond;                                                       \
        co_return;                                                                                 \
    }

namespace ws_test {

using namespace std::chrono_literals;
using aio::task;
using aio::http::request;
namespace ws = aio::ws;

/// A server route that echoes every message, text as text and binary as binary.
inline task<void> echo(request&, ws::websocket& s) {
    while (auto m = co_await s.receive()) {
        if (m->binary)
            co_await s.send_binary(m->data);
        else
            co_await s.send(m->data);
    }
}

/// A raw client of a route at /ws: sends a handshake, reads the 101 head; the stream is then
/// the connection (frames written by hand).
inline task<aio::net::stream> raw_client(std::uint16_t port) {
    auto s = co_await aio::net::open_connection("127.0.0.1", port);
    co_await s.write("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                     "Sec-WebSocket-Version: 13\r\n\r\n");
    std::string head = co_await aio::wait_for(s.read_until("\r\n\r\n"), 5s);
    EXPECT_NE(head.find("101"), std::string::npos) << head;
    co_return s;
}

/// Stops a peer server process started with a stdin pipe: closes its stdin (its signal to
/// end), waits up to 5 s, then kills it.
inline task<void> stop_peer(aio::process& p) {
    co_await p.in().close();
    try {
        co_await aio::wait_for(p.wait(), 5s);
    } catch (const aio::timeout_error&) {
        p.kill();
    }
    (void)co_await p.wait();
}

} // namespace ws_test
