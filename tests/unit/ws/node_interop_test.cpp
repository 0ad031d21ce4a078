// Interop with Node.js's `ws` package, both ways: what the python3-websockets tests
// (interop_test.cpp) leave out — ws's perMessageDeflate options (no context takeover, 10-bit
// windows, a threshold that leaves small messages uncompressed), fragments sent per frame
// (compressed per frame) read with receive_stream(), streamed sends, subprotocol choice,
// UTF-8 close reasons, server pings. `ws` comes from npm: installed once into the build tree
// (AIO_WS_NODE_DIR); without node or without the registry the tests are skipped.

#include "support/helpers.hpp"
#include "unit/ws/ws_test.hpp"

#include <aio/core.hpp>
#include <aio/http.hpp>
#include <aio/os.hpp>
#include <aio/ws.hpp>

#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

using namespace ws_test;

namespace {

const std::string node_dir = AIO_WS_NODE_DIR;

// "" when node and ws are there (installing ws with npm if needed), else why not.
std::string node_ws_missing() {
    if (std::system("node --version >/dev/null 2>&1") != 0)
        return "node is not installed";
    if (std::filesystem::exists(node_dir + "/node_modules/ws/package.json"))
        return "";
    std::filesystem::create_directories(node_dir);
    // flock: two test processes (ctest -j) must not install into the same directory at once.
    const std::string cmd = "cd '" + node_dir + "' && flock .lock timeout 90 npm install " +
                            "--no-audit --no-fund --silent ws@8 >/dev/null 2>&1";
    if (std::system(cmd.c_str()) != 0 ||
        !std::filesystem::exists(node_dir + "/node_modules/ws/package.json"))
        return "npm could not install the `ws` package into " + node_dir + " (offline?)";
    return "";
}

std::vector<std::string> node_env() {
    std::vector<std::string> env;
    for (char** e = environ; *e; ++e)
        env.emplace_back(*e);
    env.push_back("NODE_PATH=" + node_dir + "/node_modules");
    return env;
}

// The Node server for one test: started here, stopped (stdin closed, then killed) at the end.
struct node_server {
    aio::process p;
    std::uint16_t tight = 0, plain = 0;

    static task<node_server> start(const std::vector<std::string>& env) {
        aio::process p = co_await aio::create_subprocess_exec(
            "node", AIO_WS_NODE_PEER, "server",
            aio::subprocess_options{.in = aio::pipe, .out = aio::pipe, .env = env});
        const std::string line = co_await aio::wait_for(p.out().read_line(), 20s);
        node_server s{std::move(p)};
        std::istringstream in(line);
        in >> s.tight >> s.plain;
        co_return s;
    }
    task<void> stop() { return stop_peer(p); }
    static std::string url(std::uint16_t port, const std::string& path) {
        return "ws://127.0.0.1:" + std::to_string(port) + path;
    }
};

// 64 KiB chunks, chunk i filled with the byte i: first byte 0, last byte count - 1.
aio::generator<std::string> numbered_chunks(int count) {
    for (int i = 0; i < count; ++i)
        co_yield std::string(64 * 1024, static_cast<char>(i));
}

} // namespace

class ws_node : public ::testing::Test {
  protected:
    void SetUp() override {
        if (const std::string why = node_ws_missing(); !why.empty())
            GTEST_SKIP() << why;
    }
};

