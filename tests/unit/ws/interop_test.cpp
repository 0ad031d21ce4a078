// Interop with Python's `websockets` library (Debian python3-websockets), both ways: our
// client against its server and its client against our server; text, binary, fragmented,
// large messages, pings, close codes, permessage-deflate on and off. Debian's python3
// (/usr/bin/python3), which has the package, whatever python3 comes first on PATH.

#include "support/helpers.hpp"
#include "unit/ws/ws_test.hpp"

#include <aio/core.hpp>
#include <aio/http.hpp>
#include <aio/os.hpp>
#include <aio/ws.hpp>

#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

using namespace ws_test;

namespace {

bool have_websockets() {
    return std::system("/usr/bin/python3 -c 'import websockets' >/dev/null 2>&1") == 0;
}

// The Python server for one test: started here, stopped (stdin closed, then killed) at the end.
struct python_server {
    aio::process p;
    std::uint16_t deflate = 0, plain = 0, limited = 0;

    static task<python_server> start() {
        aio::process p = co_await aio::create_subprocess_exec(
            "/usr/bin/python3", AIO_WS_PEER, "server",
            aio::subprocess_options{.in = aio::pipe, .out = aio::pipe});
        const std::string line = co_await aio::wait_for(p.out().read_line(), 20s);
        python_server s{std::move(p)};
        std::istringstream in(line);
        in >> s.deflate >> s.plain >> s.limited;
        co_return s;
    }
    task<void> stop() { return stop_peer(p); }
    std::string url(std::uint16_t port, const std::string& path) const {
        return "ws://127.0.0.1:" + std::to_string(port) + path;
    }
};

} // namespace

class ws_interop : public ::testing::Test {
  protected:
    void SetUp() override {
        if (!have_websockets())
            GTEST_SKIP() << "python3-websockets is not installed (tools/deps.sh)";
    }
};

TEST_F(ws_interop, our_client_talks_to_python_websockets_with_and_without_deflate) {
    aio_test::run([]() -> task<> {
        auto py = co_await python_server::start();
        CO_ASSERT(py.deflate != 0);
        const std::uint16_t ports[2] = {py.deflate, py.plain};
        for (std::uint16_t port : ports) {
            auto c = co_await ws::connect(py.url(port, "/fragments"), {.fragment_size = 1000});
            EXPECT_EQ(c.compressed(), port == py.deflate);
            auto m = co_await aio::wait_for(c.receive(), 5s);
            CO_ASSERT(m);
            EXPECT_EQ(m->data, "fragmented text"); // its fragments, reassembled
            EXPECT_FALSE(m->binary);
            m = co_await aio::wait_for(c.receive(), 5s);
            CO_ASSERT(m);
            EXPECT_EQ(m->data, "\x01\x02\x03");
            EXPECT_TRUE(m->binary);
            std::string big;
            for (int i = 0; i < 50000; ++i)
                big += std::to_string(i) + ",";
            const std::vector<std::string> texts = {"hi \xE2\x82\xAC", big};
            for (const std::string& t : texts) {
                co_await c.send(t); // fragmented by us (fragment_size)
                m = co_await aio::wait_for(c.receive(), 10s);
                CO_ASSERT(m);
                EXPECT_TRUE(m->data == t);
            }
            co_await c.send_binary(std::string("\0\xFF", 2));
            m = co_await aio::wait_for(c.receive(), 5s);
            CO_ASSERT(m);
            EXPECT_EQ(m->data, std::string("\0\xFF", 2));
            co_await c.ping("x");
            co_await c.close(4002, "cpp bye");
            EXPECT_EQ(c.close_code(), 4002); // python echoes our code
        }
        // Python closes with a code of its choosing.
        auto d = co_await ws::connect(py.url(py.plain, "/close/4003"));
        EXPECT_FALSE(co_await aio::wait_for(d.receive(), 5s));
        EXPECT_EQ(d.close_code(), 4003);
        EXPECT_EQ(d.close_reason(), "bye from python");
        // Over Python's 1 MiB limit: it closes with 1009.
        auto e = co_await ws::connect(py.url(py.limited, "/echo"));
        co_await e.send(std::string(2 << 20, 'z'));
        EXPECT_FALSE(co_await aio::wait_for(e.receive(), 10s));
        EXPECT_EQ(e.close_code(), 1009);
        co_await py.stop();
    });
}

TEST_F(ws_interop, python_websockets_client_talks_to_our_server_with_and_without_deflate) {
    aio_test::run([]() -> task<> {
        aio::http::server app;
        app.websocket("/echo", echo, {.fragment_size = 4096});
        co_await app.listen("127.0.0.1", 0);
        const char* modes[2] = {"on", "off"};
        for (const char* mode : modes) {
            auto p = co_await aio::create_subprocess_exec(
                "/usr/bin/python3", AIO_WS_PEER, "client",
                "ws://127.0.0.1:" + std::to_string(app.port()) + "/echo", mode,
                aio::subprocess_options{.out = aio::pipe, .err = aio::pipe});
            auto [out, err] = co_await aio::wait_for(p.communicate(), 60s);
            const int rc = co_await p.wait();
            EXPECT_EQ(rc, 0) << out << err;
            for (const char* name :
                 {"extension", "text", "binary", "fragmented", "large", "ping", "close"})
                EXPECT_NE(out.find(std::string(name) + " ok"), std::string::npos)
                    << mode << ": " << out << err;
            EXPECT_EQ(out.find("FAIL"), std::string::npos) << out;
        }
        co_await app.shutdown(5s);
    });
}
