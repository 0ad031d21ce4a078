// aio::http::client_session against a real peer: Python's http.server running
// client_peer.py on 127.0.0.1 (an ephemeral port), and raw aio::net servers for exact bytes.
#include "support/helpers.hpp"
#include "support/net.hpp"
#include "unit/net/tls/test_certs.hpp"

#include <aio/core.hpp>
#include <aio/http/client.hpp>
#include <aio/net.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <csignal>
#include <cstdio>
#include <string>
#include <vector>

#include <brotli/encode.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace std::chrono_literals;
namespace http = aio::http;

namespace {

/// The Python peer, started once for the suite and killed at exit.
class python_peer {
  public:
    python_peer() {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0)
            return;
        m_pid = ::fork();
        if (m_pid == 0) {
            ::prctl(PR_SET_PDEATHSIG, SIGKILL); // never outlives the test, even when killed
            ::dup2(fds[1], 1);
            const int null = ::open("/dev/null", O_WRONLY); // the peer's tracebacks of resets
            if (null >= 0)
                ::dup2(null, 2);
            ::execlp("python3", "python3", AIO_HTTP_CLIENT_PEER, static_cast<char*>(nullptr));
            ::_exit(127);
        }
        ::close(fds[1]);
        char buf[32] = {};
        std::size_t n = 0;
        while (n < sizeof buf - 1) {
            const ssize_t r = ::read(fds[0], buf + n, 1);
            if (r <= 0 || buf[n] == '\n')
                break;
            ++n;
        }
        ::close(fds[0]);
        m_port = static_cast<std::uint16_t>(std::atoi(buf));
    }
    ~python_peer() {
        if (m_pid > 0) {
            ::kill(m_pid, SIGTERM);
            ::waitpid(m_pid, nullptr, 0);
        }
    }
    std::uint16_t port() const { return m_port; }

  private:
    pid_t m_pid = -1;
    std::uint16_t m_port = 0;
};

python_peer& peer() {
    static python_peer p;
    return p;
}

std::string at(const std::string& path) {
    return "http://127.0.0.1:" + std::to_string(peer().port()) + path;
}

class http_client : public ::testing::Test {
  protected:
    void SetUp() override {
        if (peer().port() == 0)
            GTEST_SKIP() << "python3 could not start the peer";
    }
};

} // namespace

TEST_F(http_client, get_returns_status_reason_headers_and_text) {
    aio_test::run([]() -> aio::task<> {
        http::client_session s;
        auto r = co_await s.get(at("/hello"));
        EXPECT_EQ(r.status, 200);
        EXPECT_EQ(r.reason, "OK");
        EXPECT_EQ(r.headers.get("CONTENT-TYPE"), "text/plain");
        EXPECT_EQ(co_await r.text(), "hello");
        EXPECT_EQ(r.url, at("/hello"));
    });
}

TEST_F(http_client, posts_json_body_and_parses_json_response) {
    aio_test::run([]() -> aio::task<> {
        http::client_session s;
        nlohmann::json in = {{"name", "ann"}, {"n", 7}};
        auto r = co_await s.post(at("/echo"), http::json_body(in));
        nlohmann::json j = co_await r.json();
        EXPECT_EQ(j["method"], "POST");
        EXPECT_EQ(j["headers"]["content-type"], "application/json");
        EXPECT_EQ(nlohmann::json::parse(j["body"].get<std::string>()), in);
    });
}

TEST_F(http_client, sends_form_body_urlencoded) {
    aio_test::run([]() -> aio::task<> {
        http::client_session s;
        auto r = co_await s.put(at("/echo"), http::form_body("a b", "c&d", "x", "1"));
        nlohmann::json j = co_await r.json();
        EXPECT_EQ(j["method"], "PUT");
        EXPECT_EQ(j["headers"]["content-type"], "application/x-www-form-urlencoded");
        EXPECT_EQ(j["body"], "a%20b=c%26d&x=1");
    });
}

