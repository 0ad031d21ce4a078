// What the aio::ws test files share: CO_ASSERT, short names, an echo handler.
#pragma once

#include <aio/core.hpp>
#include <aio/http.hpp>
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
