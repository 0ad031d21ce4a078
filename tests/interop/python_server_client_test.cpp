// aio::http::client_session against Python servers: aiohttp.web (peers/aiohttp_server.py,
// Debian's python3-aiohttp) and the standard library's `python3 -m http.server` serving a
// temporary directory. Each test starts its server on 127.0.0.1 and stops it.
#include "interop/peer.hpp"
#include "support/helpers.hpp"

#include <aio/core.hpp>
#include <aio/http/client.hpp>
#include <aio/os.hpp>

#include <csignal>
#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

using namespace std::chrono_literals;
namespace http = aio::http;
using aio_interop::temp_dir;

namespace {

struct python_peer {
    aio::process proc;
    std::string base;
};

/// Starts peers/aiohttp_server.py and reads the port it prints.
aio::task<python_peer> start_aiohttp() {
    python_peer p;
    p.proc = co_await aio::create_subprocess_exec(
        aio_interop::debian_python(), std::string(AIO_INTEROP_PEERS_DIR) + "/aiohttp_server.py",
        aio::subprocess_options{.in = aio::devnull, .out = aio::pipe, .err = aio::devnull});
    const std::string line = co_await aio_interop::first_line(p.proc);
    const int port = std::atoi(line.c_str());
    if (port <= 0)
        throw aio::error("aiohttp_server.py printed no port: '" + line + "'");
    p.base = "http://127.0.0.1:" + std::to_string(port);
    co_return p;
}

class aiohttp_server_client : public ::testing::Test {
  protected:
    void SetUp() override {
        if (!aio_interop::have_python_module("aiohttp"))
            GTEST_SKIP() << "python3-aiohttp is not installed (tools/deps.sh installs it)";
    }
};

aio::task<std::string> get_text(http::client_session& s, std::string url) {
    http::client_response r = co_await s.get(url);
    r.raise_for_status();
    co_return co_await r.text();
}

} // namespace

TEST_F(aiohttp_server_client, gets_text_and_json_over_one_keep_alive_connection) {
    aio_test::run([]() -> aio::task<> {
        python_peer py = co_await start_aiohttp();
        {
            http::client_session s;
            for (int i = 0; i < 5; ++i)
                EXPECT_EQ(co_await get_text(s, py.base + "/hello"), "hello from aiohttp");
            http::client_response r = co_await s.get(py.base + "/json");
            EXPECT_EQ(r.headers.get("content-type"), "application/json; charset=utf-8");
            const nlohmann::json j = co_await r.json();
            EXPECT_EQ(j["server"], "aiohttp");
            EXPECT_EQ(j["n"].size(), 3u);
            // aiohttp counted the connections it accepted: ours, once.
            EXPECT_EQ(co_await get_text(s, py.base + "/connections"), "1");
            EXPECT_EQ(s.open_connections(), 1u);
        }
        EXPECT_EQ(co_await aio_interop::stop(py.proc), 0);
    });
}

TEST_F(aiohttp_server_client, posts_json_form_and_raw_bodies) {
    aio_test::run([]() -> aio::task<> {
        python_peer py = co_await start_aiohttp();
        {
            http::client_session s;
            nlohmann::json in = {{"name", "ann"}, {"tags", {"a", "b"}}};
            http::client_response r = co_await s.post(py.base + "/echo", http::json_body(in));
            nlohmann::json j = co_await r.json();
            EXPECT_EQ(j["method"], "POST");
            EXPECT_EQ(j["content_type"], "application/json");
            EXPECT_EQ(nlohmann::json::parse(j["body"].get<std::string>()), in);

            http::client_response f =
                co_await s.post(py.base + "/echo", http::form_body("q", "a&b", "n", "1"));
            nlohmann::json fj = co_await f.json();
            EXPECT_EQ(fj["body"], "q=a%26b&n=1");
            EXPECT_EQ(fj["content_type"], "application/x-www-form-urlencoded");

            std::string bytes(100000, '\0');
            for (std::size_t i = 0; i < bytes.size(); ++i)
                bytes[i] = static_cast<char>(i * 7 % 256);
            http::client_response b = co_await s.post(py.base + "/echo", http::request_body(bytes));
            nlohmann::json bj = co_await b.json();
            const std::string echoed = bj["body"].get<std::string>(); // latin-1 -> UTF-8
            std::string back;
            for (std::size_t i = 0; i < echoed.size(); ++i) {
                const unsigned char c = static_cast<unsigned char>(echoed[i]);
                if (c < 0x80)
                    back += static_cast<char>(c);
                else
                    back += static_cast<char>(((c & 0x1f) << 6) |
                                              (static_cast<unsigned char>(echoed[++i]) & 0x3f));
            }
            EXPECT_TRUE(back == bytes) << "the raw body came back different";
        }
        EXPECT_EQ(co_await aio_interop::stop(py.proc), 0);
    });
}