TEST_F(http_client, appends_query_parameters_and_sends_headers) {
    aio_test::run([]() -> aio::task<> {
        http::client_session s;
        http::query_builder q;
        q.add("q", "C++ coroutines").add("page", 2);
        http::headers h;
        h.add("X-Test", "yes");
        auto r = co_await s.get(at("/echo?a=1"), {.headers = &h, .params = &q});
        nlohmann::json j = co_await r.json();
        EXPECT_EQ(j["path"], "/echo?a=1&q=C%2B%2B%20coroutines&page=2");
        EXPECT_EQ(j["headers"]["x-test"], "yes");
        EXPECT_EQ(j["headers"]["accept-encoding"], "gzip, deflate, br");
    });
}

TEST_F(http_client, patch_and_delete_send_their_method) {
    aio_test::run([]() -> aio::task<> {
        http::client_session s;
        auto r1 = co_await s.patch(at("/echo"), http::request_body("raw", "text/plain"));
        nlohmann::json j1 = co_await r1.json();
        EXPECT_EQ(j1["method"], "PATCH");
        EXPECT_EQ(j1["body"], "raw");
        auto r2 = co_await s.del(at("/echo"));
        EXPECT_EQ((co_await r2.json())["method"], "DELETE");
    });
}

TEST(http_client_url, malformed_or_unsupported_url_throws_invalid_url_before_io) {
    aio_test::run([]() -> aio::task<> {
        http::client_session s;
        const int fds = aio_test::fd_count();
        static constexpr const char* bads[] = {"http://[::1/x", "ftp://127.0.0.1/", "not a url",
                                               "http:///x", "mailto:ann@example.org"};
        for (const char* bad : bads) {
            std::string u = bad;
            EXPECT_THROW(co_await s.get(u), http::invalid_url) << bad;
        }
        EXPECT_THROW(co_await s.request("GET /x HTTP/1.1\r\nX:", "http://127.0.0.1:1/"),
                     http::invalid_header_error);
        EXPECT_EQ(aio_test::fd_count(), fds);
        EXPECT_EQ(s.open_connections(), 0u);
    });
}

namespace {

/// POSTs "payload" to /redirect/<code>, which redirects to /echo; checks the method and body
/// that /echo saw.
aio::task<> expect_redirected_as(http::client_session& s,
                                 std::string code,
                                 std::string method,
                                 std::string body) {
    auto r = co_await s.post(at("/redirect/" + code + "?to=/echo"), http::request_body("payload"));
    EXPECT_EQ(r.url, at("/echo"));
    EXPECT_EQ(r.history.size(), 1u);
    nlohmann::json j = co_await r.json();
    EXPECT_EQ(j["method"], method) << code;
    EXPECT_EQ(j["body"], body) << code;
}

} // namespace

TEST_F(http_client, follows_301_and_302_as_get_without_body) {
    aio_test::run([]() -> aio::task<> {
        http::client_session s;
        co_await expect_redirected_as(s, "301", "GET", "");
        co_await expect_redirected_as(s, "302", "GET", "");
    });
}

TEST_F(http_client, follows_303_as_get) {
    aio_test::run([]() -> aio::task<> {
        http::client_session s;
        auto r = co_await s.put(at("/redirect/303?to=/echo"), http::request_body("payload"));
        nlohmann::json j = co_await r.json();
        EXPECT_EQ(j["method"], "GET");
        EXPECT_FALSE(j["headers"].contains("content-type"));
    });
}

TEST_F(http_client, follows_307_and_308_keeping_method_and_body) {
    aio_test::run([]() -> aio::task<> {
        http::client_session s;
        co_await expect_redirected_as(s, "307", "POST", "payload");
        co_await expect_redirected_as(s, "308", "POST", "payload");
    });
}

TEST_F(http_client, redirect_loop_raises_too_many_redirects) {
    aio_test::run([]() -> aio::task<> {
        http::client_session s;
        EXPECT_THROW(co_await s.get(at("/loop")), http::too_many_redirects);
        auto r = co_await s.get(at("/loop"), {.allow_redirects = false});
        EXPECT_EQ(r.status, 302);
        EXPECT_EQ(r.headers.get("location"), "/loop");
    });
}

