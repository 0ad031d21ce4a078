// aio::ws end to end on 127.0.0.1: our server (server::websocket, accept) against our client
// (connect, client_session::ws_connect), and raw peers for what a well-behaved endpoint never
// sends (half frames, a vanished peer, a peer that stops reading or stops answering pings).

#include "support/helpers.hpp"
#include "unit/net/tls/test_certs.hpp"
#include "unit/ws/ws_test.hpp"
#include "ws/frame.hpp"
#include "ws/handshake.hpp"

#include <aio/core.hpp>
#include <aio/http.hpp>
#include <aio/net.hpp>
#include <aio/ws.hpp>

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

using namespace ws_test;

namespace {

std::string url(std::uint16_t port, const std::string& path = "/ws") {
    return "ws://127.0.0.1:" + std::to_string(port) + path;
}

// A raw server: reads the handshake, answers 101, then runs `after` on the stream.
// (Handlers are free coroutines taking what they need by value, never capturing lambdas:
// a server may destroy its handler object while connection tasks still run.)
using raw_script = task<void> (*)(aio::net::stream&);
task<void> raw_serve(raw_script after, aio::net::stream s) {
    std::string head = co_await s.read_until("\r\n\r\n");
    const auto k = head.find("Sec-WebSocket-Key: ");
    const std::string key = head.substr(k + 19, 24);
    co_await s.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Accept: " +
                     ws::detail::accept_key(key) + "\r\n\r\n");
    co_await after(s);
}

task<aio::net::server> raw_ws_server(raw_script after) {
    co_return co_await aio::net::start_server(
        [after](aio::net::stream s) { return raw_serve(after, std::move(s)); }, "127.0.0.1", 0);
}

// Drains messages; records the code of the ws::error that ends the loop.
template <class Error>
task<void> record_error(std::shared_ptr<int> code, ws::websocket& s, bool rethrow) {
    try {
        while (co_await s.receive()) {
        }
    } catch (const Error& e) {
        *code = e.code();
        if (rethrow)
            throw;
    }
}

task<void> accept_or_record(std::shared_ptr<int> status, aio::net::stream s) {
    try {
        auto w = co_await ws::accept(std::move(s));
    } catch (const ws::handshake_error& e) {
        *status = e.status();
    }
}

std::string server_frame(std::string_view payload) {
    std::string f;
    ws::detail::append_frame(f, ws::detail::opcode::text, true, false, payload, nullptr);
    return f;
}

} // namespace

TEST(ws, echoes_text_and_binary_through_a_server_route) {
    aio_test::run([]() -> task<> {
        aio::http::server app;
        app.websocket("/ws", echo);
        co_await app.listen("127.0.0.1", 0);
        auto c = co_await ws::connect(url(app.port()));
        EXPECT_TRUE(c.is_open());
        co_await c.send("hello");
        auto m = co_await aio::wait_for(c.receive(), 5s);
        CO_ASSERT(m);
        EXPECT_EQ(m->data, "hello");
        EXPECT_FALSE(m->binary);
        const std::string bytes("\0\x01\xFF binary", 10);
        co_await c.send_binary(bytes);
        m = co_await aio::wait_for(c.receive(), 5s);
        CO_ASSERT(m);
        EXPECT_EQ(m->data, bytes);
        EXPECT_TRUE(m->binary);
        EXPECT_EQ(app.connections(), 1u);
        co_await c.close();
        EXPECT_FALSE(c.is_open());
        EXPECT_EQ(c.close_code(), 1000);
        EXPECT_FALSE(co_await c.receive()); // nullopt once closed
        EXPECT_THROW(co_await c.send("late"), ws::connection_closed_error);
        co_await app.shutdown(5s);
    });
}

