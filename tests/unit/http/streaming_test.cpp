// response::stream: chunked or Content-Length framing, HTTP/1.0 close-delimited bodies,
// backpressure, a client that goes away, a failing producer.
#include "unit/http/server_peer.hpp"

#include <aio/core.hpp>
#include <aio/http.hpp>
#include <aio/net.hpp>
#include <aio/sync.hpp>

#include <string>

#include <gtest/gtest.h>

using namespace std::chrono_literals;
using aio::task;
using aio::http::request;
using aio::http::response;
using aio_test::ask;
using aio_test::get;

namespace {

aio::generator<std::string> pieces(std::vector<std::string> parts) {
    for (auto& p : parts)
        co_yield std::move(p);
}

constexpr int total = 512;               // pieces of the backpressure test
constexpr std::size_t piece = 64 * 1024; // 32 MiB in all

// Sets *flag when destroyed: tells that a generator's frame was unwound.
struct on_destroy {
    bool* flag;
    ~on_destroy() { *flag = true; }
};

} // namespace

TEST(http_stream, sends_an_unknown_length_body_chunked_as_it_is_produced) {
    aio::run([]() -> task<> {
        aio::event second;
        aio::http::server app;
        app.route("GET", "/live", [&second](request&) -> task<response> {
            co_return response::stream(200, [](aio::event* go) -> aio::generator<std::string> {
                co_yield "first;";
                co_await go->wait(); // the client saw the first piece before this
                co_yield "second";
            }(&second));
        });
        co_await app.listen("127.0.0.1", 0);
        auto c = co_await aio::net::open_connection("127.0.0.1", app.port());
        co_await c.write(get("/live"));
        std::string got;
        while (got.find("first;") == std::string::npos) {
            std::string more = co_await aio::wait_for(c.read(4096), 5s);
            if (!(!(more.empty()))) { // ASSERT (a coroutine cannot use ASSERT_*)
                ADD_FAILURE() << "false failed: more.empty()" << got;
                co_return;
            }
            got += more;
        }
        EXPECT_EQ(got.find("second"), std::string::npos); // not produced yet
        second.set();
        for (;;) {
            std::string more = co_await aio::wait_for(c.read(4096), 5s);
            if (more.empty())
                break;
            got += more;
        }
        auto r = aio_test::parse_raw(got);
        EXPECT_EQ(r.status, 200);
        EXPECT_EQ(r.headers.get("transfer-encoding").value_or(""), "chunked");
        EXPECT_FALSE(r.headers.contains("content-length"));
        EXPECT_EQ(r.body, "6\r\nfirst;\r\n6\r\nsecond\r\n0\r\n\r\n");

        // Our client decodes it, on a kept-alive connection.
        aio::http::client_session http;
        const std::string url = "http://127.0.0.1:" + std::to_string(app.port()) + "/live";
        auto resp = co_await http.get(url);
        EXPECT_EQ(co_await resp.text(), "first;second"); // `second` is set for good now
        co_await app.shutdown(1s);
    }());
}

TEST(http_stream, uses_content_length_when_the_length_is_given) {
    aio::run([]() -> task<> {
        aio::http::server app;
        app.route("GET", "/sized", [](request&) -> task<response> {
            std::vector<std::string> parts = {"abc", "", "defg"};
            co_return response::stream(200, pieces(std::move(parts)), 7);
        });
        app.route("GET", "/liar", [](request&) -> task<response> {
            std::vector<std::string> parts = {"abc"};
            co_return response::stream(200, pieces(std::move(parts)), 10);
        });
        co_await app.listen("127.0.0.1", 0);
        auto r = co_await ask(app.port(), get("/sized"));
        EXPECT_EQ(r.headers.get("content-length").value_or(""), "7");
        EXPECT_FALSE(r.headers.contains("transfer-encoding"));
        EXPECT_EQ(r.body, "abcdefg");
        // Fewer bytes than announced: the connection is aborted, the client sees a short body.
        std::vector<std::string> reports;
        aio::get_running_loop().set_exception_handler(
            [&reports](std::string_view m) { reports.emplace_back(m); });
        r = co_await ask(app.port(), get("/liar"));
        EXPECT_EQ(r.headers.get("content-length").value_or(""), "10");
        // Aborted: what was still queued may be dropped, so a prefix of "abc" arrives.
        EXPECT_EQ(std::string("abc").substr(0, r.body.size()), r.body);
        if (!((reports.size()) == (1u))) { // ASSERT (a coroutine cannot use ASSERT_*)
            ADD_FAILURE() << "eq failed: reports.size(), 1u";
            co_return;
        }
        EXPECT_NE(reports[0].find("announced"), std::string::npos) << reports[0];
        co_await app.shutdown(1s);
    }());
}