TEST_F(http_client, drops_authorization_and_cookie_on_redirect_to_another_host) {
    aio_test::run([]() -> aio::task<> {
        http::client_session s;
        http::headers h;
        h.add("Authorization", "Bearer secret");
        h.add("Cookie", "mine=1");
        const std::string other = "http://localhost:" + std::to_string(peer().port()) + "/echo";
        auto same = co_await s.get(at("/redirect/302?to=/echo"), {.headers = &h});
        nlohmann::json js = co_await same.json();
        EXPECT_EQ(js["headers"]["authorization"], "Bearer secret");
        auto r = co_await s.get(at("/redirect/302?to=" + other), {.headers = &h});
        nlohmann::json j = co_await r.json();
        EXPECT_FALSE(j["headers"].contains("authorization"));
        EXPECT_FALSE(j["headers"].contains("cookie"));
        EXPECT_EQ(r.url, other);
    });
}

TEST_F(http_client, decodes_chunked_body) {
    aio_test::run([]() -> aio::task<> {
        http::client_session s;
        auto r = co_await s.get(at("/chunked"));
        EXPECT_EQ(r.headers.get("transfer-encoding"), "chunked");
        EXPECT_EQ(co_await r.text(), "hello chunked world");
    });
}

TEST_F(http_client, decodes_gzip_and_deflate_bodies) {
    aio_test::run([]() -> aio::task<> {
        http::client_session s;
        std::string gz, df;
        for (int i = 0; i < 100; ++i) {
            gz += "gzipped ";
            df += "deflated ";
        }
        auto r1 = co_await s.get(at("/gzip"));
        EXPECT_EQ(co_await r1.text(), gz);
        auto r2 = co_await s.get(at("/deflate"));
        EXPECT_EQ(co_await r2.text(), df);
    });
}

TEST_F(http_client, streams_a_large_body_in_pieces) {
    aio_test::run([]() -> aio::task<> {
        http::client_session s;
        auto r = co_await s.get(at("/big?n=3000000"));
        std::size_t total = 0, pieces = 0;
        while (true) {
            std::string p = co_await r.read_some();
            if (p.empty())
                break;
            EXPECT_LE(p.size(), 64u * 1024u);
            total += p.size();
            ++pieces;
        }
        EXPECT_EQ(total, 3000000u);
        EXPECT_GT(pieces, 10u);
        EXPECT_TRUE(r.body_done());
    });
}

TEST_F(http_client, content_generator_yields_the_decoded_body_in_pieces) {
    aio_test::run([]() -> aio::task<> {
        http::client_session s;
        auto r = co_await s.get(at("/chunked"));
        auto chunks = r.content();
        std::string all;
        while (auto piece = co_await chunks.next())
            all += *piece;
        EXPECT_EQ(all, "hello chunked world");
        EXPECT_EQ(s.idle_connections(), 1u);
    });
}

TEST_F(http_client, body_larger_than_max_body_size_raises) {
    aio_test::run([]() -> aio::task<> {
        http::client_session s({.max_body_size = 1000});
        auto r = co_await s.get(at("/big?n=5000"));
        EXPECT_THROW(co_await r.read(), http::body_too_large);
    });
}

TEST_F(http_client, head_response_has_no_body_and_keeps_the_connection) {
    aio_test::run([]() -> aio::task<> {
        http::client_session s;
        auto r = co_await s.head(at("/hello"));
        EXPECT_EQ(r.status, 200);
        EXPECT_EQ(r.headers.get("content-length"), "5");
        EXPECT_TRUE(r.body_done());
        EXPECT_EQ(co_await r.text(), "");
        EXPECT_EQ(s.idle_connections(), 1u);
        auto g = co_await s.get(at("/hello"));
        EXPECT_EQ(co_await g.text(), "hello");
    });
}

TEST_F(http_client, raise_for_status_throws_status_error_for_4xx_and_5xx) {
    aio_test::run([]() -> aio::task<> {
        http::client_session s;
        auto ok = co_await s.get(at("/hello"));
        EXPECT_NO_THROW(ok.raise_for_status());
        auto r = co_await s.get(at("/status?code=503"));
        EXPECT_EQ(r.status, 503);
        try {
            r.raise_for_status();
            ADD_FAILURE();
        } catch (const http::status_error& e) {
            EXPECT_EQ(e.status(), 503);
            EXPECT_NE(std::string(e.what()).find("503"), std::string::npos);
        }
    });
}