TEST(ws, reassembles_fragmented_and_compressed_messages_both_ways) {
    aio_test::run([]() -> task<> {
        const bool modes[2] = {false, true}; // (GCC 12: no initializer_list across co_await)
        for (bool compress : modes) {
            aio::http::server app;
            app.websocket("/ws", echo, {.fragment_size = 7, .compression = compress});
            co_await app.listen("127.0.0.1", 0);
            auto c =
                co_await ws::connect(url(app.port()), {.fragment_size = 100, .compression = true});
            EXPECT_EQ(c.compressed(), compress);
            std::string big;
            for (int i = 0; i < 20000; ++i)
                big += "line " + std::to_string(i) + " \xE2\x82\xAC\n";
            const std::vector<std::string> msgs = {"short", big};
            for (const std::string& msg : msgs) {
                co_await c.send(msg);
                auto m = co_await aio::wait_for(c.receive(), 10s);
                CO_ASSERT(m);
                EXPECT_EQ(m->data.size(), msg.size());
                EXPECT_TRUE(m->data == msg);
            }
            co_await c.close();
            co_await app.shutdown(5s);
        }
    });
}

TEST(ws, closes_with_1009_on_oversized_message) {
    aio_test::run([]() -> task<> {
        auto seen = std::make_shared<int>(0);
        aio::http::server app;
        app.websocket("/ws",
                      [seen](request&, ws::websocket& s) {
                          return record_error<ws::protocol_error>(seen, s, true);
                      },
                      {.max_message_size = 1000});
        co_await app.listen("127.0.0.1", 0);
        auto c = co_await ws::connect(url(app.port()), {.compression = false});
        co_await c.send(std::string(999, 'a'));
        co_await c.send(std::string(2000, 'a'));
        auto m = co_await aio::wait_for(c.receive(), 5s);
        EXPECT_FALSE(m);
        EXPECT_EQ(c.close_code(), 1009);
        EXPECT_NE(c.close_reason().find("max_message_size"), std::string::npos);
        EXPECT_EQ(*seen, 1009);
        co_await app.shutdown(5s);
    });
}

TEST(ws, negotiates_a_subprotocol_and_shows_origin_and_cookies_to_the_handler) {
    aio_test::run([]() -> task<> {
        aio::http::server app;
        app.websocket("/ws/{room}",
                      [](request& req, ws::websocket& s) -> task<void> {
                          co_await s.send(std::string(req.param("room")) + "|" +
                                          std::string(req.headers.get("origin").value_or("-")) +
                                          "|" +
                                          std::string(req.headers.get("x-token").value_or("-")) +
                                          "|" + std::string(s.subprotocol()));
                          co_await s.close(4000, "done");
                      },
                      {.subprotocols = "chat.v2, chat"});
        co_await app.listen("127.0.0.1", 0);
        aio::http::client_session http;
        http.default_headers().set("X-Token", "t0k");
        auto c = co_await http.ws_connect(
            url(app.port(), "/ws/lobby"),
            {.subprotocols = "chat, chat.v2", .origin = "http://example.test"});
        EXPECT_EQ(c.subprotocol(), "chat.v2"); // the server's preference
        auto m = co_await aio::wait_for(c.receive(), 5s);
        CO_ASSERT(m);
        EXPECT_EQ(m->data, "lobby|http://example.test|t0k|chat.v2");
        EXPECT_FALSE(co_await aio::wait_for(c.receive(), 5s));
        EXPECT_EQ(c.close_code(), 4000);
        EXPECT_EQ(c.close_reason(), "done");
        // No common subprotocol: the connection opens without one.
        auto d = co_await ws::connect(url(app.port(), "/ws/x"), {.subprotocols = "other"});
        EXPECT_EQ(d.subprotocol(), "");
        co_await d.close();
        co_await app.shutdown(5s);
    });
}

