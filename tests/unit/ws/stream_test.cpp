// Streaming messages end to end on 127.0.0.1: websocket::send_stream (frames go out as the
// source yields them) and receive_stream / message_reader (a message chunk by chunk, never
// reassembled), with pings between the frames, cancellation mid-message and left readers.

#include "support/helpers.hpp"
#include "unit/ws/ws_test.hpp"
#include "ws/frame.hpp"
#include "ws/frame_reader.hpp"

#include <aio/core.hpp>
#include <aio/http.hpp>
#include <aio/net.hpp>
#include <aio/ws.hpp>

#include <memory>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

using namespace ws_test;

namespace {

constexpr std::size_t chunk_size = 64 * 1024;
constexpr std::size_t chunk_count = 1024; // 64 MiB

std::string url(std::uint16_t port) {
    return "ws://127.0.0.1:" + std::to_string(port) + "/ws";
}

// Chunk i of the big message: 64 KiB of one byte that depends on i, so order is checked.
std::string big_chunk(std::size_t i) {
    return std::string(chunk_size, static_cast<char>('a' + i % 26));
}

// The big message's source; pings the peer every 128 chunks (control frames between the
// frames of the message).
aio::generator<std::string> big_source(ws::websocket* w) {
    for (std::size_t i = 0; i < chunk_count; ++i) {
        if (i % 128 == 64)
            co_await w->ping("between frames");
        co_yield big_chunk(i);
    }
}

struct stream_stats {
    std::size_t bytes = 0;
    std::size_t chunks = 0;
    std::size_t largest = 0;
    bool in_order = true;
};

// Reads one streamed message, checking each chunk against big_chunk() byte by byte.
task<stream_stats> read_big(ws::message_reader& r) {
    stream_stats st;
    while (auto c = co_await r.next()) {
        for (std::size_t k = 0; k < c->size(); ++k) {
            const std::size_t at = st.bytes + k;
            if ((*c)[k] != static_cast<char>('a' + (at / chunk_size) % 26)) {
                st.in_order = false;
                break;
            }
        }
        st.bytes += c->size();
        st.chunks += 1;
        st.largest = std::max(st.largest, c->size());
    }
    co_return st;
}

std::string describe(const stream_stats& st) {
    return std::to_string(st.bytes) + " " + std::to_string(st.largest) + " " +
           (st.in_order ? "ordered" : "garbled");
}

// Reads the client's streamed message (the default 1 MiB max_message_size does not apply to
// it), reports what it saw, then streams the same 64 MiB back.
task<void> big_handler(request&, ws::websocket& s) {
    auto r = co_await s.receive_stream();
    if (!r)
        co_return;
    const stream_stats st = co_await read_big(*r);
    co_await s.send(describe(st));
    co_await s.send_stream(big_source(&s), true);
    while (co_await s.receive()) {
    }
}

} // namespace

TEST(ws_stream, streams_64_mib_both_ways_in_chunks_no_bigger_than_a_frame) {
    aio_test::run([]() -> task<> {
        aio::http::server app;
        app.websocket("/ws", big_handler); // max_message_size: the default 1 MiB
        co_await app.listen("127.0.0.1", 0);
        auto c = co_await ws::connect(url(app.port()));
        co_await aio::wait_for(c.send_stream(big_source(&c), true), 60s);
        auto report = co_await aio::wait_for(c.receive(), 60s);
        CO_ASSERT(report);
        EXPECT_EQ(report->data, std::to_string(chunk_size * chunk_count) + " " +
                                    std::to_string(chunk_size) + " ordered");
        auto r = co_await aio::wait_for(c.receive_stream(), 60s);
        CO_ASSERT(r);
        EXPECT_TRUE(r->binary());
        const stream_stats st = co_await aio::wait_for(read_big(*r), 60s);
        EXPECT_EQ(st.bytes, chunk_size * chunk_count);
        EXPECT_LE(st.largest, chunk_size);
        EXPECT_GE(st.chunks, chunk_count);
        EXPECT_TRUE(st.in_order);
        EXPECT_TRUE(r->done());
        co_await c.close();
        EXPECT_EQ(c.close_code(), 1000);
        co_await app.shutdown(5s);
    });
}

