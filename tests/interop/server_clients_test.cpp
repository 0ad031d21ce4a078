// aio::http::server against real clients: curl (keep-alive, chunked upload, 100-continue,
// HEAD, HTTP/1.0), wrk (a short bounded load: no errors, only 2xx) and the Python clients
// aiohttp, httpx and requests (peers/http_clients.py). The server runs on the test's loop
// on 127.0.0.1:0 while the client runs as a child process.
#include "interop/peer.hpp"
#include "support/helpers.hpp"

#include <aio/core.hpp>
#include <aio/http/server.hpp>
#include <aio/os.hpp>

#include <regex>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace std::chrono_literals;
namespace http = aio::http;
using aio_interop::run_client;
using aio_interop::temp_dir;

namespace {

/// 1 MiB of a pattern the Python clients know too ((i * 31 + 7) % 251).
std::string big_body() {
    std::string s(1024 * 1024, '\0');
    for (std::size_t i = 0; i < s.size(); ++i)
        s[i] = static_cast<char>((i * 31 + 7) % 251);
    return s;
}

/// The application every client talks to.
void add_routes(http::server& app) {
    app.route("GET", "/", [](http::request&) -> aio::task<http::response> {
        co_return http::response::text(200, "Hello, World!");
    });
    app.route("GET", "/users/{id}", [](http::request& req) -> aio::task<http::response> {
        nlohmann::json j = {{"id", std::string(req.param("id"))},
                            {"verbose", req.query("verbose").value_or("")}};
        co_return http::response::json(200, j.dump());
    });
    // Echoes the body, and in headers what framed it.
    app.route("POST", "/echo", [](http::request& req) -> aio::task<http::response> {
        http::response r(200, co_await req.read());
        r.headers.set("Content-Type", "application/octet-stream");
        r.headers.set("X-Content-Type", req.headers.get("content-type").value_or(""));
        r.headers.set("X-Transfer-Encoding", req.headers.get("transfer-encoding").value_or(""));
        r.headers.set("X-Expect", req.headers.get("expect").value_or(""));
        co_return r;
    });
    app.route("GET", "/big", [](http::request&) -> aio::task<http::response> {
        co_return http::response(200, big_body());
    });
}

/// Runs `argv` against a fresh server and returns (status, output).
aio::task<std::pair<int, std::string>> against_server(std::vector<std::string> argv,
                                                      std::string* base_out = nullptr) {
    http::server app({.max_body_size = 4 * 1024 * 1024});
    add_routes(app);
    co_await app.listen("127.0.0.1", 0);
    const std::string base = "http://127.0.0.1:" + std::to_string(app.port());
    if (base_out)
        *base_out = base;
    for (std::string& a : argv) {
        const auto at = a.find("{base}");
        if (at != std::string::npos)
            a.replace(at, 6, base);
    }
    auto result = co_await run_client(std::move(argv), 60s);
    co_await app.shutdown(1s);
    co_return result;
}

std::size_t count(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (auto p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1))
        ++n;
    return n;
}

class curl_client : public ::testing::Test {
  protected:
    void SetUp() override {
        if (aio_interop::find_program("curl").empty())
            GTEST_SKIP() << "curl is not installed (tools/deps.sh installs it)";
    }
    temp_dir m_dir;
};

} // namespace

TEST_F(curl_client, reuses_one_connection_for_several_urls) {
    const auto [rc, out] = aio_test::run([]() {
        return against_server({"curl", "-sS", "-v", "--max-time", "10", "{base}/", "{base}/users/1",
                               "{base}/users/2"});
    });
    ASSERT_EQ(rc, 0) << out;
    EXPECT_NE(out.find("Hello, World!"), std::string::npos) << out;
    EXPECT_NE(out.find(R"({"id":"2","verbose":""})"), std::string::npos) << out;
    EXPECT_EQ(count(out, "Re-using existing connection"), 2u) << out;
    EXPECT_EQ(count(out, "Connected to 127.0.0.1"), 1u) << out;
}

TEST_F(curl_client, uploads_a_chunked_body) {
    std::string body;
    for (int i = 0; i < 20000; ++i)
        body += "chunk " + std::to_string(i) + "\n";
    aio_interop::write_text(m_dir / "up.txt", body);
    const std::string out_file = m_dir / "out.txt";
    // Appended, not "@" + path: GCC 12's -Wrestrict misfires on operator+(const char*, string&&).
    std::string upload = "@";
    upload += m_dir / "up.txt";
    const auto [rc, out] = aio_test::run([&]() {
        return against_server({"curl", "-sS", "-D", "-", "--max-time", "10", "-o", out_file, "-H",
                               "Transfer-Encoding: chunked", "--data-binary", upload,
                               "{base}/echo"});
    });
    ASSERT_EQ(rc, 0) << out;
    EXPECT_NE(out.find("X-Transfer-Encoding: chunked"), std::string::npos) << out;
    EXPECT_TRUE(aio_interop::read_text(out_file) == body) << "the echoed body differs";
}