TEST(ws, plain_get_on_a_websocket_route_gets_426_and_a_non_ws_url_gets_a_handshake_error) {
    aio_test::run([]() -> task<> {
        aio::http::server app;
        app.websocket("/ws", echo);
        app.route("GET", "/page", [](request&) -> task<aio::http::response> {
            co_return aio::http::response::text(200, "page");
        });
        co_await app.listen("127.0.0.1", 0);
        aio::http::client_session http;
        auto r = co_await http.get("http://127.0.0.1:" + std::to_string(app.port()) + "/ws");
        EXPECT_EQ(r.status, 426);
        EXPECT_EQ(r.headers.get("upgrade").value_or(""), "websocket");
        try {
            auto c = co_await ws::connect(url(app.port(), "/page"));
            ADD_FAILURE() << "connected to a plain page";
        } catch (const ws::handshake_error& e) {
            EXPECT_EQ(e.status(), 200);
            EXPECT_NE(std::string(e.what()).find("instead of 101"), std::string::npos) << e.what();
        }
        EXPECT_THROW(co_await ws::connect("ftp://127.0.0.1/x"), aio::http::invalid_url);
        co_await app.shutdown(5s);
    });
}

TEST(ws, ping_is_answered_and_keepalive_keeps_an_idle_connection_open) {
    aio_test::run([]() -> task<> {
        aio::http::server app;
        app.websocket("/ws", echo, {.ping_interval = 20ms, .ping_timeout = 2000ms});
        co_await app.listen("127.0.0.1", 0);
        auto c = co_await ws::connect(url(app.port()));
        co_await c.ping("are you there");
        // Nothing arrives for a while (the server's pings are answered inside receive()).
        EXPECT_THROW(co_await aio::wait_for(c.receive(), 200ms), aio::timeout_error);
        EXPECT_TRUE(c.is_open());
        co_await c.send("still here");
        auto m = co_await aio::wait_for(c.receive(), 5s);
        CO_ASSERT(m);
        EXPECT_EQ(m->data, "still here");
        co_await c.close();
        co_await app.shutdown(5s);
    });
}

TEST(ws, keepalive_closes_with_1011_when_pongs_stop) {
    aio_test::run([]() -> task<> {
        auto code = std::make_shared<int>(0);
        aio::http::server app;
        app.websocket("/ws",
                      [code](request&, ws::websocket& s) {
                          return record_error<ws::connection_closed_error>(code, s, false);
                      },
                      {.ping_interval = 10ms, .ping_timeout = 50ms});
        co_await app.listen("127.0.0.1", 0);
        auto raw = co_await raw_client(app.port()); // never answers pings
        std::string got;
        for (int i = 0; i < 500; ++i) {
            std::string more = co_await aio::wait_for(raw.read(4096), 5s);
            if (more.empty())
                break;
            got += more;
        }
        EXPECT_EQ(*code, 1011);
        EXPECT_NE(got.find("keepalive ping timeout"), std::string::npos);
        co_await app.shutdown(5s);
    });
}

TEST(ws, cancelled_receive_leaves_the_connection_usable_even_mid_frame) {
    aio_test::run([]() -> task<> {
        auto srv = co_await raw_ws_server([](aio::net::stream& s) -> task<void> {
            const std::string f = server_frame("split message");
            co_await s.write(f.substr(0, 5)); // half a frame...
            co_await aio::sleep(150ms);
            co_await s.write(f.substr(5)); // ...and the rest, after the client gave up once
            co_await aio::sleep(2s);
        });
        auto c = co_await ws::connect(url(srv.port()), {.compression = false});
        EXPECT_THROW(co_await aio::wait_for(c.receive(), 30ms), aio::timeout_error);
        auto m = co_await aio::wait_for(c.receive(), 5s);
        CO_ASSERT(m);
        EXPECT_EQ(m->data, "split message");
        c.abort();
        srv.close();
        srv.abort_clients();
        co_await srv.wait_closed();
    });
}