TEST(http_stream, sends_a_close_delimited_body_to_an_http10_client) {
    aio::run([]() -> task<> {
        aio::http::server app;
        app.route("GET", "/live", [](request&) -> task<response> {
            std::vector<std::string> parts = {"one ", "two"};
            co_return response::stream(200, pieces(std::move(parts)));
        });
        co_await app.listen("127.0.0.1", 0);
        auto r = co_await ask(app.port(), "GET /live HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        EXPECT_EQ(r.status, 200);
        EXPECT_FALSE(r.headers.contains("transfer-encoding"));
        EXPECT_FALSE(r.headers.contains("content-length"));
        EXPECT_EQ(r.headers.get("connection").value_or(""), "close");
        EXPECT_EQ(r.body, "one two"); // ended by the server's close
        co_await app.shutdown(1s);
    }());
}

TEST(http_stream, does_not_resume_the_producer_while_the_client_does_not_read) {
    aio::run([]() -> task<> {
        int produced = 0;
        aio::http::server app;
        app.route("GET", "/flood", [&produced](request&) -> task<response> {
            co_return response::stream(200, [](int* count) -> aio::generator<std::string> {
                for (int i = 0; i < total; ++i) {
                    ++*count;
                    co_yield std::string(piece, static_cast<char>('a' + i % 26));
                }
            }(&produced));
        });
        co_await app.listen("127.0.0.1", 0);
        auto c = co_await aio::net::open_connection("127.0.0.1", app.port());
        co_await c.write(get("/flood"));
        // Let the server run as far as the socket buffers allow.
        for (int i = 0; i < 50; ++i)
            co_await aio::sleep(2ms);
        const int stalled_at = produced;
        EXPECT_GT(stalled_at, 0);
        EXPECT_LT(stalled_at, total / 2) << "the producer ran ahead of a client that reads nothing";
        std::size_t n = 0;
        for (;;) {
            std::string more = co_await aio::wait_for(c.read(1 << 20), 10s);
            if (more.empty())
                break;
            n += more.size();
        }
        EXPECT_EQ(produced, total);
        EXPECT_GT(n, total * piece); // the body plus its head and chunk lines
        co_await app.shutdown(1s);
    }());
}

TEST(http_stream, a_client_that_goes_away_cancels_the_suspended_producer) {
    aio::run([]() -> task<> {
        bool unwound = false;
        bool resumed_after_sleep = false;
        aio::http::server app;
        app.route("GET", "/forever", [&](request&) -> task<response> {
            co_return response::stream(
                200, [](bool* unwound, bool* late) -> aio::generator<std::string> {
                    on_destroy guard{unwound};
                    co_yield "tick\n";
                    co_await aio::sleep(1h); // a slow producer: cancelled here
                    *late = true;
                    co_yield "never\n";
                }(&unwound, &resumed_after_sleep));
        });
        app.route("GET", "/ok", [](request&) -> task<response> {
            co_return response::text(200, "still serving");
        });
        co_await app.listen("127.0.0.1", 0);
        auto c = co_await aio::net::open_connection("127.0.0.1", app.port());
        co_await c.write(get("/forever"));
        std::string got;
        while (got.find("tick") == std::string::npos) {
            std::string more = co_await aio::wait_for(c.read(4096), 5s);
            if (!(!(more.empty()))) { // ASSERT (a coroutine cannot use ASSERT_*)
                ADD_FAILURE() << "false failed: more.empty()";
                co_return;
            }
            got += more;
        }
        co_await c.close(); // the client goes away while the producer sleeps
        for (int i = 0; i < 500 && (!unwound || app.connections() != 0); ++i)
            co_await aio::sleep(10ms);
        EXPECT_TRUE(unwound);
        EXPECT_FALSE(resumed_after_sleep);
        EXPECT_EQ(app.connections(), 0u);
        auto r = co_await ask(app.port(), get("/ok"));
        EXPECT_EQ(r.body, "still serving");
        co_await app.shutdown(1s);
    }());
}

TEST(http_stream, head_request_does_not_start_the_producer) {
    aio::run([]() -> task<> {
        bool started = false;
        aio::http::server app;
        app.route("GET", "/live", [&started](request&) -> task<response> {
            co_return response::stream(200, [](bool* s) -> aio::generator<std::string> {
                *s = true;
                co_yield "body";
            }(&started));
        });
        co_await app.listen("127.0.0.1", 0);
        auto r = co_await ask(app.port(), get("/live", "", "HEAD"), true);
        EXPECT_EQ(r.status, 200);
        EXPECT_EQ(r.body, "");
        EXPECT_FALSE(started);
        co_await app.shutdown(1s);
    }());
}
