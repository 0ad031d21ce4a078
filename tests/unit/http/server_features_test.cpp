// aio::http::server: HTTPS with ALPN, the access log, the connection limit, and graceful
// shutdown of a real process on SIGTERM (serve_until_signal / run).
#include "support/os.hpp"
#include "unit/http/server_peer.hpp"
#include "unit/net/tls/test_certs.hpp"

#include <aio/core.hpp>
#include <aio/http.hpp>
#include <aio/net.hpp>
#include <aio/os.hpp>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

using namespace std::chrono_literals;
using aio::task;
using aio::http::request;
using aio::http::response;
using aio_test::ask;
using aio_test::get;

namespace {

void hello_route(aio::http::server& app) {
    app.route("GET", "/hello",
              [](request&) -> task<response> { co_return response::text(200, "hello"); });
}

} // namespace

TEST(http_server_tls, serves_https_with_alpn_http11_to_our_client) {
    AIO_REQUIRE_TEST_CERTS();
    aio_test::temp_dir dir;
    std::string big(1 << 20, '\0');
    for (std::size_t i = 0; i < big.size(); ++i)
        big[i] = static_cast<char>(i * 31 + (i >> 9));
    std::ofstream(dir / "big.bin", std::ios::binary) << big;
    aio::run([&]() -> task<> {
        const auto ctx = aio_test::localhost_server();
        aio::http::server app;
        hello_route(app);
        app.add_static("/files", dir.path);
        co_await app.listen("127.0.0.1", 0, {.tls = ctx});
        const std::string base = "https://127.0.0.1:" + std::to_string(app.port());
        const std::string ca = aio_test::certs().ca(); // outlives the session
        aio::http::client_session http({.ca_file = ca.c_str()});
        auto r = co_await http.get(base + "/hello");
        EXPECT_EQ(r.status, 200);
        EXPECT_EQ(co_await r.text(), "hello");
        // A file over TLS: sendfile falls back to read + encrypt + write.
        auto f = co_await http.get(base + "/files/big.bin");
        EXPECT_EQ(f.status, 200);
        const std::string body = co_await f.read();
        EXPECT_EQ(body.size(), big.size());
        EXPECT_EQ(aio_test::fnv1a(body), aio_test::fnv1a(big));

        // ALPN: a client offering h2 and http/1.1 gets http/1.1.
        auto client = aio_test::trusting_client();
        const std::vector<std::string> alpn = {"h2", "http/1.1"};
        client.set_alpn_protocols(alpn);
        auto s = co_await aio::net::open_connection(
            "127.0.0.1", app.port(), {.tls = client, .server_hostname = "localhost"});
        if (!(s.tls().has_value())) { // ASSERT (a coroutine cannot use ASSERT_*)
            ADD_FAILURE() << "true failed: s.tls().has_value()";
            co_return;
        }
        EXPECT_EQ(s.tls()->alpn_protocol, "http/1.1");
        co_await s.write(get("/hello"));
        std::string all;
        for (;;) {
            std::string more = co_await aio::wait_for(s.read(4096), 5s);
            if (more.empty())
                break;
            all += more;
        }
        EXPECT_EQ(aio_test::parse_raw(all).body, "hello");
        co_await s.close();
        co_await app.shutdown(1s);
    }());
}

TEST(http_server_tls, serves_curl_over_https_http11) {
    AIO_REQUIRE_TEST_CERTS();
    if (::access("/usr/bin/curl", X_OK) != 0)
        GTEST_SKIP() << "curl is not installed (tools/deps.sh installs it)";
    aio::run([&]() -> task<> {
        const auto ctx = aio_test::localhost_server();
        aio::http::server app;
        hello_route(app);
        co_await app.listen("127.0.0.1", 0, {.tls = ctx});
        std::vector<std::string> argv = {
            "curl",      "-k",
            "--http1.1", "-sS",
            "-v",        "--max-time",
            "10",        "https://127.0.0.1:" + std::to_string(app.port()) + "/hello"};
        auto p = co_await aio::create_subprocess_exec(
            argv, aio::subprocess_options{.out = aio::pipe, .err = aio::pipe});
        auto [out, err] = co_await aio::wait_for(p.communicate(), 20s);
        EXPECT_EQ(co_await p.wait(), 0) << err;
        EXPECT_EQ(out, "hello");
        EXPECT_TRUE(std::regex_search(err, std::regex("ALPN.*http/1\\.1"))) << err;
        co_await app.shutdown(1s);
    }());
}

