// Replies to the several messages one read delivered leave together (ws_state's cork,
// docs/design/ws.md "Sending"): they arrive whole and in order, before a close frame that
// follows them, and a reply corked by a handler that does not receive again still leaves.

#include "support/helpers.hpp"
#include "unit/ws/ws_test.hpp"
#include "ws/frame.hpp"
#include "ws/frame_reader.hpp"

#include <aio/core.hpp>
#include <aio/http.hpp>
#include <aio/net.hpp>
#include <aio/sync.hpp>
#include <aio/ws.hpp>

#include <string>
#include <vector>

#include <gtest/gtest.h>

using namespace ws_test;

namespace {

void client_frame(std::string& out, ws::detail::opcode op, std::string_view payload) {
    const unsigned char key[4] = {0x12, 0x34, 0x56, 0x78};
    ws::detail::append_frame(out, op, true, false, payload, key);
}

// What a raw client reads from the server: messages, then the close code (0: none).
struct received {
    std::vector<std::string> messages;
    std::uint16_t close_code = 0;
};

// Reads server frames until `want` messages (and a close frame, if `until_close`) arrived.
task<received> read_frames(aio::net::stream& s, std::size_t want, bool until_close) {
    ws::detail::frame_reader reader({.expect_masked = false, .max_message_size = 1 << 20});
    received r;
    std::string in;
    for (int reads = 0; reads < 1000; ++reads) {
        for (;;) {
            auto ev = reader.next(in);
            if (ev.kind == ws::detail::read_kind::need_more)
                break;
            in.erase(0, ev.consumed);
            if (ev.kind == ws::detail::read_kind::close)
                r.close_code = ev.code;
            else if (ev.kind == ws::detail::read_kind::text)
                r.messages.push_back(reader.take_message());
        }
        if (r.messages.size() >= want && (!until_close || r.close_code))
            co_return r;
        std::string more = co_await aio::wait_for(s.read(64 * 1024), 5s);
        if (more.empty())
            co_return r;
        in += more;
    }
    co_return r;
}

aio::event* g_reply_seen = nullptr; // set by the test's client once the reply arrived

// Replies to the first message, then waits (without receiving) until the client saw it.
task<void> reply_then_wait(request&, ws::websocket& s) {
    auto m = co_await s.receive();
    if (!m)
        co_return;
    co_await s.send("reply to " + m->data);
    co_await aio::wait_for(g_reply_seen->wait(), 10s);
    while (co_await s.receive()) {
    }
}

} // namespace

TEST(ws, replies_to_messages_that_came_in_one_read_arrive_whole_in_order_before_the_close) {
    aio_test::run([]() -> task<> {
        aio::http::server app;
        app.websocket("/ws", echo, {.compression = false});
        co_await app.listen("127.0.0.1", 0);
        auto c = co_await raw_client(app.port());
        // 40 messages (the last ones 2 KiB: more than one write's worth of cork) and a close
        // frame, all in one write.
        std::string out;
        std::vector<std::string> sent;
        for (int i = 0; i < 40; ++i) {
            sent.push_back("message " + std::to_string(i) +
                           std::string(i < 30 ? 0 : 2048, static_cast<char>('a' + i % 26)));
            client_frame(out, ws::detail::opcode::text, sent.back());
        }
        client_frame(out, ws::detail::opcode::close, std::string("\x03\xe8", 2));
        co_await c.write(out);
        const received r = co_await read_frames(c, sent.size(), true);
        EXPECT_EQ(r.messages, sent);
        EXPECT_EQ(r.close_code, 1000);
        c.abort();
        co_await app.shutdown(5s);
    });
}

TEST(ws, a_reply_corked_behind_buffered_input_leaves_without_another_receive) {
    aio_test::run([]() -> task<> {
        aio::event reply_seen;
        g_reply_seen = &reply_seen;
        aio::http::server app;
        app.websocket("/ws", reply_then_wait, {.compression = false});
        co_await app.listen("127.0.0.1", 0);
        auto c = co_await raw_client(app.port());
        // Two messages in one write: the handler's reply to the first is corked (the second
        // is buffered), and the handler then waits without receiving.
        std::string out;
        client_frame(out, ws::detail::opcode::text, "first");
        client_frame(out, ws::detail::opcode::text, "second");
        co_await c.write(out);
        const received r = co_await read_frames(c, 1, false);
        CO_ASSERT(r.messages.size() == 1);
        EXPECT_EQ(r.messages[0], "reply to first");
        reply_seen.set();
        std::string close;
        client_frame(close, ws::detail::opcode::close, std::string("\x03\xe8", 2));
        co_await c.write(close);
        const received end = co_await read_frames(c, 0, true);
        EXPECT_EQ(end.close_code, 1000);
        c.abort();
        co_await app.shutdown(5s);
        g_reply_seen = nullptr;
    });
}

TEST(ws, a_client_echoing_a_burst_from_a_server_keeps_order_on_both_sides) {
    aio_test::run([]() -> task<> {
        aio::http::server app;
        app.websocket("/ws", echo, {.compression = false});
        co_await app.listen("127.0.0.1", 0);
        auto c = co_await ws::connect("ws://127.0.0.1:" + std::to_string(app.port()) + "/ws",
                                      {.compression = false});
        // The client sends a burst without waiting; the server's echoes come back in a few
        // reads, and the client answers each (its own sends corked behind buffered input).
        for (int i = 0; i < 200; ++i)
            co_await c.send("m" + std::to_string(i));
        for (int i = 0; i < 200; ++i) {
            auto m = co_await aio::wait_for(c.receive(), 5s);
            CO_ASSERT(m);
            EXPECT_EQ(m->data, "m" + std::to_string(i));
            if (i < 100)
                co_await c.send("again " + m->data);
        }
        for (int i = 0; i < 100; ++i) {
            auto m = co_await aio::wait_for(c.receive(), 5s);
            CO_ASSERT(m);
            EXPECT_EQ(m->data, "again m" + std::to_string(i));
        }
        co_await c.close();
        EXPECT_EQ(c.close_code(), 1000);
        co_await app.shutdown(5s);
    });
}