TEST_F(aiohttp_server_client, reads_a_chunked_stream_and_a_gzip_body) {
    aio_test::run([]() -> aio::task<> {
        python_peer py = co_await start_aiohttp();
        {
            http::client_session s;
            http::client_response r = co_await s.get(py.base + "/stream?n=500");
            EXPECT_EQ(r.headers.get("transfer-encoding"), "chunked");
            const std::string body = co_await r.text();
            std::string want;
            for (int i = 0; i < 500; ++i)
                want += "line " + std::to_string(i) + "\n";
            EXPECT_TRUE(body == want) << body.substr(0, 200);

            http::client_response z = co_await s.get(py.base + "/gzip");
            EXPECT_EQ(z.headers.get("content-encoding"), "gzip");
            const std::string text = co_await z.text();
            EXPECT_EQ(text.rfind("row 0: ", 0), 0u);
            EXPECT_NE(text.find("row 1999: compressible text compressible text\n"),
                      std::string::npos);
            EXPECT_EQ(s.open_connections(), 1u) << "both bodies were read to the end: pooled";
        }
        EXPECT_EQ(co_await aio_interop::stop(py.proc), 0);
    });
}

TEST_F(aiohttp_server_client, follows_its_redirect_and_keeps_its_cookie) {
    aio_test::run([]() -> aio::task<> {
        python_peer py = co_await start_aiohttp();
        {
            http::client_session s;
            http::client_response r = co_await s.get(py.base + "/redirect");
            EXPECT_EQ(r.status, 200);
            EXPECT_EQ(r.url, py.base + "/hello");
            EXPECT_EQ(co_await r.text(), "hello from aiohttp");

            EXPECT_EQ(co_await get_text(s, py.base + "/cookie/set"), "set");
            EXPECT_EQ(co_await get_text(s, py.base + "/cookie/get"), "session=abc");
        }
        EXPECT_EQ(co_await aio_interop::stop(py.proc), 0);
    });
}

TEST(python_http_server_client, gets_files_a_listing_and_a_404_from_http_server) {
    aio_interop::temp_dir dir;
    std::string blob(300000, '\0');
    for (std::size_t i = 0; i < blob.size(); ++i)
        blob[i] = static_cast<char>((i * 131 + 7) % 251);
    aio_interop::write_text(dir / "blob.bin", blob);
    aio_interop::write_text(dir / "note.txt", "a note\n");
    aio_test::run([&]() -> aio::task<> {
        const std::uint16_t port = aio_test::free_port();
        aio::process py = co_await aio::create_subprocess_exec(
            aio_interop::debian_python(), "-m", "http.server", "--bind", "127.0.0.1", "--directory",
            dir.path(), std::to_string(port),
            aio::subprocess_options{.in = aio::devnull, .out = aio::devnull, .err = aio::devnull});
        co_await aio_interop::wait_listening(port, "python3 -m http.server");
        const std::string base = "http://127.0.0.1:" + std::to_string(port);
        {
            http::client_session s;
            http::client_response r = co_await s.get(base + "/blob.bin");
            EXPECT_EQ(r.status, 200);
            EXPECT_EQ(r.headers.get("content-length"), std::to_string(blob.size()));
            EXPECT_TRUE(co_await r.read() == blob) << "the file arrived different";

            EXPECT_EQ(co_await get_text(s, base + "/note.txt"), "a note\n");

            http::client_response list = co_await s.get(base + "/");
            const std::string html = co_await list.text();
            EXPECT_NE(html.find("href=\"blob.bin\""), std::string::npos) << html;
            EXPECT_NE(html.find("href=\"note.txt\""), std::string::npos) << html;

            http::client_response missing = co_await s.get(base + "/nope");
            EXPECT_EQ(missing.status, 404);
            co_await missing.read();
        }
        EXPECT_NE(co_await aio_interop::stop(py), 127) << "python3 could not be started";
    });
}
