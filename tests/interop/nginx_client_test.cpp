// aio::http::client_session against a real nginx (Debian's nginx-light): each test starts
// its own nginx in the foreground (daemon off, one process) on 127.0.0.1 with a config, a
// document root and logs in a temporary directory, and stops it at the end.
#include "interop/peer.hpp"
#include "support/helpers.hpp"

#include <aio/core.hpp>
#include <aio/http/client.hpp>
#include <aio/os.hpp>

#include <cstdint>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

using namespace std::chrono_literals;
namespace http = aio::http;
using aio_interop::temp_dir;

namespace {

struct nginx_peer {
    aio::process proc;
    std::uint16_t port = 0;
    std::string url(const std::string& path) const {
        return "http://127.0.0.1:" + std::to_string(port) + path;
    }
};

/// 8 MiB of deterministic pseudo-random bytes: incompressible, so nginx sends it as is.
std::string big_binary() {
    std::mt19937_64 rng(20261205);
    std::string s(8 * 1024 * 1024, '\0');
    for (std::size_t i = 0; i + 8 <= s.size(); i += 8) {
        const std::uint64_t v = rng();
        for (int b = 0; b < 8; ++b)
            s[i + b] = static_cast<char>(v >> (8 * b));
    }
    return s;
}

/// 200 KB of text that compresses well (gzip takes it to a few KB).
std::string compressible_text() {
    std::string s;
    for (int i = 0; s.size() < 200 * 1000; ++i)
        s += "line " + std::to_string(i) + ": the quick brown fox jumps over the lazy dog\n";
    return s;
}

/// Writes the document root and the config, then starts nginx and waits until it listens.
aio::task<nginx_peer> start_nginx(const temp_dir& dir, std::string extra_http_config = "") {
    const std::string nginx = aio_interop::find_program("nginx");
    std::filesystem::create_directories(dir / "www");
    std::filesystem::create_directories(dir / "logs");
    aio_interop::write_text(dir / "www/hello.txt", "hello from nginx\n");
    aio_interop::write_text(dir / "www/big.bin", big_binary());
    aio_interop::write_text(dir / "www/text.txt", compressible_text());

    nginx_peer peer;
    peer.port = aio_test::free_port();
    const std::string d = dir.path();
    std::string conf;
    conf += "daemon off;\nmaster_process off;\nworker_processes 1;\n";
    conf += "pid " + d + "/nginx.pid;\nerror_log " + d + "/logs/error.log warn;\n";
    conf += "events { worker_connections 64; }\n";
    conf += "http {\n";
    conf += "  default_type application/octet-stream;\n";
    conf += "  types { text/plain txt; text/html html; }\n";
    // $connection is nginx's serial number of the connection a request came on.
    conf += "  log_format conn '$connection $connection_requests $request_method $uri $status';\n";
    conf += "  access_log " + d + "/logs/access.log conn;\n";
    for (const char* t : {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"})
        conf += std::string("  ") + t + "_temp_path " + d + "/" + t + ";\n";
    conf += extra_http_config.empty() ? "  keepalive_requests 1000;\n" : extra_http_config;
    conf += "  gzip on; gzip_types text/plain; gzip_min_length 100;\n";
    conf += "  server {\n";
    conf += "    listen 127.0.0.1:" + std::to_string(peer.port) + ";\n";
    conf += "    root " + d + "/www;\n";
    conf += "    location = /r301 { return 301 /hello.txt; }\n";
    conf += "    location = /r302 { return 302 /method; }\n";
    conf += "    location = /r307 { return 307 /method; }\n";
    conf += "    location = /r303 { return 303 /method; }\n";
    conf += "    location = /r308 { return 308 /method; }\n";
    conf += "    location = /chain { return 302 /r301; }\n";
    conf += "    location = /method {\n";
    conf += "      default_type text/plain;\n";
    conf += "      return 200 '$request_method $http_content_length';\n";
    conf += "    }\n";
    conf += "  }\n";
    conf += "}\n";
    aio_interop::write_text(dir / "nginx.conf", conf);

    // -e: the error log before the config is read (else nginx opens /var/log/nginx/error.log).
    peer.proc = co_await aio::create_subprocess_exec(
        nginx, "-p", d, "-c", dir / "nginx.conf", "-e", dir / "logs/error.log",
        aio::subprocess_options{.in = aio::devnull, .out = aio::devnull, .err = aio::devnull});
    co_await aio_interop::wait_listening(peer.port, "nginx");
    co_return peer;
}

/// The access log as (connection serial, requests on it so far, method, uri, status) lines.
struct log_line {
    long connection = 0;
    long nth = 0;
    std::string method, uri;
    int status = 0;
};
std::vector<log_line> access_log(const temp_dir& dir) {
    std::vector<log_line> out;
    std::istringstream in(aio_interop::read_text(dir / "logs/access.log"));
    for (std::string line; std::getline(in, line);) {
        std::istringstream f(line);
        log_line l;
        f >> l.connection >> l.nth >> l.method >> l.uri >> l.status;
        out.push_back(l);
    }
    return out;
}

class nginx_client : public ::testing::Test {
  protected:
    void SetUp() override {
        if (aio_interop::find_program("nginx").empty())
            GTEST_SKIP() << "nginx is not installed (tools/deps.sh installs nginx-light)";
    }
    temp_dir m_dir;
};

} // namespace

TEST_F(nginx_client, reuses_one_keep_alive_connection_for_sequential_requests) {
    aio_test::run([this]() -> aio::task<> {
        nginx_peer ng = co_await start_nginx(m_dir);
        {
            http::client_session s;
            for (int i = 0; i < 20; ++i) {
                http::client_response r = co_await s.get(ng.url("/hello.txt"));
                EXPECT_EQ(r.status, 200);
                EXPECT_EQ(co_await r.text(), "hello from nginx\n");
            }
            EXPECT_EQ(s.open_connections(), 1u);
            EXPECT_EQ(s.idle_connections(), 1u);
        }
        EXPECT_EQ(co_await aio_interop::stop(ng.proc, SIGQUIT), 0);
    });
    // nginx's side: 20 requests, all on one connection, numbered 1..20 on it.
    const std::vector<log_line> log = access_log(m_dir);
    ASSERT_EQ(log.size(), 20u);
    std::set<long> connections;
    for (std::size_t i = 0; i < log.size(); ++i) {
        connections.insert(log[i].connection);
        EXPECT_EQ(log[i].nth, static_cast<long>(i + 1));
        EXPECT_EQ(log[i].status, 200);
    }
    EXPECT_EQ(connections.size(), 1u);
}

TEST_F(nginx_client, concurrent_requests_use_one_connection_each_then_reuse_them) {
    aio_test::run([this]() -> aio::task<> {
        nginx_peer ng = co_await start_nginx(m_dir);
        {
            http::client_session s({.limit_per_host = 4});
            for (int round = 0; round < 3; ++round) {
                std::vector<aio::task<std::string>> tasks;
                for (int i = 0; i < 8; ++i)
                    tasks.push_back(
                        [](http::client_session& s, std::string url) -> aio::task<std::string> {
                            http::client_response r = co_await s.get(url);
                            co_return co_await r.text();
                        }(s, ng.url("/hello.txt")));
                for (const std::string& body : co_await aio::gather(std::move(tasks)))
                    EXPECT_EQ(body, "hello from nginx\n");
            }
            EXPECT_LE(s.open_connections(), 4u);
        }
        EXPECT_EQ(co_await aio_interop::stop(ng.proc, SIGQUIT), 0);
    });
    const std::vector<log_line> log = access_log(m_dir);
    ASSERT_EQ(log.size(), 24u);
    std::set<long> connections;
    for (const log_line& l : log)
        connections.insert(l.connection);
    EXPECT_LE(connections.size(), 4u) << "the per-host limit bounds nginx's connections too";
}

TEST_F(nginx_client, decodes_a_gzip_body) {
    aio_test::run([this]() -> aio::task<> {
        nginx_peer ng = co_await start_nginx(m_dir);
        const std::string text = compressible_text();
        {
            http::client_session s;
            http::client_response r = co_await s.get(ng.url("/text.txt"));
            EXPECT_EQ(r.status, 200);
            EXPECT_EQ(r.headers.get("content-encoding"), "gzip");
            const std::string body = co_await r.text();
            EXPECT_EQ(body.size(), text.size());
            EXPECT_TRUE(body == text);

            // The same request undecoded: what nginx really sent is gzip, and much smaller.
            http::client_session raw({.auto_decompress = false});
            http::headers accept;
            accept.set("Accept-Encoding", "gzip");
            http::client_response z = co_await raw.get(ng.url("/text.txt"), {.headers = &accept});
            const std::string zipped = co_await z.read();
            EXPECT_EQ(zipped.substr(0, 2), "\x1f\x8b") << "no gzip magic";
            EXPECT_LT(zipped.size(), text.size() / 10);
        }
        EXPECT_EQ(co_await aio_interop::stop(ng.proc, SIGQUIT), 0);
    });
}

TEST_F(nginx_client, downloads_a_big_static_file_byte_exact_whole_and_streamed) {
    aio_test::run([this]() -> aio::task<> {
        nginx_peer ng = co_await start_nginx(m_dir);
        const std::string want = big_binary();
        {
            http::client_session s;
            http::client_response r = co_await s.get(ng.url("/big.bin"));
            EXPECT_EQ(r.status, 200);
            EXPECT_EQ(r.headers.get("content-length"), std::to_string(want.size()));
            EXPECT_FALSE(r.headers.contains("content-encoding"));
            const std::string body = co_await r.read();
            EXPECT_EQ(body.size(), want.size());
            EXPECT_TRUE(body == want) << "the body differs from the file";

            // Streamed in pieces on the same (pooled) connection.
            http::client_response r2 = co_await s.get(ng.url("/big.bin"));
            std::string joined;
            std::size_t pieces = 0;
            auto g = r2.content();
            while (auto piece = co_await g.next()) {
                joined += *piece;
                ++pieces;
            }
            EXPECT_GT(pieces, 1u);
            EXPECT_TRUE(joined == want) << "the streamed body differs from the file";
            EXPECT_EQ(s.open_connections(), 1u);
        }
        EXPECT_EQ(co_await aio_interop::stop(ng.proc, SIGQUIT), 0);
    });
}

TEST_F(nginx_client, follows_nginx_redirects_301_302_and_307) {
    aio_test::run([this]() -> aio::task<> {
        nginx_peer ng = co_await start_nginx(m_dir);
        {
            http::client_session s;
            http::client_response r = co_await s.get(ng.url("/r301"));
            EXPECT_EQ(r.status, 200);
            EXPECT_EQ(co_await r.text(), "hello from nginx\n");
            EXPECT_EQ(r.url, ng.url("/hello.txt"));
            EXPECT_EQ(r.history, std::vector<std::string>{ng.url("/r301")});

            // 302 turns a POST into a GET without a body; 307 keeps the method and the body.
            http::client_response a = co_await s.post(ng.url("/r302"), http::request_body("abc"));
            EXPECT_EQ(co_await a.text(), "GET "); // no Content-Length: no body
            http::client_response b = co_await s.post(ng.url("/r307"), http::request_body("abc"));
            EXPECT_EQ(co_await b.text(), "POST 3");

            // A chain of two.
            http::client_response c = co_await s.get(ng.url("/chain"));
            EXPECT_EQ(c.status, 200);
            EXPECT_EQ(c.history.size(), 2u);
            EXPECT_EQ(co_await c.text(), "hello from nginx\n");

            // Not followed when told so.
            http::client_response d = co_await s.get(ng.url("/r301"), {.allow_redirects = false});
            EXPECT_EQ(d.status, 301);
            EXPECT_EQ(d.headers.get("location"), ng.url("/hello.txt"));
            co_await d.read();
        }
        EXPECT_EQ(co_await aio_interop::stop(ng.proc, SIGQUIT), 0);
    });
}

TEST_F(nginx_client, a_404_is_a_response_and_raise_for_status_throws) {
    aio_test::run([this]() -> aio::task<> {
        nginx_peer ng = co_await start_nginx(m_dir);
        {
            http::client_session s;
            http::client_response r = co_await s.get(ng.url("/missing.txt"));
            EXPECT_EQ(r.status, 404);
            EXPECT_NE((co_await r.text()).find("404 Not Found"), std::string::npos);
            try {
                r.raise_for_status();
                ADD_FAILURE() << "raise_for_status did not throw for 404";
            } catch (const http::status_error& e) {
                EXPECT_EQ(e.status(), 404);
            }
            // The connection survives the 404.
            http::client_response ok = co_await s.get(ng.url("/hello.txt"));
            EXPECT_EQ(ok.status, 200);
            co_await ok.read();
            EXPECT_EQ(s.open_connections(), 1u);
        }
        EXPECT_EQ(co_await aio_interop::stop(ng.proc, SIGQUIT), 0);
    });
}

TEST_F(nginx_client, conditional_get_gets_a_304_without_a_body_and_keeps_the_connection) {
    aio_test::run([this]() -> aio::task<> {
        nginx_peer ng = co_await start_nginx(m_dir);
        {
            http::client_session s;
            http::client_response first = co_await s.get(ng.url("/hello.txt"));
            const std::string etag(first.headers.get("etag").value_or(""));
            EXPECT_FALSE(etag.empty());
            co_await first.read();
            http::headers h;
            h.set("If-None-Match", etag);
            for (int i = 0; i < 3; ++i) {
                http::client_response again = co_await s.get(ng.url("/hello.txt"), {.headers = &h});
                EXPECT_EQ(again.status, 304);
                EXPECT_EQ(co_await again.read(), "");
            }
            http::client_response after = co_await s.get(ng.url("/hello.txt"));
            EXPECT_EQ(co_await after.text(), "hello from nginx\n");
            EXPECT_EQ(s.open_connections(), 1u);
        }
        EXPECT_EQ(co_await aio_interop::stop(ng.proc, SIGQUIT), 0);
    });
    for (const log_line& l : access_log(m_dir))
        EXPECT_EQ(l.connection, access_log(m_dir)[0].connection);
}

TEST_F(nginx_client, range_request_gets_a_206_with_exactly_those_bytes) {
    aio_test::run([this]() -> aio::task<> {
        nginx_peer ng = co_await start_nginx(m_dir);
        const std::string want = big_binary().substr(1000000, 4096);
        {
            http::client_session s;
            http::headers h;
            h.set("Range", "bytes=1000000-1004095");
            http::client_response r = co_await s.get(ng.url("/big.bin"), {.headers = &h});
            EXPECT_EQ(r.status, 206);
            EXPECT_EQ(r.headers.get("content-range"), "bytes 1000000-1004095/8388608");
            EXPECT_TRUE(co_await r.read() == want);
        }
        EXPECT_EQ(co_await aio_interop::stop(ng.proc, SIGQUIT), 0);
    });
}

TEST_F(nginx_client, opens_a_new_connection_when_nginx_closes_after_keepalive_requests) {
    aio_test::run([this]() -> aio::task<> {
        // nginx answers the 3rd request of a connection with Connection: close.
        nginx_peer ng = co_await start_nginx(m_dir, "  keepalive_requests 3;\n");
        {
            http::client_session s;
            for (int i = 0; i < 10; ++i) {
                http::client_response r = co_await s.get(ng.url("/hello.txt"));
                EXPECT_EQ(r.status, 200);
                EXPECT_EQ(co_await r.text(), "hello from nginx\n");
            }
        }
        EXPECT_EQ(co_await aio_interop::stop(ng.proc, SIGQUIT), 0);
    });
    const std::vector<log_line> log = access_log(m_dir);
    ASSERT_EQ(log.size(), 10u);
    std::set<long> connections;
    for (std::size_t i = 0; i < log.size(); ++i) {
        connections.insert(log[i].connection);
        EXPECT_EQ(log[i].nth, static_cast<long>(i % 3 + 1)) << "request " << i;
    }
    EXPECT_EQ(connections.size(), 4u);
}

TEST_F(nginx_client, head_of_a_gzip_resource_has_no_body_and_keeps_the_connection) {
    aio_test::run([this]() -> aio::task<> {
        nginx_peer ng = co_await start_nginx(m_dir);
        {
            http::client_session s;
            for (int i = 0; i < 3; ++i) {
                http::client_response r = co_await s.head(ng.url("/text.txt"));
                EXPECT_EQ(r.status, 200);
                EXPECT_EQ(r.headers.get("content-encoding"), "gzip");
                EXPECT_EQ(co_await r.text(), "");
            }
            http::client_response big = co_await s.head(ng.url("/big.bin"));
            EXPECT_EQ(big.headers.get("content-length"), "8388608");
            EXPECT_EQ(co_await big.read(), "");
            EXPECT_EQ(co_await (co_await s.get(ng.url("/hello.txt"))).text(), "hello from nginx\n");
            EXPECT_EQ(s.open_connections(), 1u);
        }
        EXPECT_EQ(co_await aio_interop::stop(ng.proc, SIGQUIT), 0);
    });
}

TEST_F(nginx_client, follows_relative_locations_and_303_308) {
    aio_test::run([this]() -> aio::task<> {
        // absolute_redirect off: nginx sends Location: /hello.txt, resolved against the URL.
        nginx_peer ng = co_await start_nginx(m_dir, "  absolute_redirect off;\n");
        {
            http::client_session s;
            http::client_response r = co_await s.get(ng.url("/chain"));
            EXPECT_EQ(r.status, 200);
            EXPECT_EQ(r.url, ng.url("/hello.txt"));
            EXPECT_EQ(r.history.size(), 2u);
            EXPECT_EQ(co_await r.text(), "hello from nginx\n");

            http::client_response d = co_await s.get(ng.url("/r301"), {.allow_redirects = false});
            EXPECT_EQ(d.headers.get("location"), "/hello.txt");
            co_await d.read();

            http::client_response a = co_await s.put(ng.url("/r303"), http::request_body("abcd"));
            EXPECT_EQ(co_await a.text(), "GET ");
            http::client_response b = co_await s.put(ng.url("/r308"), http::request_body("abcd"));
            EXPECT_EQ(co_await b.text(), "PUT 4");
        }
        EXPECT_EQ(co_await aio_interop::stop(ng.proc, SIGQUIT), 0);
    });
}