namespace {

// Reads one streamed message (a single 64 MiB frame from the client, 64x the default
// max_message_size) and reports what it saw: bytes, largest chunk, order, chunk count.
task<void> single_frame_handler(request&, ws::websocket& s) {
    auto r = co_await s.receive_stream();
    if (!r)
        co_return;
    const stream_stats st = co_await read_big(*r);
    co_await s.send(describe(st) + " " + std::to_string(st.chunks));
    while (co_await s.receive()) {
    }
}

} // namespace

TEST(ws_stream, receives_one_64_mib_frame_in_bounded_pieces) {
    aio_test::run([]() -> task<> {
        aio::http::server app;
        app.websocket("/ws", single_frame_handler); // max_message_size: the default 1 MiB
        co_await app.listen("127.0.0.1", 0);
        auto c = co_await ws::connect(url(app.port()), {.compression = false});
        std::string big;
        big.reserve(chunk_size * chunk_count);
        for (std::size_t i = 0; i < chunk_count; ++i)
            big += big_chunk(i);
        co_await aio::wait_for(c.send_binary(big), 60s); // one frame (no fragment_size)
        big = std::string();
        auto report = co_await aio::wait_for(c.receive(), 60s);
        CO_ASSERT(report);
        // "<bytes> <largest> ordered <chunks>": all of it, in order, never held whole.
        std::istringstream in(report->data);
        std::size_t bytes = 0, largest = 0, chunks = 0;
        std::string order;
        in >> bytes >> largest >> order >> chunks;
        EXPECT_EQ(bytes, chunk_size * chunk_count) << report->data;
        EXPECT_EQ(order, "ordered");
        EXPECT_LE(largest, 1024u * 1024) << report->data; // under the 1 MiB limit
        EXPECT_GE(chunks, 64u) << report->data;
        co_await c.close();
        EXPECT_EQ(c.close_code(), 1000);
        co_await app.shutdown(5s);
    });
}

namespace {

// Joins a streamed message's chunks with '|' and sends that back as one binary message (a
// '|' may split a UTF-8 sequence).
task<void> join_handler(request&, ws::websocket& s) {
    while (auto r = co_await s.receive_stream()) {
        std::string joined;
        while (auto c = co_await r->next())
            joined += joined.empty() ? *c : "|" + *c;
        co_await s.send_binary(joined);
    }
}

} // namespace

TEST(ws_stream, receives_a_compressed_fragmented_message_inflated_chunk_by_chunk) {
    aio_test::run([]() -> task<> {
        aio::http::server app;
        app.websocket("/ws", join_handler, {.max_message_size = 64 * 1024});
        co_await app.listen("127.0.0.1", 0);
        // 400 KB of text, over the server's max_message_size, sent by an ordinary send()
        // in compressed 1000-byte fragments.
        auto c = co_await ws::connect(url(app.port()), {.fragment_size = 1000});
        EXPECT_TRUE(c.compressed());
        std::string text;
        for (int i = 0; text.size() < 400000; ++i)
            text += "line " + std::to_string(i) + " \xE2\x82\xAC\n";
        co_await c.send(text);
        auto m = co_await aio::wait_for(c.receive(), 10s);
        EXPECT_EQ(c.close_code(), 0) << c.close_reason();
        CO_ASSERT(m);
        std::string back = m->data;
        const std::size_t pieces =
            static_cast<std::size_t>(std::count(back.begin(), back.end(), '|'));
        std::erase(back, '|');
        EXPECT_TRUE(back == text);
        EXPECT_GT(pieces, 1u); // delivered in several chunks, never reassembled
        co_await c.close();
        co_await app.shutdown(5s);
    });
}