TEST(ws, peer_vanishing_mid_frame_ends_receive_with_a_clear_error_and_leaks_no_fd) {
    aio_test::run([]() -> task<> {
        const int before = aio_test::open_fds();
        {
            auto srv = co_await raw_ws_server([](aio::net::stream& s) -> task<void> {
                co_await s.write(server_frame("never finished").substr(0, 6));
                co_await s.close();
            });
            auto c = co_await ws::connect(url(srv.port()), {.compression = false});
            try {
                (void)co_await aio::wait_for(c.receive(), 5s);
                ADD_FAILURE() << "receive returned";
            } catch (const ws::connection_closed_error& e) {
                EXPECT_EQ(e.code(), 1006);
                EXPECT_NE(std::string(e.what()).find("in the middle of a frame"), std::string::npos)
                    << e.what();
            }
            EXPECT_FALSE(c.is_open());
            EXPECT_FALSE(co_await c.receive()); // thrown once, then nullopt
            srv.close();
            co_await srv.wait_closed();
        }
        for (int i = 0; i < 200 && aio_test::open_fds() > before; ++i)
            co_await aio::sleep(5ms);
        EXPECT_EQ(aio_test::open_fds(), before);
    });
}

TEST(ws, server_shutdown_closes_websockets_with_1001) {
    aio_test::run([]() -> task<> {
        aio::http::server app;
        app.websocket("/ws", echo);
        co_await app.listen("127.0.0.1", 0);
        auto c = co_await ws::connect(url(app.port()));
        co_await c.send("x");
        (void)co_await aio::wait_for(c.receive(), 5s);
        EXPECT_EQ(app.connections(), 1u);
        auto h = aio::create_task(app.shutdown(5s));
        EXPECT_FALSE(co_await aio::wait_for(c.receive(), 5s));
        EXPECT_EQ(c.close_code(), 1001);
        co_await h;
        EXPECT_EQ(app.connections(), 0u);
    });
}

TEST(ws, handler_exception_closes_with_1011_and_is_reported) {
    aio_test::run([]() -> task<> {
        aio_test::report_capture reports;
        reports.install();
        aio::http::server app;
        app.websocket("/ws", [](request&, ws::websocket& s) -> task<void> {
            (void)co_await s.receive();
            throw std::runtime_error("handler broke");
        });
        co_await app.listen("127.0.0.1", 0);
        auto c = co_await ws::connect(url(app.port()));
        co_await c.send("go");
        EXPECT_FALSE(co_await aio::wait_for(c.receive(), 5s));
        EXPECT_EQ(c.close_code(), 1011);
        co_await app.shutdown(5s);
        EXPECT_TRUE(reports.contains("handler broke"));
    });
}

TEST(ws, send_waits_when_the_peer_does_not_read) {
    aio_test::run([]() -> task<> {
        auto srv = co_await raw_ws_server(
            [](aio::net::stream&) -> task<void> { co_await aio::sleep(10s); }); // never reads
        auto c = co_await ws::connect(url(srv.port()), {.compression = false});
        const std::string chunk(64 * 1024, 'b');
        int sent = 0;
        bool blocked = false;
        while (sent < 4000) { // 250 MiB at most: far beyond any socket buffer
            try {
                co_await aio::wait_for(c.send_binary(chunk), 300ms);
            } catch (const aio::timeout_error&) {
                blocked = true;
                break;
            }
            ++sent;
        }
        EXPECT_TRUE(blocked) << "sent " << sent << " chunks without waiting";
        c.abort();
        srv.close();
        srv.abort_clients();
        co_await srv.wait_closed();
    });
}

