// aio::http::server over loopback: raw requests written with aio::net (to control every
// byte: pipelining, slow heads, malformed input) and real clients (curl, Python's http.client).
#include <aio/core.hpp>
#include <aio/core/context_var.hpp>
#include <aio/http.hpp>
#include <aio/net.hpp>
#include <aio/os.hpp>

#include <atomic>
#include <chrono>
#include <regex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

using namespace std::chrono_literals;
using aio::task;
using aio::http::next_handler;
using aio::http::request;
using aio::http::response;

namespace {

struct reply {
    int status = 0;
    aio::http::headers headers;
    std::string body;
};

// Reads one response from `s`; `buf` keeps bytes that belong to the next one (pipelining).
task<reply> read_reply(aio::net::stream& s, std::string& buf, bool head_request = false) {
    aio::http::response_parser p;
    if (head_request)
        p.set_request_method("HEAD");
    for (;;) {
        auto r = p.parse(buf);
        if (r.status == aio::http::parse_status::error)
            throw std::runtime_error("bad response: " + p.error().message() + "\n" + buf);
        if (r.status == aio::http::parse_status::complete) {
            reply out;
            out.status = p.head().status;
            out.headers = aio::http::headers(p.head().headers);
            const std::size_t n = static_cast<std::size_t>(p.head().content_length);
            buf.erase(0, r.consumed);
            while (buf.size() < n) {
                std::string more = co_await aio::wait_for(s.read(65536), 5s);
                if (more.empty())
                    throw std::runtime_error("EOF inside a body");
                buf += more;
            }
            out.body = buf.substr(0, n);
            buf.erase(0, n);
            co_return out;
        }
        std::string more = co_await aio::wait_for(s.read(65536), 5s);
        if (more.empty())
            throw std::runtime_error("EOF before a response: " + buf);
        buf += more;
    }
}

// True once the server closed the connection (read returns "" within 5 s).
task<bool> closed_by_server(aio::net::stream& s) {
    std::string rest = co_await aio::wait_for(s.read(65536), 5s);
    co_return rest.empty();
}

// The routes most tests use.
void add_routes(aio::http::server& app) {
    app.route("GET", "/users/{id}", [](request& req) -> task<response> {
        co_return response::text(200, "user " + std::string(req.param("id")));
    });
    app.route("GET", "/search", [](request& req) -> task<response> {
        co_return response::text(200, "q=" + req.query("q").value_or("<none>"));
    });
    app.route("POST", "/echo", [](request& req) -> task<response> {
        co_return response::text(200, co_await req.text());
    });
    app.route("GET", "/files/{path...}", [](request& req) -> task<response> {
        co_return response::text(200, std::string(req.param("path")));
    });
    app.route("GET", "/json",
              [](request&) -> task<response> { co_return response::json(200, R"({"ok":true})"); });
    app.route("GET", "/boom", [](request&) -> task<response> {
        throw std::runtime_error("kaboom");
        co_return response::empty(204);
    });
    app.route("GET", "/slow", [](request&) -> task<response> {
        co_await aio::sleep(300ms);
        co_return response::text(200, "slow done");
    });
}

// One request on a fresh connection; the reply.
task<reply> exchange(std::uint16_t port, std::string raw, bool head_request = false) {
    auto s = co_await aio::net::open_connection("127.0.0.1", port);
    co_await s.write(raw);
    std::string buf;
    reply r = co_await read_reply(s, buf, head_request);
    co_await s.close();
    co_return r;
}

// Runs `argv` and returns its stdout (stderr appended after a "\n--stderr--\n" line).
task<std::string> run_tool(std::vector<std::string> argv) {
    auto p = co_await aio::create_subprocess_exec(
        std::move(argv), aio::subprocess_options{.out = aio::pipe, .err = aio::pipe});
    auto [out, err] = co_await aio::wait_for(p.communicate(), 20s);
    const int rc = co_await p.wait();
    EXPECT_EQ(rc, 0) << out << err;
    co_return out + "\n--stderr--\n" + err;
}

bool have_tool(const char* path) {
    return ::access(path, X_OK) == 0;
}

} // namespace