TEST_F(ws_node, our_client_talks_to_node_ws_with_its_deflate_options_and_without) {
    aio_test::run([]() -> task<> {
        const std::vector<std::string> env = node_env();
        auto node = co_await node_server::start(env);
        CO_ASSERT(node.tight != 0);
        // Subprotocol: ws's handleProtocols picks chat.v2 from our list.
        auto p =
            co_await ws::connect(node.url(node.tight, "/proto"), {.subprotocols = "chat.v2, chat"});
        EXPECT_EQ(p.subprotocol(), "chat.v2");
        EXPECT_TRUE(p.compressed()); // no context takeover both ways, 10-bit windows
        auto m = co_await aio::wait_for(p.receive(), 5s);
        CO_ASSERT(m);
        EXPECT_EQ(m->data, "chat.v2");
        co_await p.close();

        const std::uint16_t ports[2] = {node.tight, node.plain};
        for (std::uint16_t port : ports) {
            auto c = co_await ws::connect(node.url(port, "/echo"),
                                          {.max_message_size = 16 << 20, .fragment_size = 1000});
            EXPECT_EQ(c.compressed(), port == node.tight);
            std::string big;
            for (int i = 0; big.size() < (3u << 20); ++i)
                big += "row " + std::to_string(i) + " \xE2\x9C\x93\n";
            // Under and over ws's 1024-byte threshold, twice: plain and compressed messages
            // mixed on one connection, each compressed one with a fresh context.
            const std::vector<std::string> texts = {"tiny", std::string(4000, 'q'), "tiny",
                                                    std::string(4000, 'q'), big};
            for (const std::string& t : texts) {
                co_await c.send(t);
                m = co_await aio::wait_for(c.receive(), 10s);
                CO_ASSERT(m);
                EXPECT_TRUE(m->data == t) << t.size();
                EXPECT_FALSE(m->binary);
            }
            co_await c.close(4002, "cpp bye \xE2\x9C\x93");
            EXPECT_EQ(c.close_code(), 4002); // ws echoes our code

            // ws's {fin: false} fragments, read as a stream: one chunk per frame.
            auto f = co_await ws::connect(node.url(port, "/fragments"));
            auto r = co_await aio::wait_for(f.receive_stream(), 5s);
            CO_ASSERT(r);
            std::vector<std::string> chunks;
            while (auto chunk = co_await aio::wait_for(r->next(), 5s))
                chunks.push_back(*chunk);
            EXPECT_EQ(chunks, (std::vector<std::string>{"frag", "men", "ted"}));
            EXPECT_FALSE(r->binary());
            // 8 MiB streamed to ws, which reassembles it.
            auto n = co_await ws::connect(node.url(port, "/count"));
            co_await aio::wait_for(n.send_stream(numbered_chunks(128), true), 30s);
            m = co_await aio::wait_for(n.receive(), 30s);
            CO_ASSERT(m);
            EXPECT_EQ(m->data, std::string("count 8388608 \x00\x7F", 16));
            co_await n.close();
            co_await f.close();
        }
        // ws pings us: receive() answers, ws reports the pong's payload.
        auto g = co_await ws::connect(node.url(node.plain, "/ping"));
        m = co_await aio::wait_for(g.receive(), 5s);
        CO_ASSERT(m);
        EXPECT_EQ(m->data, "pong node-ping");
        co_await g.close();
        // ws closes with its code and a UTF-8 reason.
        auto d = co_await ws::connect(node.url(node.tight, "/close/4005"));
        EXPECT_FALSE(co_await aio::wait_for(d.receive(), 5s));
        EXPECT_EQ(d.close_code(), 4005);
        EXPECT_EQ(d.close_reason(), "bye from node \xE2\x9C\x93");
        co_await node.stop();
    });
}

namespace {

// Reads each message with receive_stream(): answers "chunks N bytes M text|binary", or,
// for "send me a stream", streams 4 MiB back (64 chunks of 64 KiB).
task<void> stream_route(aio::http::request&, ws::websocket& s) {
    while (auto r = co_await s.receive_stream()) {
        std::size_t chunks = 0, bytes = 0;
        std::string first;
        while (auto c = co_await r->next()) {
            if (chunks++ == 0)
                first = *c;
            bytes += c->size();
        }
        if (first == "send me a stream") {
            co_await s.send_stream(numbered_chunks(64), true);
            continue;
        }
        std::string answer = "chunks " + std::to_string(chunks) + " bytes " +
                             std::to_string(bytes) + (r->binary() ? " binary" : " text");
        co_await s.send(answer);
    }
}

task<void> close_route(aio::http::request&, ws::websocket& s) {
    co_await s.close(4006, "bye from aiocpp \xE2\x9C\x93");
}

} // namespace

TEST_F(ws_node, node_ws_client_talks_to_our_server_with_its_deflate_options_and_without) {
    aio_test::run([]() -> task<> {
        const std::vector<std::string> env = node_env();
        aio::http::server app;
        const ws::options opts{.max_message_size = 64 << 20, .subprotocols = "chat.v2, chat"};
        app.websocket("/echo", echo, opts);
        app.websocket("/stream", stream_route, opts);
        app.websocket("/close", close_route, opts);
        co_await app.listen("127.0.0.1", 0);
        const char* modes[3] = {"deflate", "tight", "off"};
        for (const char* mode : modes) {
            auto p = co_await aio::create_subprocess_exec(
                "node", AIO_WS_NODE_PEER, "client", "ws://127.0.0.1:" + std::to_string(app.port()),
                mode, aio::subprocess_options{.out = aio::pipe, .err = aio::pipe, .env = env});
            auto [out, err] = co_await aio::wait_for(p.communicate(), 60s);
            const int rc = co_await p.wait();
            EXPECT_EQ(rc, 0) << mode << ": " << out << err;
            for (const char* name :
                 {"extension", "subprotocol", "text", "binary", "fragmented", "large", "ping",
                  "close", "stream", "streamed", "server close"})
                EXPECT_NE(("\n" + out).find(std::string("\n") + name + " ok"), std::string::npos)
                    << mode << ": " << out << err;
            EXPECT_EQ(out.find("FAIL"), std::string::npos) << mode << ": " << out;
        }
        co_await app.shutdown(5s);
    });
}