TEST(ws, wss_runs_over_tls_with_accept_on_a_tls_server) {
    const auto& certs = aio_test::certs();
    if (!certs.ok)
        GTEST_SKIP() << certs.error;
    aio_test::run([&certs]() -> task<> {
        auto server_ctx = aio::net::tls_context::server(certs.server_cert(), certs.server_key());
        auto srv = co_await aio::net::start_server(
            [](aio::net::stream s) -> task<void> {
                auto w = co_await ws::accept(std::move(s));
                while (auto m = co_await w.receive())
                    co_await w.send("tls:" + m->data);
            },
            "127.0.0.1", 0, {.tls = server_ctx});
        auto client_ctx = aio_test::trusting_client();
        auto c = co_await ws::connect("wss://localhost:" + std::to_string(srv.port()) + "/",
                                      {.tls = client_ctx});
        co_await c.send("secret");
        auto m = co_await aio::wait_for(c.receive(), 5s);
        CO_ASSERT(m);
        EXPECT_EQ(m->data, "tls:secret");
        co_await c.close();
        EXPECT_EQ(c.close_code(), 1000);
        srv.close();
        co_await srv.wait_closed();
    });
}

TEST(ws, refuses_invalid_arguments_with_clear_errors) {
    aio_test::run([]() -> task<> {
        aio::http::server app;
        app.websocket("/ws", echo);
        co_await app.listen("127.0.0.1", 0);
        auto c = co_await ws::connect(url(app.port()));
        EXPECT_THROW(co_await c.send("\xFF not utf-8"), aio::net::invalid_argument_error);
        EXPECT_THROW(co_await c.ping(std::string(126, 'p')), aio::net::invalid_argument_error);
        EXPECT_THROW(co_await c.close(1005), aio::net::invalid_argument_error);
        EXPECT_TRUE(c.is_open());
        co_await c.close();
        co_await app.shutdown(5s);
    });
}

TEST(ws, middleware_sees_the_handshake_and_may_refuse_it) {
    aio_test::run([]() -> task<> {
        aio::http::server app;
        app.use([](request& req, aio::http::next_handler next) -> task<aio::http::response> {
            if (req.query("token").value_or("") != "good")
                co_return aio::http::response::text(401, "401: no token");
            auto r = co_await next(req);
            r.headers.set("X-Seen-By", "middleware"); // reaches the 101 too
            co_return r;
        });
        app.websocket("/ws", echo);
        co_await app.listen("127.0.0.1", 0);
        try {
            auto c = co_await ws::connect(url(app.port(), "/ws?token=bad"));
            ADD_FAILURE() << "the middleware let it through";
        } catch (const ws::handshake_error& e) {
            EXPECT_EQ(e.status(), 401);
        }
        auto raw = co_await aio::net::open_connection("127.0.0.1", app.port());
        co_await raw.write("GET /ws?token=good HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                           "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                           "Sec-WebSocket-Version: 13\r\n\r\n");
        const std::string head = co_await aio::wait_for(raw.read_until("\r\n\r\n"), 5s);
        EXPECT_EQ(head.rfind("HTTP/1.1 101 ", 0), 0u) << head;
        EXPECT_NE(head.find("X-Seen-By: middleware"), std::string::npos) << head;
        EXPECT_NE(head.find("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="),
                  std::string::npos);
        EXPECT_EQ(head.find("Content-Length"), std::string::npos) << head;
        raw.abort();
        co_await app.shutdown(5s);
    });
}

TEST(ws, accept_refuses_a_request_that_is_not_a_handshake) {
    aio_test::run([]() -> task<> {
        auto status = std::make_shared<int>(0);
        // Named, not a temporary inside the co_await: GCC 12 destroys a capturing closure
        // temporary twice there (DESIGN.md "Spelling"), which ASan caught here.
        aio::net::connection_handler handler = [status](aio::net::stream s) {
            return accept_or_record(status, std::move(s));
        };
        auto srv = co_await aio::net::start_server(handler, "127.0.0.1", 0);
        auto c = co_await aio::net::open_connection("127.0.0.1", srv.port());
        co_await c.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        const std::string answer = co_await aio::wait_for(c.read_all(), 5s);
        EXPECT_EQ(answer.rfind("HTTP/1.1 426 ", 0), 0u) << answer;
        srv.close();
        co_await srv.wait_closed();
        EXPECT_EQ(*status, 426);
    });
}