TEST_F(http_client, reuses_a_keep_alive_connection_after_the_body_was_read) {
    aio_test::run([]() -> aio::task<> {
        http::client_session s;
        auto r1 = co_await s.get(at("/echo"));
        nlohmann::json j1 = co_await r1.json();
        EXPECT_EQ(s.idle_connections(), 1u);
        auto r2 = co_await s.get(at("/echo"));
        nlohmann::json j2 = co_await r2.json();
        EXPECT_EQ(j1["port"], j2["port"]);
        EXPECT_EQ(s.open_connections(), 1u);
    });
}

TEST_F(http_client, unread_body_closes_the_connection_instead_of_pooling_it) {
    aio_test::run([]() -> aio::task<> {
        http::client_session s;
        {
            auto r = co_await s.get(at("/big?n=200000"));
            std::string first = co_await r.read_some();
            EXPECT_FALSE(first.empty());
        }
        EXPECT_EQ(s.open_connections(), 0u);
        auto r2 = co_await s.get(at("/hello"));
        EXPECT_EQ(co_await r2.text(), "hello");
    });
}

TEST_F(http_client, connection_close_response_reads_until_close_and_is_not_pooled) {
    aio_test::run([]() -> aio::task<> {
        http::client_session s;
        auto r = co_await s.get(at("/close"));
        EXPECT_EQ(co_await r.text(), "until close");
        EXPECT_EQ(s.open_connections(), 0u);
    });
}

TEST_F(http_client, retries_once_when_the_server_closed_an_idle_connection) {
    aio_test::run([]() -> aio::task<> {
        http::client_session s;
        auto r1 = co_await s.get(at("/echo"));
        nlohmann::json j1 = co_await r1.json();
        co_await aio::sleep(1500ms); // the peer closes idle connections after 1 s
        auto r2 = co_await s.get(at("/echo"));
        nlohmann::json j2 = co_await r2.json();
        EXPECT_EQ(r2.status, 200);
        EXPECT_NE(j1["port"], j2["port"]);
    });
}

TEST_F(http_client, expires_idle_connections_after_keepalive_timeout) {
    aio_test::run([]() -> aio::task<> {
        http::client_session s({.keepalive_timeout = 100ms});
        auto r1 = co_await s.get(at("/echo"));
        nlohmann::json j1 = co_await r1.json();
        co_await aio::sleep(200ms);
        auto r2 = co_await s.get(at("/echo"));
        nlohmann::json j2 = co_await r2.json();
        EXPECT_NE(j1["port"], j2["port"]);
    });
}

TEST_F(http_client, stores_cookies_and_sends_them_on_matching_requests) {
    aio_test::run([]() -> aio::task<> {
        http::client_session s;
        auto r = co_await s.get(at("/setcookie"));
        co_await r.read();
        auto e = co_await s.get(at("/echo"));
        nlohmann::json j = co_await e.json();
        EXPECT_EQ(j["headers"]["cookie"], "session=abc; future=1");
        EXPECT_EQ(s.cookies_for(at("/only/x")), "session=abc; scoped=1; future=1");
        EXPECT_EQ(s.cookies_for("http://example.org/"), ""); // Domain of another host: refused
        EXPECT_EQ(s.cookies_for("http://other.example/"), "");
    });
}

TEST_F(http_client, sock_read_timeout_raises_timeout_error) {
    aio_test::run([]() -> aio::task<> {
        http::client_session s({.sock_read_timeout = 200ms});
        const auto t0 = std::chrono::steady_clock::now();
        EXPECT_THROW(co_await s.get(at("/slow?s=2")), aio::timeout_error);
        EXPECT_LT(aio_test::seconds_since(t0), 1.5);
        EXPECT_EQ(s.open_connections(), 0u);
    });
}

TEST_F(http_client, total_timeout_covers_the_body) {
    aio_test::run([]() -> aio::task<> {
        http::client_session s({.total_timeout = 300ms});
        auto r = co_await s.get(at("/slow-body?s=2"));
        EXPECT_THROW(co_await r.read(), aio::timeout_error);
        EXPECT_EQ(s.open_connections(), 0u);
    });
}

TEST_F(http_client, connect_to_a_closed_port_fails_without_leaking) {
    aio_test::run([]() -> aio::task<> {
        const int fds = aio_test::fd_count();
        {
            http::client_session s;
            EXPECT_THROW(co_await s.get("http://127.0.0.1:1/"), aio::io_error);
        }
        EXPECT_EQ(co_await aio_test::settle_fds(fds), fds);
    });
}