namespace {

aio::generator<std::string> stalls_after_three() {
    for (int i = 0; i < 3; ++i)
        co_yield "part " + std::to_string(i);
    co_await aio::sleep(1h); // cancelled long before
    co_yield "never";
}

// Reads chunks until the message ends or the connection does; records the error's code.
task<void>
record_stream_end(std::shared_ptr<int> chunks, std::shared_ptr<int> code, ws::websocket& s) {
    auto r = co_await s.receive_stream();
    if (!r)
        co_return;
    try {
        while (co_await r->next())
            ++*chunks;
    } catch (const ws::connection_closed_error& e) {
        *code = e.code();
    }
}

} // namespace

TEST(ws_stream, cancelled_send_stream_closes_the_connection_with_1011) {
    aio_test::run([]() -> task<> {
        auto chunks = std::make_shared<int>(0);
        auto code = std::make_shared<int>(0);
        aio::http::server app;
        app.websocket("/ws", [chunks, code](request&, ws::websocket& s) {
            return record_stream_end(chunks, code, s);
        });
        co_await app.listen("127.0.0.1", 0);
        auto c = co_await ws::connect(url(app.port()));
        auto sending = aio::create_task(c.send_stream(stalls_after_three()));
        for (int i = 0; i < 500 && *chunks < 3; ++i)
            co_await aio::sleep(10ms);
        EXPECT_EQ(*chunks, 3);
        sending.cancel();
        EXPECT_THROW(co_await sending, aio::cancelled_error);
        EXPECT_FALSE(c.is_open());
        EXPECT_THROW(co_await c.send("after"), ws::connection_closed_error);
        EXPECT_FALSE(co_await aio::wait_for(c.receive(), 5s)); // the server's echo of 1011
        EXPECT_EQ(c.close_code(), 1011);
        for (int i = 0; i < 500 && *code == 0; ++i)
            co_await aio::sleep(10ms);
        EXPECT_EQ(*code, 1011);
        co_await app.shutdown(5s);
    });
}

namespace {

aio::generator<std::string> fails_at_once() {
    throw std::runtime_error("source broke");
    co_yield "never";
}

// Splits a euro sign (E2 82 AC) across two chunks: valid as a whole.
aio::generator<std::string> split_euro() {
    co_yield "price \xE2\x82";
    co_yield "\xAC"
             "5";
}

aio::generator<std::string> bad_utf8() {
    co_yield "fine";
    co_yield "\xC3\x28";
}

} // namespace

TEST(ws_stream, a_source_failing_before_its_first_chunk_leaves_the_connection_open) {
    aio_test::run([]() -> task<> {
        aio::http::server app;
        app.websocket("/ws", join_handler);
        co_await app.listen("127.0.0.1", 0);
        auto c = co_await ws::connect(url(app.port()));
        EXPECT_THROW(co_await c.send_stream(fails_at_once()), std::runtime_error);
        EXPECT_TRUE(c.is_open());
        co_await c.send_stream(split_euro());
        auto m = co_await aio::wait_for(c.receive(), 5s);
        EXPECT_EQ(c.close_code(), 0) << c.close_reason();
        CO_ASSERT(m);
        EXPECT_EQ(m->data, "price \xE2\x82|\xAC"
                           "5");
        // Invalid UTF-8 after a frame went out: the message cannot be finished, 1011.
        EXPECT_THROW(co_await c.send_stream(bad_utf8()), aio::net::invalid_argument_error);
        EXPECT_FALSE(co_await aio::wait_for(c.receive(), 5s));
        EXPECT_EQ(c.close_code(), 1011);
        co_await app.shutdown(5s);
    });
}

namespace {

// Reads the first chunk of a message, leaves the reader, and receive()s the next message.
task<void> leave_reader_handler(request&, ws::websocket& s) {
    auto r = co_await s.receive_stream();
    if (!r)
        co_return;
    auto first = co_await r->next();
    auto m = co_await s.receive();
    std::string old = "no error";
    try {
        co_await r->next();
    } catch (const aio::invalid_state_error&) {
        old = "invalid_state";
    }
    // (Built before the co_await: GCC 12 mishandles temporaries of a ?: inside co_await.)
    std::string answer = first.value_or("-") + ",";
    answer += m ? m->data : "-";
    answer += "," + old;
    co_await s.send(answer);
    while (co_await s.receive()) {
    }
}

} // namespace