TEST(http_server, access_log_writes_one_aiohttp_style_line_per_request) {
    aio::run([]() -> task<> {
        std::vector<std::string> lines;
        aio::http::server app;
        hello_route(app);
        co_await app.listen("127.0.0.1", 0);
        (void)co_await ask(app.port(), get("/hello"));
        EXPECT_TRUE(lines.empty()); // off by default
        app.access_log([&lines](std::string_view l) { lines.emplace_back(l); });
        (void)co_await ask(app.port(),
                           get("/hello?x=1", "User-Agent: tester/1.0\r\nReferer: http://r/\r\n"));
        (void)co_await ask(app.port(), get("/missing"));
        if (!((lines.size()) == (2u))) { // ASSERT (a coroutine cannot use ASSERT_*)
            ADD_FAILURE() << "eq failed: lines.size(), 2u";
            co_return;
        }
        const std::regex line(
            R"(^127\.0\.0\.1 \[\d\d/[A-Z][a-z][a-z]/\d{4}:\d\d:\d\d:\d\d \+0000\] )"
            R"("GET /hello\?x=1 HTTP/1\.1" 200 5 "http://r/" "tester/1\.0" \d+\.\d{6}s$)");
        EXPECT_TRUE(std::regex_match(lines[0], line)) << lines[0];
        EXPECT_NE(lines[1].find("\"GET /missing HTTP/1.1\" 404 "), std::string::npos) << lines[1];
        EXPECT_NE(lines[1].find(" \"-\" \"-\" "), std::string::npos) << lines[1];
        co_await app.shutdown(1s);
    }());
}

TEST(http_server, connection_limit_holds_the_next_client_until_one_closes) {
    aio::run([]() -> task<> {
        aio::http::server app;
        hello_route(app);
        co_await app.listen("127.0.0.1", 0, {.max_connections = 1});
        // The first client keeps its connection open (keep-alive).
        auto a = co_await aio::net::open_connection("127.0.0.1", app.port());
        co_await a.write("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
        std::string got = co_await aio::wait_for(a.read(4096), 5s);
        EXPECT_NE(got.find("hello"), std::string::npos);
        // The second connects (the kernel's backlog) but is not served while `a` is open.
        bool b_done = false;
        auto b = aio::create_task([](std::uint16_t port, bool* done) -> task<std::string> {
            auto r = co_await ask(port, get("/hello"));
            *done = true;
            co_return r.body;
        }(app.port(), &b_done));
        for (int i = 0; i < 20; ++i)
            co_await aio::sleep(5ms);
        EXPECT_FALSE(b_done);
        EXPECT_EQ(app.connections(), 1u);
        co_await a.close(); // frees the slot: b is accepted and served
        EXPECT_EQ(co_await aio::wait_for(b, 5s), "hello");
        EXPECT_TRUE(b_done);
        co_await app.shutdown(1s);
    }());
}

#ifdef AIO_HTTP_SIGNAL_SERVER
TEST(http_server, sigterm_lets_the_request_in_flight_finish_closes_idle_ones_and_exits_0) {
    aio::run([]() -> task<> {
        std::vector<std::string> argv = {AIO_HTTP_SIGNAL_SERVER};
        auto p =
            co_await aio::create_subprocess_exec(argv, aio::subprocess_options{.out = aio::pipe});
        auto& out = p.out();
        const std::string first = co_await aio::wait_for(out.read_line(), 10s);
        if (!((first.rfind("port ", 0)) == (0u))) { // ASSERT (a coroutine cannot use ASSERT_*)
            ADD_FAILURE() << "eq failed: first.rfind('port ', 0), 0u" << first;
            co_return;
        }
        const auto port = static_cast<std::uint16_t>(std::stoi(first.substr(5)));

        // An idle keep-alive connection, and a request in flight.
        auto idle = co_await aio::net::open_connection("127.0.0.1", port);
        co_await idle.write("GET /fast HTTP/1.1\r\nHost: t\r\n\r\n");
        EXPECT_NE((co_await aio::wait_for(idle.read(4096), 5s)).find("fast"), std::string::npos);
        auto busy = co_await aio::net::open_connection("127.0.0.1", port);
        co_await busy.write("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n");
        EXPECT_EQ(co_await aio::wait_for(out.read_line(), 10s), "slow started\n");

        p.send_signal(SIGTERM); // mid-request
        std::string reply;
        for (;;) {
            std::string more = co_await aio::wait_for(busy.read(4096), 10s);
            if (more.empty())
                break; // closed after the response (the server is shutting down)
            reply += more;
        }
        auto r = aio_test::parse_raw(reply);
        EXPECT_EQ(r.status, 200);
        EXPECT_EQ(r.body, "slow done");
        EXPECT_EQ(r.headers.get("connection").value_or(""), "close");
        EXPECT_EQ(co_await aio::wait_for(idle.read(4096), 10s), ""); // closed by the server
        EXPECT_EQ(co_await aio::wait_for(out.read_line(), 10s), "stopped by signal 15\n");
        EXPECT_EQ(co_await aio::wait_for(p.wait(), 10s), 0);
    }());
}
#endif

#ifdef AIO_EXAMPLE_STATIC_SERVER
TEST(example_static_server, serves_a_folder_to_a_real_client_and_exits_0_on_sigint) {
    aio_test::temp_dir dir;
    std::filesystem::create_directories(dir / "site");
    std::ofstream(dir / "site/index.html") << "<h1>home</h1>";
    std::ofstream(dir / "site/data.txt") << "0123456789";
    aio::run([&]() -> task<> {
        std::vector<std::string> argv = {AIO_EXAMPLE_STATIC_SERVER, dir / "site", "--port", "0"};
        auto p = co_await aio::create_subprocess_exec(
            argv, aio::subprocess_options{.out = aio::pipe, .err = aio::pipe});
        const std::string first = co_await aio::wait_for(p.out().read_line(), 10s);
        const auto at = first.find("http://127.0.0.1:");
        if (!((at) != (std::string::npos))) { // ASSERT (a coroutine cannot use ASSERT_*)
            ADD_FAILURE() << "ne failed: at, std::string::npos" << first;
            co_return;
        }
        const std::string base = first.substr(at, first.find('/', at + 7) - at);
        aio::http::client_session http;
        auto home = co_await http.get(base + "/");
        EXPECT_EQ(home.status, 200);
        EXPECT_EQ(co_await home.text(), "<h1>home</h1>");
        aio::http::headers range;
        range.add("Range", "bytes=2-4");
        auto part = co_await http.get(base + "/data.txt", {.headers = &range});
        EXPECT_EQ(part.status, 206);
        EXPECT_EQ(co_await part.text(), "234");
        auto missing = co_await http.get(base + "/nope");
        EXPECT_EQ(missing.status, 404);
        (void)co_await missing.text();
        p.send_signal(SIGINT);
        EXPECT_EQ(co_await aio::wait_for(p.out().read_line(), 10s), "stopped\n");
        EXPECT_EQ(co_await aio::wait_for(p.wait(), 10s), 0);
        const std::string log = co_await aio::wait_for(p.err().read_all(), 10s);
        EXPECT_NE(log.find("\"GET /data.txt HTTP/1.1\" 206 3 "), std::string::npos) << log;
    }());
}
#endif