TEST(http_server, routes_path_parameters_like_the_design_example) {
    aio::run([]() -> task<> {
        aio::http::server app;
        add_routes(app);
        co_await app.listen("127.0.0.1", 0);
        EXPECT_NE(app.port(), 0);
        reply r = co_await exchange(app.port(), "GET /users/7 HTTP/1.1\r\nHost: x\r\n\r\n");
        EXPECT_EQ(r.status, 200);
        EXPECT_EQ(r.body, "user 7");
        EXPECT_EQ(r.headers.get("content-type"), "text/plain; charset=utf-8");
        EXPECT_EQ(r.headers.get("content-length"), "6");
        // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
        EXPECT_TRUE(std::regex_match(std::string(r.headers.get("date").value_or("")),
                                     std::regex("[A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} "
                                                "[0-9]{2}:[0-9]{2}:[0-9]{2} GMT")));
        r = co_await exchange(app.port(), "GET /users/a%20b HTTP/1.1\r\nHost: x\r\n\r\n");
        EXPECT_EQ(r.body, "user a b");
        r = co_await exchange(app.port(), "GET /json HTTP/1.1\r\nHost: x\r\n\r\n");
        EXPECT_EQ(r.headers.get("content-type"), "application/json");
        EXPECT_EQ(r.body, R"({"ok":true})");
        co_await app.shutdown(1s);
    }());
}

TEST(http_server, decodes_query_parameters) {
    aio::run([]() -> task<> {
        aio::http::server app;
        add_routes(app);
        co_await app.listen("127.0.0.1", 0);
        reply r = co_await exchange(
            app.port(), "GET /search?x=1&q=C%2B%2B+coroutines HTTP/1.1\r\nHost: x\r\n\r\n");
        EXPECT_EQ(r.body, "q=C++ coroutines");
        r = co_await exchange(app.port(), "GET /search HTTP/1.1\r\nHost: x\r\n\r\n");
        EXPECT_EQ(r.body, "q=<none>");
        r = co_await exchange(app.port(), "GET /search?q=%zz HTTP/1.1\r\nHost: x\r\n\r\n");
        EXPECT_EQ(r.status, 400); // the client's broken escape, not the handler's fault
        co_await app.shutdown(1s);
    }());
}

TEST(http_server, tail_parameter_matches_the_rest_of_the_path) {
    aio::run([]() -> task<> {
        aio::http::server app;
        add_routes(app);
        co_await app.listen("127.0.0.1", 0);
        reply r = co_await exchange(app.port(), "GET /files/a/b/c.txt HTTP/1.1\r\nHost: x\r\n\r\n");
        EXPECT_EQ(r.status, 200);
        EXPECT_EQ(r.body, "a/b/c.txt");
        co_await app.shutdown(1s);
    }());
}