TEST(ws_stream, receive_after_a_left_reader_skips_the_rest_of_its_message) {
    aio_test::run([]() -> task<> {
        aio::http::server app;
        app.websocket("/ws", leave_reader_handler);
        co_await app.listen("127.0.0.1", 0);
        auto c = co_await ws::connect(url(app.port()), {.fragment_size = 4, .compression = false});
        co_await c.send("aaaabbbbcccc");
        co_await c.send("next");
        auto m = co_await aio::wait_for(c.receive(), 5s);
        CO_ASSERT(m);
        EXPECT_EQ(m->data, "aaaa,next,invalid_state");
        co_await c.close();
        co_await app.shutdown(5s);
    });
}

namespace {

std::string client_frame(ws::detail::opcode op, bool fin, std::string_view payload) {
    std::string f;
    const unsigned char key[4] = {1, 2, 3, 4};
    ws::detail::append_frame(f, op, fin, false, payload, key);
    return f;
}

} // namespace

TEST(ws_stream, answers_pings_between_the_frames_of_a_streamed_message_in_order) {
    aio_test::run([]() -> task<> {
        aio::http::server app;
        app.websocket("/ws", join_handler, {.compression = false});
        co_await app.listen("127.0.0.1", 0);
        auto s = co_await aio::net::open_connection("127.0.0.1", app.port());
        co_await s.write("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: "
                         "Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                         "Sec-WebSocket-Version: 13\r\n\r\n");
        std::string head = co_await aio::wait_for(s.read_until("\r\n\r\n"), 5s);
        CO_ASSERT(head.find(" 101 ") != std::string::npos);
        using ws::detail::opcode;
        std::string out =
            client_frame(opcode::text, false, "ab") + client_frame(opcode::ping, true, "p1") +
            client_frame(opcode::continuation, false, "cd") +
            client_frame(opcode::ping, true, "p2") + client_frame(opcode::continuation, true, "ef");
        co_await s.write(out);
        // What the server sends, parsed by our own reader (server frames are not masked).
        ws::detail::frame_reader reader({.expect_masked = false});
        std::string in;
        std::string seen;
        for (int i = 0; i < 200 && seen.find("message") == std::string::npos; ++i) {
            auto ev = reader.next(in);
            if (ev.kind == ws::detail::read_kind::need_more) {
                std::string more = co_await aio::wait_for(s.read(4096), 5s);
                CO_ASSERT(!more.empty());
                in += more;
                continue;
            }
            in.erase(0, ev.consumed);
            if (ev.kind == ws::detail::read_kind::pong)
                seen += "pong " + std::string(reader.payload()) + ";";
            else if (ev.kind == ws::detail::read_kind::binary)
                seen += "message " + reader.take_message();
        }
        EXPECT_EQ(seen, "pong p1;pong p2;message ab|cd|ef");
        s.abort();
        co_await app.shutdown(5s);
    });
}

TEST(ws_stream, receive_after_a_reader_left_inside_one_big_frame_skips_the_rest_of_it) {
    aio_test::run([]() -> task<> {
        aio::http::server app;
        app.websocket("/ws", leave_reader_handler);
        co_await app.listen("127.0.0.1", 0);
        auto c = co_await ws::connect(url(app.port()), {.compression = false});
        co_await c.send(std::string(3 * 1024 * 1024, 'a')); // one frame, 3x the limit
        co_await c.send("next");
        auto m = co_await aio::wait_for(c.receive(), 10s);
        CO_ASSERT(m);
        // The handler's first chunk (a piece of the frame), the next message, and the left
        // reader's error.
        const std::string tail = ",next,invalid_state";
        CO_ASSERT(m->data.size() > tail.size());
        const std::string first = m->data.substr(0, m->data.size() - tail.size());
        EXPECT_EQ(m->data.substr(first.size()), tail);
        EXPECT_EQ(first.find_first_not_of('a'), std::string::npos);
        EXPECT_LT(first.size(), 3u * 1024 * 1024);
        co_await c.close();
        co_await app.shutdown(5s);
    });
}