TEST(http_client_wire, connect_timeout_raises_timeout_error) {
    // A listener that never accepts, with its accept queue filled: further SYNs are dropped,
    // so a connect hangs until connect_timeout.
    const int lfd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    ASSERT_EQ(::bind(lfd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    ASSERT_EQ(::listen(lfd, 0), 0);
    ::getsockname(lfd, reinterpret_cast<sockaddr*>(&a), &len);
    std::vector<int> fillers;
    for (int i = 0; i < 4; ++i) {
        const int c = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        ::connect(c, reinterpret_cast<sockaddr*>(&a), sizeof a);
        fillers.push_back(c);
    }
    const std::uint16_t port = ntohs(a.sin_port);
    aio_test::run([port]() -> aio::task<> {
        const int fds = aio_test::fd_count();
        {
            http::client_session s({.connect_timeout = 300ms});
            const auto t0 = std::chrono::steady_clock::now();
            EXPECT_THROW(co_await s.get("http://127.0.0.1:" + std::to_string(port) + "/"),
                         aio::timeout_error);
            EXPECT_LT(aio_test::seconds_since(t0), 2.0);
        }
        EXPECT_EQ(co_await aio_test::settle_fds(fds), fds);
    });
    for (int c : fillers)
        ::close(c);
    ::close(lfd);
}

TEST_F(http_client, cancelling_a_request_mid_body_closes_its_connection_and_leaks_nothing) {
    aio_test::run([]() -> aio::task<> {
        const int fds = aio_test::fd_count();
        {
            http::client_session s;
            auto r = co_await s.get(at("/slow-body?s=2"));
            EXPECT_THROW(co_await aio::wait_for(r.read(), 100ms), aio::timeout_error);
            EXPECT_EQ(s.open_connections(), 0u);
            EXPECT_THROW(co_await r.read(), aio::invalid_state_error);
            auto h = aio::create_task(s.get(at("/slow?s=2")));
            co_await aio::sleep(100ms);
            h.cancel();
            EXPECT_THROW(co_await h, aio::cancelled_error);
            EXPECT_EQ(s.open_connections(), 0u);
        }
        EXPECT_EQ(co_await aio_test::settle_fds(fds), fds);
    });
}

TEST_F(http_client, limit_per_host_makes_requests_wait_for_a_slot) {
    aio_test::run([]() -> aio::task<> {
        http::client_session s({.limit = 10, .limit_per_host = 1});
        const auto t0 = std::chrono::steady_clock::now();
        auto one = [&]() -> aio::task<std::string> {
            auto r = co_await s.get(at("/slow?s=0.3"));
            co_return co_await r.text();
        };
        auto [a, b] = co_await aio::gather(one(), one());
        EXPECT_EQ(a, "slow");
        EXPECT_EQ(b, "slow");
        EXPECT_GE(aio_test::seconds_since(t0), 0.55);
        EXPECT_LE(s.open_connections(), 1u);
    });
}

TEST_F(http_client, limit_bounds_connections_across_hosts) {
    aio_test::run([]() -> aio::task<> {
        http::client_session s({.limit = 1});
        const std::string other = "http://localhost:" + std::to_string(peer().port());
        auto r1 = co_await s.get(at("/hello"));
        EXPECT_EQ(co_await r1.text(), "hello");
        auto r2 = co_await s.get(other + "/hello"); // the idle 127.0.0.1 one makes room
        EXPECT_EQ(co_await r2.text(), "hello");
        EXPECT_EQ(s.open_connections(), 1u);
        auto held = co_await s.get(at("/hello")); // holds the only slot: body not read
        auto waiting = aio::create_task(s.get(other + "/hello"));
        co_await aio::sleep(100ms);
        EXPECT_FALSE(waiting.done());
        EXPECT_EQ(co_await held.text(), "hello"); // the slot is free again
        auto r3 = co_await aio::wait_for(waiting, 5s);
        EXPECT_EQ(co_await r3.text(), "hello");
    });
}

TEST_F(http_client, cancelling_a_request_waiting_for_a_slot_leaks_nothing) {
    aio_test::run([]() -> aio::task<> {
        const int fds = aio_test::fd_count();
        {
            http::client_session s({.limit = 1});
            auto held = co_await s.get(at("/hello"));
            auto waiting = aio::create_task(s.get(at("/hello")));
            co_await aio::sleep(50ms);
            waiting.cancel();
            EXPECT_THROW(co_await waiting, aio::cancelled_error);
            EXPECT_EQ(co_await held.text(), "hello");
            auto again = co_await s.get(at("/hello")); // the cancelled waiter took no slot
            EXPECT_EQ(co_await again.text(), "hello");
        }
        EXPECT_EQ(co_await aio_test::settle_fds(fds), fds);
    });
}

TEST(http_client_wire, sends_host_content_length_and_parses_an_exact_response) {
    aio_test::run([]() -> aio::task<> {
        std::string seen;
        auto handler = [&seen](aio::net::stream c) -> aio::task<> {
            seen = co_await c.read_until("\r\n\r\nbody");
            co_await c.write("HTTP/1.1 201 Created\r\nContent-Length: 2\r\nX-A: 1\r\n\r\nok");
            co_await c.close();
        };
        auto srv = co_await aio::net::start_server(handler, "127.0.0.1", 0);
        {
            http::client_session s;
            auto r = co_await s.post("http://127.0.0.1:" + std::to_string(srv.port()) + "/p?x=1",
                                     http::request_body("body", ""));
            EXPECT_EQ(r.status, 201);
            EXPECT_EQ(r.reason, "Created");
            EXPECT_EQ(co_await r.text(), "ok");
        }
        EXPECT_EQ(seen.substr(0, 22), "POST /p?x=1 HTTP/1.1\r\n");
        EXPECT_NE(seen.find("\r\nHost: 127.0.0.1:" + std::to_string(srv.port()) + "\r\n"),
                  std::string::npos);
        EXPECT_NE(seen.find("\r\nContent-Length: 4\r\n"), std::string::npos);
        EXPECT_EQ(seen.find("Content-Type"), std::string::npos);
        srv.close();
        co_await srv.wait_closed();
    });
}

// Regression: a HEAD answer names the Content-Encoding its GET would have (nginx with gzip
// on does), and 204/304 or Content-Length: 0 carry no bytes at all; decoding that nothing
// threw "truncated compressed stream" (found against nginx in tests/interop).
TEST(http_client_wire, empty_bodies_with_a_content_encoding_read_as_empty) {
    aio_test::run([]() -> aio::task<> {
        auto handler = [](aio::net::stream c) -> aio::task<> {
            for (;;) {
                std::string head;
                try {
                    head = co_await c.read_until("\r\n\r\n");
                } catch (const aio::error&) {
                    break; // the client closed the connection
                }
                if (head.rfind("HEAD ", 0) == 0)
                    co_await c.write("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n"
                                     "Content-Length: 40\r\n\r\n");
                else if (head.rfind("GET /nc ", 0) == 0)
                    co_await c.write("HTTP/1.1 204 No Content\r\nContent-Encoding: gzip\r\n\r\n");
                else
                    co_await c.write("HTTP/1.1 200 OK\r\nContent-Encoding: br\r\n"
                                     "Content-Length: 0\r\n\r\n");
            }
            co_await c.close();
        };
        auto srv = co_await aio::net::start_server(handler, "127.0.0.1", 0);
        const std::string base = "http://127.0.0.1:" + std::to_string(srv.port());
        {
            http::client_session s;
            auto h = co_await s.head(base + "/x");
            EXPECT_EQ(h.headers.get("content-encoding"), "gzip");
            EXPECT_EQ(co_await h.text(), "");
            auto nc = co_await s.get(base + "/nc");
            EXPECT_EQ(nc.status, 204);
            EXPECT_EQ(co_await nc.text(), "");
            auto zero = co_await s.get(base + "/zero");
            EXPECT_EQ(co_await zero.text(), "");
            EXPECT_EQ(s.open_connections(), 1u) << "all three on one kept-alive connection";
        }
        srv.close();
        co_await srv.wait_closed();
    });
}

// Response parsers are pooled by the session (one per request would allocate its header
// arrays each time): the one that read a HEAD response must not treat the next response,
// on the same keep-alive connection, as bodiless.
TEST(http_client_wire, reused_response_parser_reads_the_body_after_a_head_request) {
    aio_test::run([]() -> aio::task<> {
        int connections = 0;
        auto handler = [&connections](aio::net::stream c) -> aio::task<> {
            ++connections;
            co_await c.read_until("\r\n\r\n"); // HEAD: a length, and no body follows
            co_await c.write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n");
            co_await c.read_until("\r\n\r\n"); // GET: the 5 bytes follow
            co_await c.write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
            co_await c.read(1); // until the client closes
        };
        auto srv = co_await aio::net::start_server(handler, "127.0.0.1", 0);
        {
            http::client_session s;
            const std::string u = "http://127.0.0.1:" + std::to_string(srv.port()) + "/x";
            auto h = co_await s.head(u);
            EXPECT_EQ(h.status, 200);
            EXPECT_EQ(co_await h.text(), "");
            auto g = co_await s.get(u);
            EXPECT_EQ(co_await g.text(), "hello");
        }
        EXPECT_EQ(connections, 1);
        srv.close();
        co_await srv.wait_closed();
    });
}

TEST(http_client_wire, malformed_response_raises_protocol_error) {
    aio_test::run([]() -> aio::task<> {
        auto handler = [](aio::net::stream c) -> aio::task<> {
            co_await c.read_until("\r\n\r\n");
            co_await c.write("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxx");
            co_await c.close();
        };
        auto srv = co_await aio::net::start_server(handler, "127.0.0.1", 0);
        {
            http::client_session s;
            EXPECT_THROW(co_await s.get("http://127.0.0.1:" + std::to_string(srv.port()) + "/"),
                         http::protocol_error);
        }
        srv.close();
        co_await srv.wait_closed();
    });
}

namespace {

/// Answers one request per connection with a fixed response (after reading the head).
aio::task<> answer_once(aio::net::stream c, std::string response) {
    co_await c.read_until("\r\n\r\n");
    co_await c.write(response);
    co_await c.close();
}

} // namespace

TEST(http_client_wire, decodes_brotli_body) {
    aio_test::run([]() -> aio::task<> {
        std::string plain;
        for (int i = 0; i < 200; ++i)
            plain += "brotli ";
        std::string packed(BrotliEncoderMaxCompressedSize(plain.size()), '\0');
        std::size_t n = packed.size();
        EXPECT_TRUE(BrotliEncoderCompress(
            BROTLI_DEFAULT_QUALITY, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_TEXT, plain.size(),
            reinterpret_cast<const std::uint8_t*>(plain.data()), &n,
            reinterpret_cast<std::uint8_t*>(packed.data())));
        packed.resize(n);
        const std::string response = "HTTP/1.1 200 OK\r\nContent-Encoding: br\r\nContent-Length: " +
                                     std::to_string(n) + "\r\n\r\n" + packed;
        // Named: GCC 12 destroys a capturing closure temporary twice inside a co_await.
        auto handler = [response](aio::net::stream c) { return answer_once(std::move(c), response); };
        auto srv = co_await aio::net::start_server(handler, "127.0.0.1", 0);
        {
            http::client_session s;
            auto r = co_await s.get("http://127.0.0.1:" + std::to_string(srv.port()) + "/");
            EXPECT_EQ(co_await r.text(), plain);
        }
        srv.close();
        co_await srv.wait_closed();
    });
}

TEST(http_client_tls, gets_over_https_with_verification_and_sni) {
    AIO_REQUIRE_TEST_CERTS();
    aio_test::run([]() -> aio::task<> {
        auto ctx = aio_test::localhost_server();
        auto srv = co_await aio::net::start_server(
            [](aio::net::stream c) {
                return answer_once(std::move(c),
                                   "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecret");
            },
            "127.0.0.1", 0, {.tls = ctx});
        const std::string ca = aio_test::certs().ca();
        const std::string u = "https://localhost:" + std::to_string(srv.port()) + "/";
        {
            http::client_session s({.ca_file = ca.c_str()});
            auto r = co_await s.get(u);
            EXPECT_EQ(r.status, 200);
            EXPECT_EQ(co_await r.text(), "secret");
        }
        {
            http::client_session untrusting;
            EXPECT_THROW(co_await untrusting.get(u), aio::net::tls_error);
        }
        srv.close();
        co_await srv.wait_closed();
    });
}