TEST_F(curl_client, waits_for_100_continue_then_sends_the_body) {
    std::string body(200000, 'b');
    aio_interop::write_text(m_dir / "up.bin", body);
    const std::string out_file = m_dir / "out.bin";
    std::string upload = "@";
    upload += m_dir / "up.bin";
    const auto [rc, out] = aio_test::run([&]() {
        // --expect100-timeout 10: without our 100 Continue curl would wait 10 s, then send
        // anyway; the test then fails on the missing interim response, not on time.
        return against_server({"curl", "-sS", "-v", "--max-time", "20", "--expect100-timeout", "10",
                               "-H", "Expect: 100-continue", "-o", out_file, "--data-binary",
                               upload, "{base}/echo"});
    });
    ASSERT_EQ(rc, 0) << out;
    EXPECT_NE(out.find("< HTTP/1.1 100 Continue"), std::string::npos) << out;
    EXPECT_NE(out.find("< X-Expect: 100-continue"), std::string::npos) << out;
    EXPECT_TRUE(aio_interop::read_text(out_file) == body) << "the echoed body differs";
}

TEST_F(curl_client, head_gets_the_get_headers_without_a_body) {
    const auto [rc, out] = aio_test::run([]() {
        return against_server({"curl", "-sS", "-I", "--max-time", "10", "{base}/"});
    });
    ASSERT_EQ(rc, 0) << out;
    EXPECT_EQ(out.rfind("HTTP/1.1 200", 0), 0u) << out;
    EXPECT_NE(out.find("Content-Length: 13"), std::string::npos) << out;
    EXPECT_EQ(out.find("Hello"), std::string::npos) << out;
}

TEST_F(curl_client, speaks_http_1_0_and_downloads_a_big_body) {
    const std::string out_file = m_dir / "big.bin";
    const auto [rc, out] = aio_test::run([&]() {
        return against_server(
            {"curl", "-sS", "-0", "-v", "--max-time", "10", "-o", out_file, "{base}/big"});
    });
    ASSERT_EQ(rc, 0) << out;
    EXPECT_NE(out.find("> GET /big HTTP/1.0"), std::string::npos) << out;
    EXPECT_NE(out.find("< HTTP/1.1 200"), std::string::npos) << out;
    EXPECT_TRUE(aio_interop::read_text(out_file) == big_body());
}

TEST(wrk_client, short_load_has_no_errors_and_only_2xx) {
    if (aio_interop::find_program("wrk").empty())
        GTEST_SKIP() << "wrk is not installed (tools/deps.sh installs it)";
    // One thread, 20 connections, one second: bounded in count of connections and in time.
    const auto [rc, out] = aio_test::run([]() {
        return against_server(
            {"wrk", "-t1", "-c20", "-d1s", "--timeout", "5s", "--latency", "{base}/"});
    });
    ASSERT_EQ(rc, 0) << out;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(out, m, std::regex(R"(([0-9]+) requests in)"))) << out;
    EXPECT_GT(std::stol(m[1]), 100) << out;
    EXPECT_EQ(out.find("Non-2xx or 3xx responses"), std::string::npos) << out;
    EXPECT_EQ(out.find("Socket errors"), std::string::npos) << out;
}

TEST(wrk_client, pipelined_load_has_no_errors_and_only_2xx) {
    if (aio_interop::find_program("wrk").empty())
        GTEST_SKIP() << "wrk is not installed (tools/deps.sh installs it)";
    // wrk's Lua hook sends 16 requests back to back on each connection before reading:
    // the server must answer them all, in order.
    temp_dir dir;
    aio_interop::write_text(dir / "pipeline.lua",
                            "init = function(args)\n"
                            "  local r = {}\n"
                            "  for i = 1, 16 do r[i] = wrk.format(nil, \"/users/1\") end\n"
                            "  req = table.concat(r)\n"
                            "end\n"
                            "request = function() return req end\n");
    const std::string script = dir / "pipeline.lua";
    const auto [rc, out] = aio_test::run([&]() {
        return against_server(
            {"wrk", "-t1", "-c10", "-d1s", "--timeout", "5s", "-s", script, "{base}/users/1"});
    });
    ASSERT_EQ(rc, 0) << out;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(out, m, std::regex(R"(([0-9]+) requests in)"))) << out;
    EXPECT_GT(std::stol(m[1]), 160) << out;
    EXPECT_EQ(out.find("Non-2xx or 3xx responses"), std::string::npos) << out;
    EXPECT_EQ(out.find("Socket errors"), std::string::npos) << out;
}

class python_client : public ::testing::TestWithParam<std::string> {};

TEST_P(python_client, passes_every_check_against_our_server) {
    const std::string lib = GetParam();
    if (!aio_interop::have_python_module(lib))
        GTEST_SKIP() << "python3-" << lib << " is not installed (tools/deps.sh installs it)";
    const auto [rc, out] = aio_test::run([&]() {
        return against_server({aio_interop::debian_python(),
                               std::string(AIO_INTEROP_PEERS_DIR) + "/http_clients.py", lib,
                               "{base}"});
    });
    EXPECT_EQ(rc, 0) << out;
    EXPECT_NE(out.find("all ok"), std::string::npos) << out;
    for (const char* check :
         {"get", "json", "post_json", "chunked_upload", "head", "404", "405", "big"})
        EXPECT_NE(out.find(std::string("ok ") + check + "\n"), std::string::npos)
            << check << " did not pass:\n"
            << out;
}

INSTANTIATE_TEST_SUITE_P(interop,
                         python_client,
                         ::testing::Values("aiohttp", "httpx", "requests"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                             return info.param;
                         });