TEST(http_server, answers_404_for_an_unknown_path_and_405_with_allow_for_a_wrong_method) {
    aio::run([]() -> task<> {
        aio::http::server app;
        add_routes(app);
        co_await app.listen("127.0.0.1", 0);
        reply r = co_await exchange(app.port(), "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n");
        EXPECT_EQ(r.status, 404);
        r = co_await exchange(app.port(),
                              "DELETE /users/7 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
        EXPECT_EQ(r.status, 405);
        EXPECT_EQ(r.headers.get("allow"), "GET, HEAD");
        co_await app.shutdown(1s);
    }());
}

TEST(http_server, routes_no_asterisk_or_authority_target_even_to_a_catch_all) {
    aio::run([]() -> task<> {
        aio::http::server app;
        app.route("GET", "/{rest...}", [](request& req) -> task<response> {
            co_return response::text(200, "rest=" + std::string(req.param("rest")));
        });
        app.route("POST", "/form",
                  [](request&) -> task<response> { co_return response::empty(204); });
        co_await app.listen("127.0.0.1", 0);
        reply r = co_await exchange(app.port(), "GET /a/b HTTP/1.1\r\nHost: x\r\n\r\n");
        EXPECT_EQ(r.body, "rest=a/b");
        // OPTIONS * asks about the server: every method its routes take, no handler runs.
        r = co_await exchange(app.port(), "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n");
        EXPECT_EQ(r.status, 200);
        EXPECT_EQ(r.headers.get("allow"), "GET, HEAD, POST");
        EXPECT_EQ(r.body, "");
        r = co_await exchange(app.port(), "CONNECT example.com:443 HTTP/1.1\r\nHost: x\r\n\r\n");
        EXPECT_EQ(r.status, 404);
        EXPECT_EQ(r.body.find("rest="), std::string::npos) << r.body;
        co_await app.shutdown(1s);
    }());
}

TEST(http_server, answers_head_with_the_get_headers_and_no_body) {
    aio::run([]() -> task<> {
        aio::http::server app;
        add_routes(app);
        co_await app.listen("127.0.0.1", 0);
        auto s = co_await aio::net::open_connection("127.0.0.1", app.port());
        co_await s.write("HEAD /users/42 HTTP/1.1\r\nHost: x\r\n\r\n"
                         "GET /users/1 HTTP/1.1\r\nHost: x\r\n\r\n");
        std::string buf;
        reply h = co_await read_reply(s, buf, true);
        EXPECT_EQ(h.status, 200);
        EXPECT_EQ(h.headers.get("content-length"), "7");
        EXPECT_EQ(h.body, "");
        reply g = co_await read_reply(s, buf); // the next bytes are the GET's response
        EXPECT_EQ(g.body, "user 1");
        co_await s.close();
        co_await app.shutdown(1s);
    }());
}

TEST(http_server, reuses_a_keep_alive_connection) {
    aio::run([]() -> task<> {
        aio::http::server app;
        add_routes(app);
        co_await app.listen("127.0.0.1", 0);
        auto s = co_await aio::net::open_connection("127.0.0.1", app.port());
        std::string buf;
        for (int i = 0; i < 3; ++i) {
            co_await s.write("GET /users/" + std::to_string(i) + " HTTP/1.1\r\nHost: x\r\n\r\n");
            reply r = co_await read_reply(s, buf);
            EXPECT_EQ(r.body, "user " + std::to_string(i));
            EXPECT_FALSE(r.headers.contains("connection"));
        }
        EXPECT_EQ(app.connections(), 1u);
        co_await s.close();
        co_await app.shutdown(1s);
    }());
}

TEST(http_server, answers_pipelined_requests_in_order) {
    aio::run([]() -> task<> {
        aio::http::server app;
        add_routes(app);
        co_await app.listen("127.0.0.1", 0);
        auto s = co_await aio::net::open_connection("127.0.0.1", app.port());
        // The slow one first: its answer must still come first.
        co_await s.write("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"
                         "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
                         "GET /users/9 HTTP/1.1\r\nHost: x\r\n\r\n");
        std::string buf;
        EXPECT_EQ((co_await read_reply(s, buf)).body, "slow done");
        EXPECT_EQ((co_await read_reply(s, buf)).body, "hello");
        EXPECT_EQ((co_await read_reply(s, buf)).body, "user 9");
        co_await s.close();
        co_await app.shutdown(1s);
    }());
}

TEST(http_server, reads_a_chunked_request_body) {
    aio::run([]() -> task<> {
        aio::http::server app;
        add_routes(app);
        co_await app.listen("127.0.0.1", 0);
        auto s = co_await aio::net::open_connection("127.0.0.1", app.port());
        co_await s.write("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                         "5\r\nhello\r\n");
        co_await aio::sleep(20ms); // the rest in a second segment
        co_await s.write("6;ext=1\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n"
                         "GET /users/2 HTTP/1.1\r\nHost: x\r\n\r\n");
        std::string buf;
        EXPECT_EQ((co_await read_reply(s, buf)).body, "hello world");
        EXPECT_EQ((co_await read_reply(s, buf)).body, "user 2");
        co_await s.close();
        co_await app.shutdown(1s);
    }());
}

TEST(http_server, refuses_a_body_over_the_limit_with_413) {
    aio::run([]() -> task<> {
        aio::http::server app({.max_body_size = 16});
        add_routes(app);
        co_await app.listen("127.0.0.1", 0);
        reply r = co_await exchange(app.port(), "POST /echo HTTP/1.1\r\nHost: x\r\n"
                                                "Content-Length: 17\r\n\r\n12345678901234567");
        EXPECT_EQ(r.status, 413);
        EXPECT_EQ(r.headers.get("connection"), "close");
        // chunked: the limit is found while decoding
        r = co_await exchange(app.port(),
                              "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                              "10\r\n0123456789abcdef\r\n1\r\nX\r\n0\r\n\r\n");
        EXPECT_EQ(r.status, 413);
        r = co_await exchange(app.port(), "POST /echo HTTP/1.1\r\nHost: x\r\n"
                                          "Content-Length: 16\r\n\r\n0123456789abcdef");
        EXPECT_EQ(r.status, 200);
        r = co_await exchange(app.port(), "POST /echo HTTP/1.1\r\nHost: x\r\n\r\n");
        EXPECT_EQ(r.status, 200); // no body at all: read() gives ""
        EXPECT_EQ(r.body, "");
        co_await app.shutdown(1s);
    }());
}

TEST(http_server, answers_parser_limits_with_their_status_and_closes) {
    aio::run([]() -> task<> {
        aio::http::server_options o;
        o.limits.max_headers = 4;
        o.limits.max_start_line = 64;
        aio::http::server app(o);
        add_routes(app);
        co_await app.listen("127.0.0.1", 0);
        struct {
            std::string raw;
            int status;
        } cases[] = {
            {"GET /users/1 HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", 431},
            {"GET /" + std::string(100, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n", 414},
            {"GET /users/1 HTTP/2.0\r\nHost: x\r\n\r\n", 505},
            {"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501},
            {"GET /users/1 HTTP/1.1\r\nHost : x\r\n\r\n", 400},
        };
        for (auto& c : cases) {
            auto s = co_await aio::net::open_connection("127.0.0.1", app.port());
            co_await s.write(c.raw);
            std::string buf;
            reply r = co_await read_reply(s, buf);
            EXPECT_EQ(r.status, c.status) << c.raw;
            EXPECT_EQ(r.headers.get("connection"), "close");
            EXPECT_TRUE(co_await closed_by_server(s));
            co_await s.close();
        }
        co_await app.shutdown(1s);
    }());
}

TEST(http_server, answers_408_to_a_head_that_does_not_arrive_in_time) {
    aio::run([]() -> task<> {
        aio::http::server app({.header_timeout = 200ms});
        add_routes(app);
        co_await app.listen("127.0.0.1", 0);
        auto s = co_await aio::net::open_connection("127.0.0.1", app.port());
        const auto start = std::chrono::steady_clock::now();
        co_await s.write("GET /users/1 HTTP/1.1\r\n");
        co_await aio::sleep(100ms);
        co_await s.write("Host: x\r\n"); // slowloris: a trickle, never the end of the head
        std::string buf;
        reply r = co_await read_reply(s, buf);
        EXPECT_EQ(r.status, 408);
        EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
        EXPECT_TRUE(co_await closed_by_server(s));
        co_await s.close();
        co_await app.shutdown(1s);
    }());
}

TEST(http_server, closes_an_idle_keep_alive_connection_after_its_timeout) {
    aio::run([]() -> task<> {
        aio::http::server app({.keep_alive_timeout = 150ms});
        add_routes(app);
        co_await app.listen("127.0.0.1", 0);
        auto s = co_await aio::net::open_connection("127.0.0.1", app.port());
        co_await s.write("GET /users/1 HTTP/1.1\r\nHost: x\r\n\r\n");
        std::string buf;
        EXPECT_EQ((co_await read_reply(s, buf)).status, 200);
        EXPECT_TRUE(co_await closed_by_server(s));
        co_await s.close();
        co_await app.shutdown(1s);
    }());
}

TEST(http_server, turns_a_handler_exception_into_500_and_keeps_serving) {
    std::vector<std::string> reports;
    aio::run([](std::vector<std::string>& reports) -> task<> {
        aio::get_running_loop().set_exception_handler(
            [&reports](std::string_view m) { reports.emplace_back(m); });
        aio::http::server app;
        add_routes(app);
        co_await app.listen("127.0.0.1", 0);
        auto s = co_await aio::net::open_connection("127.0.0.1", app.port());
        co_await s.write(
            "GET /boom HTTP/1.1\r\nHost: x\r\n\r\nGET /users/3 HTTP/1.1\r\nHost: x\r\n\r\n");
        std::string buf;
        EXPECT_EQ((co_await read_reply(s, buf)).status, 500);
        EXPECT_EQ((co_await read_reply(s, buf)).body, "user 3"); // same connection
        co_await s.close();
        co_await app.shutdown(1s);
    }(reports));
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_NE(reports[0].find("kaboom"), std::string::npos) << reports[0];
    EXPECT_NE(reports[0].find("GET /boom"), std::string::npos) << reports[0];
}

TEST(http_server, runs_middleware_in_registration_order) {
    aio::run([]() -> task<> {
        aio::http::server app;
        add_routes(app);
        app.use([](request& req, next_handler next) -> task<response> {
            req.headers.add("X-Trace", "outer");
            response r = co_await next(req);
            r.headers.add("X-Order", "outer");
            co_return r;
        });
        app.use([](request& req, next_handler next) -> task<response> {
            if (req.headers.get("authorization") != "yes")
                co_return response::text(401, "no");
            req.headers.add("X-Trace", "inner");
            response r = co_await next(req);
            r.headers.add("X-Order", "inner");
            co_return r;
        });
        app.route("GET", "/trace", [](request& req) -> task<response> {
            std::string t;
            for (auto v : req.headers.get_all("x-trace"))
                t += std::string(v) + ",";
            co_return response::text(200, t);
        });
        co_await app.listen("127.0.0.1", 0);
        reply r = co_await exchange(app.port(),
                                    "GET /trace HTTP/1.1\r\nHost: x\r\nAuthorization: yes\r\n\r\n");
        EXPECT_EQ(r.body, "outer,inner,");
        auto order = r.headers.get_all("x-order");
        EXPECT_EQ(order, (std::vector<std::string_view>{"inner", "outer"})); // inner returns first
        r = co_await exchange(app.port(), "GET /trace HTTP/1.1\r\nHost: x\r\n\r\n");
        EXPECT_EQ(r.status, 401);
        co_await app.shutdown(1s);
    }());
}

// asyncio's contextvars use case: a middleware sets a request id for everything the
// handler calls, and resets it afterwards, so no request sees another's id.
TEST(http_server, middleware_sets_a_context_var_the_handler_reads) {
    aio::run([]() -> task<> {
        static aio::context_var<std::string> request_id("request_id");
        aio::http::server app;
        app.use([](request& req, next_handler next) -> task<response> {
            auto token = request_id.set(std::string(req.headers.get("x-request-id").value_or("-")));
            try {
                response r = co_await next(req); // handlers and their tasks see request_id.get()
                // What the connection's task held before this request: "unset" unless an
                // earlier request's value was left behind.
                r.headers.set("X-Before", token.old_value().value_or("unset"));
                request_id.reset(token);
                co_return r;
            } catch (...) {
                request_id.reset(token); // also when the handler throws or is cancelled
                throw;
            }
        });
        app.route("GET", "/id", [](request&) -> task<response> {
            co_await aio::sleep(0s); // the value survives a suspension
            co_return response::text(200, request_id.get("unset"));
        });
        app.route("GET", "/fail", [](request&) -> task<response> {
            co_await aio::sleep(0s);
            throw std::runtime_error("failed under " + request_id.get("unset"));
        });
        co_await app.listen("127.0.0.1", 0);
        // One keep-alive connection: its requests run in one task, so what a request set
        // must be gone by the next one, after a failed request as well.
        auto s = co_await aio::net::open_connection("127.0.0.1", app.port());
        co_await s.write("GET /id HTTP/1.1\r\nHost: x\r\nX-Request-Id: r1\r\n\r\n"
                         "GET /fail HTTP/1.1\r\nHost: x\r\nX-Request-Id: r2\r\n\r\n"
                         "GET /id HTTP/1.1\r\nHost: x\r\n\r\n");
        std::string buf;
        reply a = co_await read_reply(s, buf);
        reply failed = co_await read_reply(s, buf);
        reply b = co_await read_reply(s, buf);
        EXPECT_EQ(a.body, "r1");
        EXPECT_EQ(failed.status, 500);
        EXPECT_EQ(b.body, "-");
        EXPECT_EQ(a.headers.get("x-before"), "unset");
        EXPECT_EQ(b.headers.get("x-before"), "unset"); // r2 was reset although /fail threw
        EXPECT_EQ(request_id.get("unset"), "unset");   // nothing leaked into this task
        co_await s.close();
        co_await app.shutdown(1s);
    }());
}

TEST(http_server, sends_100_continue_before_reading_the_body) {
    aio::run([]() -> task<> {
        aio::http::server app;
        add_routes(app);
        co_await app.listen("127.0.0.1", 0);
        auto s = co_await aio::net::open_connection("127.0.0.1", app.port());
        co_await s.write("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
                         "Expect: 100-continue\r\n\r\n");
        std::string interim = co_await aio::wait_for(s.read_until("\r\n\r\n"), 5s);
        EXPECT_EQ(interim, "HTTP/1.1 100 Continue\r\n\r\n");
        co_await s.write("ping");
        std::string buf;
        reply r = co_await read_reply(s, buf);
        EXPECT_EQ(r.status, 200);
        EXPECT_EQ(r.body, "ping");
        co_await s.close();
        co_await app.shutdown(1s);
    }());
}

TEST(http_server, honours_connection_close_and_http10_clients) {
    aio::run([]() -> task<> {
        aio::http::server app;
        add_routes(app);
        co_await app.listen("127.0.0.1", 0);
        {
            auto s = co_await aio::net::open_connection("127.0.0.1", app.port());
            co_await s.write("GET /users/1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            std::string buf;
            reply r = co_await read_reply(s, buf);
            EXPECT_EQ(r.headers.get("connection"), "close");
            EXPECT_TRUE(co_await closed_by_server(s));
        }
        {
            auto s = co_await aio::net::open_connection("127.0.0.1", app.port());
            co_await s.write("GET /users/1 HTTP/1.0\r\n\r\n"); // 1.0: no Host needed, closes
            std::string buf;
            reply r = co_await read_reply(s, buf);
            EXPECT_EQ(r.body, "user 1");
            EXPECT_EQ(r.headers.get("connection"), "close");
            EXPECT_TRUE(co_await closed_by_server(s));
        }
        {
            auto s = co_await aio::net::open_connection("127.0.0.1", app.port());
            std::string buf;
            for (int i = 0; i < 2; ++i) {
                co_await s.write("GET /users/1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
                reply r = co_await read_reply(s, buf);
                EXPECT_EQ(r.headers.get("connection"), "keep-alive");
            }
        }
        co_await app.shutdown(1s);
    }());
}

TEST(http_server, closes_after_a_response_whose_handler_set_connection_close) {
    aio::run([]() -> task<> {
        aio::http::server app;
        app.route("GET", "/bye", [](request&) -> task<response> {
            response r = response::text(200, "bye");
            r.headers.set("Connection", "close");
            co_return r;
        });
        co_await app.listen("127.0.0.1", 0);
        auto s = co_await aio::net::open_connection("127.0.0.1", app.port());
        co_await s.write("GET /bye HTTP/1.1\r\nHost: x\r\n\r\n");
        std::string buf;
        reply r = co_await read_reply(s, buf);
        EXPECT_EQ(r.body, "bye");
        EXPECT_EQ(r.headers.get_all("connection").size(), 1u);
        EXPECT_TRUE(co_await closed_by_server(s));
        co_await s.close();
        co_await app.shutdown(1s);
    }());
}

TEST(http_server, shutdown_finishes_the_request_in_flight_and_ends_serve_forever) {
    aio::run([]() -> task<> {
        aio::http::server app;
        add_routes(app);
        co_await app.listen("127.0.0.1", 0);
        auto serving = aio::create_task(app.serve_forever());
        auto idle = co_await aio::net::open_connection("127.0.0.1", app.port());
        auto busy = co_await aio::net::open_connection("127.0.0.1", app.port());
        co_await busy.write("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
        co_await aio::sleep(50ms); // the request is in its handler
        const std::uint16_t port = app.port();
        co_await app.shutdown(2s);
        EXPECT_TRUE(serving.done());
        co_await serving;
        std::string buf;
        reply r = co_await read_reply(busy, buf);
        EXPECT_EQ(r.body, "slow done");
        EXPECT_EQ(r.headers.get("connection"), "close");
        EXPECT_TRUE(co_await closed_by_server(idle));
        EXPECT_EQ(app.connections(), 0u);
        bool refused = false;
        try {
            auto s = co_await aio::net::open_connection("127.0.0.1", port);
        } catch (const aio::io_error&) {
            refused = true;
        }
        EXPECT_TRUE(refused);
    }());
}

TEST(http_server, shutdown_cancels_handlers_still_running_at_the_deadline) {
    aio::run([]() -> task<> {
        aio::http::server app;
        app.route("GET", "/forever", [](request&) -> task<response> {
            co_await aio::sleep(1h);
            co_return response::empty(204);
        });
        co_await app.listen("127.0.0.1", 0);
        auto s = co_await aio::net::open_connection("127.0.0.1", app.port());
        co_await s.write("GET /forever HTTP/1.1\r\nHost: x\r\n\r\n");
        co_await aio::sleep(30ms);
        const auto start = std::chrono::steady_clock::now();
        co_await app.shutdown(100ms);
        EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
        EXPECT_EQ(app.connections(), 0u);
    }());
}

TEST(http_server, shares_a_port_between_servers_with_reuse_port) {
    aio::run([]() -> task<> {
        aio::http::server a, b;
        add_routes(a);
        add_routes(b);
        co_await a.listen("127.0.0.1", 0, {.reuse_port = true});
        co_await b.listen("127.0.0.1", a.port(), {.reuse_port = true});
        EXPECT_EQ(a.port(), b.port());
        reply r = co_await exchange(a.port(), "GET /users/5 HTTP/1.1\r\nHost: x\r\n\r\n");
        EXPECT_EQ(r.body, "user 5");
        co_await a.shutdown(1s);
        co_await b.shutdown(1s);
    }());
}

TEST(http_server, serves_one_port_from_loops_on_two_threads_with_reuse_port) {
    std::atomic<std::uint16_t> port{0};
    std::atomic<bool> stop{false};
    // The second loop: its own server on the port the first one got.
    std::thread other([&port, &stop] {
        aio::run([](std::atomic<std::uint16_t>& port, std::atomic<bool>& stop) -> task<> {
            while (port.load() == 0)
                co_await aio::sleep(1ms);
            aio::http::server b;
            b.route("GET", "/who",
                    [](request&) -> task<response> { co_return response::text(200, "b"); });
            co_await b.listen("127.0.0.1", port.load(), {.reuse_port = true});
            port.store(0xffff); // listening (the real port is known to the main thread)
            while (!stop.load())
                co_await aio::sleep(5ms);
            co_await b.shutdown(1s);
        }(port, stop));
    });
    int a_count = 0, b_count = 0;
    aio::run([](std::atomic<std::uint16_t>& port, std::atomic<bool>& stop, int& a_count,
                int& b_count) -> task<> {
        aio::http::server a;
        a.route("GET", "/who",
                [](request&) -> task<response> { co_return response::text(200, "a"); });
        co_await a.listen("127.0.0.1", 0, {.reuse_port = true});
        const std::uint16_t p = a.port();
        port.store(p);
        for (int i = 0; i < 500 && port.load() != 0xffff; ++i)
            co_await aio::sleep(2ms);
        EXPECT_EQ(port.load(), 0xffff);
        for (int i = 0; i < 32; ++i) {
            reply r = co_await exchange(p, "GET /who HTTP/1.1\r\nHost: x\r\n\r\n");
            (r.body == "a" ? a_count : b_count) += 1;
        }
        stop.store(true);
        co_await a.shutdown(1s);
    }(port, stop, a_count, b_count));
    other.join();
    EXPECT_EQ(a_count + b_count, 32);
    EXPECT_GT(a_count, 0); // the kernel spreads connections (1 in 2^31 to fail by chance)
    EXPECT_GT(b_count, 0);
}

TEST(http_server, closes_a_connection_that_sends_nothing_within_the_header_timeout) {
    aio::run([]() -> task<> {
        aio::http::server app({.header_timeout = 150ms});
        add_routes(app);
        co_await app.listen("127.0.0.1", 0);
        auto s = co_await aio::net::open_connection("127.0.0.1", app.port());
        EXPECT_TRUE(co_await closed_by_server(s)); // silently: nothing was asked
        co_await s.close();
        co_await app.shutdown(1s);
    }());
}

TEST(http_server, drops_a_body_the_handler_did_not_read_and_serves_the_next_request) {
    aio::run([]() -> task<> {
        aio::http::server app;
        add_routes(app);
        co_await app.listen("127.0.0.1", 0);
        auto s = co_await aio::net::open_connection("127.0.0.1", app.port());
        co_await s.write("GET /users/1 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
                         "GET /users/2 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                         "3\r\nabc\r\n0\r\n\r\n"
                         "GET /users/3 HTTP/1.1\r\nHost: x\r\n\r\n");
        std::string buf;
        EXPECT_EQ((co_await read_reply(s, buf)).body, "user 1");
        EXPECT_EQ((co_await read_reply(s, buf)).body, "user 2");
        EXPECT_EQ((co_await read_reply(s, buf)).body, "user 3");
        co_await s.close();
        co_await app.shutdown(1s);
    }());
}

TEST(http_server, refuses_an_expected_body_over_the_limit_without_100_continue) {
    aio::run([]() -> task<> {
        aio::http::server app({.max_body_size = 8});
        add_routes(app);
        co_await app.listen("127.0.0.1", 0);
        auto s = co_await aio::net::open_connection("127.0.0.1", app.port());
        co_await s.write("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n"
                         "Expect: 100-continue\r\n\r\n");
        std::string buf;
        reply r = co_await read_reply(s, buf); // a 100 would fail: it is not the final answer
        EXPECT_EQ(r.status, 413);
        EXPECT_TRUE(co_await closed_by_server(s));
        co_await s.close();
        co_await app.shutdown(1s);
    }());
}

TEST(http_server, maps_http_exception_to_its_status_and_an_invalid_status_to_500) {
    std::vector<std::string> reports;
    aio::run([](std::vector<std::string>& reports) -> task<> {
        aio::get_running_loop().set_exception_handler(
            [&reports](std::string_view m) { reports.emplace_back(m); });
        aio::http::server app;
        app.route("GET", "/forbidden", [](request&) -> task<response> {
            throw aio::http::http_exception(403, "403: no entry");
            co_return response::empty(204);
        });
        app.route("GET", "/weird",
                  [](request&) -> task<response> { co_return response::empty(42); });
        co_await app.listen("127.0.0.1", 0);
        reply r = co_await exchange(app.port(), "GET /forbidden HTTP/1.1\r\nHost: x\r\n\r\n");
        EXPECT_EQ(r.status, 403);
        EXPECT_EQ(r.body, "403: no entry");
        r = co_await exchange(app.port(), "GET /weird HTTP/1.1\r\nHost: x\r\n\r\n");
        EXPECT_EQ(r.status, 500);
        co_await app.shutdown(1s);
    }(reports));
    EXPECT_EQ(reports.size(), 1u); // the invalid status, not the http_exception
}

TEST(http_server, rejects_malformed_route_patterns) {
    aio::http::server app;
    auto h = [](request&) -> task<response> { co_return response::empty(204); };
    EXPECT_THROW(app.route("GET", "no-slash", h), std::invalid_argument);
    EXPECT_THROW(app.route("GET", "/{rest...}/more", h), std::invalid_argument);
    EXPECT_THROW(app.route("GET", "/{open", h), std::invalid_argument);
    EXPECT_NO_THROW(app.route("GET", "/a/{b}/{c...}", h));
}

TEST(http_server, serves_curl_with_keep_alive_head_and_chunked_upload) {
    if (!have_tool("/usr/bin/curl"))
        GTEST_SKIP() << "curl is not installed (tools/deps.sh installs it)";
    aio::run([]() -> task<> {
        aio::http::server app;
        add_routes(app);
        co_await app.listen("127.0.0.1", 0);
        const std::string base = "http://127.0.0.1:" + std::to_string(app.port());
        // GCC 12 cannot keep a braced list alive across co_await: name each argv first.
        std::vector<std::string> reuse = {
            "curl", "-sS", "-v", "--max-time", "10", base + "/users/1", base + "/users/2"};
        std::vector<std::string> head = {"curl",       "-sS", "-I",
                                         "--max-time", "10",  base + "/users/1"};
        std::vector<std::string> upload = {
            "curl",          "-sS",    "--max-time",  "10", "-H", "Transfer-Encoding: chunked",
            "--data-binary", "chunky", base + "/echo"};
        std::vector<std::string> put = {"curl",           "-sS", "-o",  "/dev/null",  "-w",
                                        "%{http_code}",   "-X",  "PUT", "--max-time", "10",
                                        base + "/users/1"};
        std::string out = co_await run_tool(reuse);
        EXPECT_NE(out.find("user 1user 2"), std::string::npos) << out;
        EXPECT_NE(out.find("Re-using"), std::string::npos) << out; // one connection
        out = co_await run_tool(head);
        EXPECT_NE(out.find("HTTP/1.1 200 OK"), std::string::npos) << out;
        EXPECT_NE(out.find("Content-Length: 6"), std::string::npos) << out;
        out = co_await run_tool(upload);
        EXPECT_EQ(out.substr(0, out.find('\n')), "chunky") << out;
        out = co_await run_tool(put);
        EXPECT_EQ(out.substr(0, 3), "405") << out;
        co_await app.shutdown(1s);
    }());
}

TEST(http_server, serves_python_http_client_with_keep_alive_and_chunked_upload) {
    aio::run([]() -> task<> {
        aio::http::server app;
        add_routes(app);
        co_await app.listen("127.0.0.1", 0);
        const std::string script = R"(
import http.client, sys, urllib.request
port = int(sys.argv[1])
c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
c.request("GET", "/users/7"); r = c.getresponse(); print(r.status, r.read().decode())
sock = c.sock
c.request("POST", "/echo", body=iter([b"ab", b"cd"]), encode_chunked=True,
          headers={"Transfer-Encoding": "chunked"})
r = c.getresponse(); print(r.status, r.read().decode(), "same" if c.sock is sock else "new")
c.request("GET", "/nope"); r = c.getresponse(); r.read(); print(r.status)
print(urllib.request.urlopen("http://127.0.0.1:%d/search?q=a+b" % port, timeout=10).read().decode())
)";
        std::vector<std::string> argv = {"python3", "-c", script, std::to_string(app.port())};
        std::string out = co_await run_tool(argv);
        EXPECT_EQ(out.substr(0, out.find("\n--stderr--")),
                  "200 user 7\n200 abcd same\n404\nq=a b\n")
            << out;
        co_await app.shutdown(1s);
    }());
}
