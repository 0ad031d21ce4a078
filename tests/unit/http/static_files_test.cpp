// server::add_static: confinement to the root, directories, validators and conditional
// requests, byte ranges, HEAD, descriptors, a large file to a slow reader, curl.
#include "support/net.hpp"
#include "support/os.hpp"
#include "unit/http/server_peer.hpp"

#include <aio/core.hpp>
#include <aio/http.hpp>
#include <aio/net.hpp>
#include <aio/os.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace std::chrono_literals;
using aio::task;
using aio_test::ask;
using aio_test::get;

namespace {

void write(const std::string& path, const std::string& data) {
    std::ofstream(path, std::ios::binary) << data;
}

// A site: /www (the root) with files, a folder with and one without an index, a secret
// beside the root, symbolic links inside and out.
struct site {
    aio_test::temp_dir tmp;
    std::string root = tmp / "www";
    site() {
        std::filesystem::create_directories(root + "/docs");
        std::filesystem::create_directories(root + "/empty");
        write(root + "/hello.txt", "hello, static world\n");
        write(root + "/page.html", "<h1>page</h1>");
        write(root + "/style.CSS", "body{}");
        write(root + "/blob.unknownext", "??");
        write(root + "/docs/index.html", "<h1>docs index</h1>");
        write(tmp / "secret.txt", "TOP SECRET");
        std::filesystem::create_symlink(tmp / "secret.txt", root + "/abs-link");
        std::filesystem::create_symlink("../secret.txt", root + "/rel-link");
        std::filesystem::create_symlink("hello.txt", root + "/inside-link");
        ::mkfifo((root + "/fifo").c_str(), 0600);
    }
};

} // namespace

TEST(static_files, serves_a_file_with_type_length_etag_and_last_modified) {
    site s;
    aio::run([&]() -> task<> {
        aio::http::server app;
        app.add_static("/static", s.root);
        co_await app.listen("127.0.0.1", 0);
        auto r = co_await ask(app.port(), get("/static/hello.txt"));
        EXPECT_EQ(r.status, 200);
        EXPECT_EQ(r.body, "hello, static world\n");
        EXPECT_EQ(r.headers.get("content-type").value_or(""), "text/plain; charset=utf-8");
        EXPECT_EQ(r.headers.get("content-length").value_or(""), "20");
        EXPECT_EQ(r.headers.get("accept-ranges").value_or(""), "bytes");
        const std::string etag(r.headers.get("etag").value_or(""));
        EXPECT_EQ(etag.front(), '"');
        EXPECT_EQ(etag.back(), '"');
        EXPECT_EQ(r.headers.get("last-modified").value_or("").size(), 29u); // IMF-fixdate
        r = co_await ask(app.port(), get("/static/style.CSS"));
        EXPECT_EQ(r.headers.get("content-type").value_or(""), "text/css; charset=utf-8");
        r = co_await ask(app.port(), get("/static/blob.unknownext"));
        EXPECT_EQ(r.headers.get("content-type").value_or(""), "application/octet-stream");
        r = co_await ask(app.port(), get("/static/page.html"));
        EXPECT_EQ(r.headers.get("content-type").value_or(""), "text/html; charset=utf-8");
        r = co_await ask(app.port(), get("/static/missing.txt"));
        EXPECT_EQ(r.status, 404);
        r = co_await ask(app.port(), get("/static/hello.txt/x"));
        EXPECT_EQ(r.status, 404); // a file used as a folder
        co_await app.shutdown(1s);
    }());
}

TEST(static_files, refuses_dot_dot_and_its_percent_encoded_forms) {
    site s;
    aio::run([&]() -> task<> {
        aio::http::server app;
        app.add_static("/static", s.root);
        co_await app.listen("127.0.0.1", 0);
        // Raw targets, sent as written (no client normalises them away).
        const std::vector<std::string> attacks = {
            "/static/../secret.txt",         "/static/%2e%2e/secret.txt",
            "/static/%2E%2E%2Fsecret.txt",   "/static/..%2fsecret.txt",
            "/static/docs/../../secret.txt", "/static/docs/%2e%2e%2f%2e%2e%2fsecret.txt",
            "/static/%2fetc%2fpasswd",       "/static//etc/passwd",
            "/static/.%2e/secret.txt",       "/static/hello.txt%00.html",
        };
        for (const auto& target : attacks) {
            auto r = co_await ask(app.port(), get(target));
            EXPECT_TRUE(r.status == 403 || r.status == 404) << target << " -> " << r.status;
            EXPECT_EQ(r.body.find("TOP SECRET"), std::string::npos) << target;
            EXPECT_EQ(r.body.find("root:"), std::string::npos) << target;
        }
        // A ".." that stays inside is refused as well (one name per file).
        auto r = co_await ask(app.port(), get("/static/docs/../hello.txt"));
        EXPECT_EQ(r.status, 403);
        co_await app.shutdown(1s);
    }());
}

TEST(static_files, refuses_symlinks_out_of_the_root_and_follows_those_inside) {
    site s;
    aio::run([&]() -> task<> {
        aio::http::server app;
        app.add_static("/static", s.root);
        co_await app.listen("127.0.0.1", 0);
        auto r = co_await ask(app.port(), get("/static/abs-link"));
        EXPECT_EQ(r.status, 403);
        EXPECT_EQ(r.body.find("TOP SECRET"), std::string::npos);
        r = co_await ask(app.port(), get("/static/rel-link"));
        EXPECT_EQ(r.status, 403);
        EXPECT_EQ(r.body.find("TOP SECRET"), std::string::npos);
        r = co_await ask(app.port(), get("/static/inside-link"));
        EXPECT_EQ(r.status, 200);
        EXPECT_EQ(r.body, "hello, static world\n");
        r = co_await ask(app.port(), get("/static/fifo")); // not a regular file, never blocks
        EXPECT_EQ(r.status, 403);
        co_await app.shutdown(1s);
    }());
}

TEST(static_files, serves_index_html_for_a_folder_and_redirects_a_folder_without_slash) {
    site s;
    aio::run([&]() -> task<> {
        aio::http::server app;
        app.add_static("/static", s.root);
        app.add_static("/noindex", s.root, {.index = nullptr});
        co_await app.listen("127.0.0.1", 0);
        auto r = co_await ask(app.port(), get("/static/docs/"));
        EXPECT_EQ(r.status, 200);
        EXPECT_EQ(r.body, "<h1>docs index</h1>");
        EXPECT_EQ(r.headers.get("content-type").value_or(""), "text/html; charset=utf-8");
        r = co_await ask(app.port(), get("/static/docs?x=1"));
        EXPECT_EQ(r.status, 301);
        EXPECT_EQ(r.headers.get("location").value_or(""), "/static/docs/?x=1");
        r = co_await ask(app.port(), get("/static"));
        EXPECT_EQ(r.status, 301);
        EXPECT_EQ(r.headers.get("location").value_or(""), "/static/");
        r = co_await ask(app.port(), get("/static/empty/"));
        EXPECT_EQ(r.status, 403); // a folder without index.html
        r = co_await ask(app.port(), get("/noindex/docs/"));
        EXPECT_EQ(r.status, 403); // index switched off
        co_await app.shutdown(1s);
    }());
}

TEST(static_files, answers_304_to_a_matching_if_none_match_or_if_modified_since) {
    site s;
    aio::run([&]() -> task<> {
        aio::http::server app;
        app.add_static("/", s.root);
        co_await app.listen("127.0.0.1", 0);
        auto first = co_await ask(app.port(), get("/hello.txt"));
        if (!((first.status) == (200))) { // ASSERT (a coroutine cannot use ASSERT_*)
            ADD_FAILURE() << "eq failed: first.status, 200";
            co_return;
        }
        const std::string etag(first.headers.get("etag").value_or(""));
        const std::string modified(first.headers.get("last-modified").value_or(""));

        auto r = co_await ask(app.port(), get("/hello.txt", "If-None-Match: " + etag + "\r\n"));
        EXPECT_EQ(r.status, 304);
        EXPECT_EQ(r.body, "");
        EXPECT_EQ(r.headers.get("etag").value_or(""), etag);
        r = co_await ask(app.port(),
                         get("/hello.txt", "If-None-Match: \"nope\", W/" + etag + "\r\n"));
        EXPECT_EQ(r.status, 304); // weak comparison, in a list
        r = co_await ask(app.port(), get("/hello.txt", "If-None-Match: \"other\"\r\n"));
        EXPECT_EQ(r.status, 200);
        EXPECT_EQ(r.body, "hello, static world\n");

        r = co_await ask(app.port(), get("/hello.txt", "If-Modified-Since: " + modified + "\r\n"));
        EXPECT_EQ(r.status, 304);
        r = co_await ask(app.port(),
                         get("/hello.txt", "If-Modified-Since: Thu, 01 Jan 1998 00:00:00 GMT\r\n"));
        EXPECT_EQ(r.status, 200);
        r = co_await ask(app.port(), get("/hello.txt", "If-Modified-Since: yesterday\r\n"));
        EXPECT_EQ(r.status, 200); // unreadable: ignored
        // If-None-Match wins over If-Modified-Since.
        r = co_await ask(app.port(), get("/hello.txt", "If-None-Match: \"other\"\r\n"
                                                       "If-Modified-Since: " +
                                                           modified + "\r\n"));
        EXPECT_EQ(r.status, 200);
        co_await app.shutdown(1s);
    }());
}

TEST(static_files, answers_206_to_one_range_416_when_unsatisfiable_and_200_to_several) {
    site s;
    // 0123456789 x 10
    std::string digits;
    for (int i = 0; i < 10; ++i)
        digits += "0123456789";
    write(s.root + "/digits.txt", digits);
    aio::run([&]() -> task<> {
        aio::http::server app;
        app.add_static("/", s.root);
        co_await app.listen("127.0.0.1", 0);
        auto r = co_await ask(app.port(), get("/digits.txt", "Range: bytes=10-14\r\n"));
        EXPECT_EQ(r.status, 206);
        EXPECT_EQ(r.body, "01234");
        EXPECT_EQ(r.headers.get("content-range").value_or(""), "bytes 10-14/100");
        EXPECT_EQ(r.headers.get("content-length").value_or(""), "5");
        r = co_await ask(app.port(), get("/digits.txt", "Range: bytes=95-\r\n"));
        EXPECT_EQ(r.status, 206);
        EXPECT_EQ(r.body, "56789");
        r = co_await ask(app.port(), get("/digits.txt", "Range: bytes=-3\r\n"));
        EXPECT_EQ(r.status, 206);
        EXPECT_EQ(r.body, "789");
        EXPECT_EQ(r.headers.get("content-range").value_or(""), "bytes 97-99/100");
        r = co_await ask(app.port(), get("/digits.txt", "Range: bytes=90-500\r\n"));
        EXPECT_EQ(r.status, 206); // clipped to the end
        EXPECT_EQ(r.body, "0123456789");
        r = co_await ask(app.port(), get("/digits.txt", "Range: bytes=100-\r\n"));
        EXPECT_EQ(r.status, 416);
        EXPECT_EQ(r.headers.get("content-range").value_or(""), "bytes */100");
        r = co_await ask(app.port(), get("/digits.txt", "Range: bytes=0-1,5-6\r\n"));
        EXPECT_EQ(r.status, 200); // several ranges: the whole file
        EXPECT_EQ(r.body, digits);
        r = co_await ask(app.port(), get("/digits.txt", "Range: lines=1-2\r\n"));
        EXPECT_EQ(r.status, 200); // another unit: ignored
        r = co_await ask(app.port(),
                         get("/digits.txt", "Range: bytes=0-1\r\nIf-Range: \"stale\"\r\n"));
        EXPECT_EQ(r.status, 200); // the representation changed: whole
        co_await app.shutdown(1s);
    }());
}

TEST(static_files, answers_head_with_the_length_and_no_body) {
    site s;
    aio::run([&]() -> task<> {
        aio::http::server app;
        app.add_static("/", s.root);
        co_await app.listen("127.0.0.1", 0);
        auto r = co_await ask(app.port(), get("/hello.txt", "", "HEAD"), true);
        EXPECT_EQ(r.status, 200);
        EXPECT_EQ(r.headers.get("content-length").value_or(""), "20");
        EXPECT_EQ(r.body, "");
        co_await app.shutdown(1s);
    }());
}

TEST(static_files, closes_the_file_of_every_request_served_refused_or_aborted) {
    site s;
    write(s.root + "/big.bin", std::string(8 << 20, 'b'));
    aio::run([&]() -> task<> {
        aio::http::server app;
        app.add_static("/", s.root);
        co_await app.listen("127.0.0.1", 0);
        (void)co_await ask(app.port(), get("/hello.txt")); // warm up (pool threads, ...)
        const int before = aio_test::open_fds();
        for (int i = 0; i < 20; ++i) {
            (void)co_await ask(app.port(), get("/hello.txt"));
            (void)co_await ask(app.port(), get("/hello.txt", "", "HEAD"), true);
            (void)co_await ask(app.port(), get("/hello.txt", "Range: bytes=500-\r\n"));
            (void)co_await ask(app.port(), get("/docs/"));
        }
        // A client that reads a little of a large file, then resets the connection.
        for (int i = 0; i < 5; ++i) {
            auto c = co_await aio::net::open_connection("127.0.0.1", app.port());
            co_await c.write(get("/big.bin"));
            std::string some = co_await aio::wait_for(c.read(4096), 5s);
            EXPECT_FALSE(some.empty());
            c.abort();
        }
        EXPECT_LE(co_await aio_test::settle_fds(before), before);
        co_await app.shutdown(2s);
    }());
}

TEST(static_files, sends_a_large_file_intact_to_a_slow_reader) {
    site s;
    std::string big(6 << 20, '\0');
    for (std::size_t i = 0; i < big.size(); ++i)
        big[i] = static_cast<char>((i * 7919) >> 5);
    write(s.root + "/big.bin", big);
    aio::run([&]() -> task<> {
        aio::http::server app;
        app.add_static("/", s.root);
        co_await app.listen("127.0.0.1", 0);
        auto c = co_await aio::net::open_connection("127.0.0.1", app.port());
        co_await c.write(get("/big.bin"));
        std::string all;
        int reads = 0;
        for (;;) {
            std::string more = co_await aio::wait_for(c.read(64 * 1024), 10s);
            if (more.empty())
                break;
            all += more;
            if (++reads % 16 == 0)
                co_await aio::sleep(1ms); // slower than the server: it must wait for us
        }
        auto r = aio_test::parse_raw(std::move(all));
        EXPECT_EQ(r.status, 200);
        EXPECT_EQ(r.body.size(), big.size());
        EXPECT_EQ(aio_test::fnv1a(r.body), aio_test::fnv1a(big));
        // A range of a large file: sendfile from an offset (small files are sent from memory).
        auto part = co_await ask(app.port(), get("/big.bin", "Range: bytes=1000000-1999999\r\n"));
        EXPECT_EQ(part.status, 206);
        EXPECT_TRUE(part.body == big.substr(1000000, 1000000));
        co_await app.shutdown(1s);
    }());
}

TEST(static_files, serves_curl_a_file_and_a_range) {
    if (::access("/usr/bin/curl", X_OK) != 0)
        GTEST_SKIP() << "curl is not installed (tools/deps.sh installs it)";
    site s;
    aio::run([&]() -> task<> {
        aio::http::server app;
        app.add_static("/static", s.root);
        co_await app.listen("127.0.0.1", 0);
        const std::string url = "http://127.0.0.1:" + std::to_string(app.port()) + "/static/";
        std::vector<std::string> whole = {"curl", "-sS", "--max-time", "10", url + "hello.txt"};
        std::vector<std::string> part = {"curl",           "-sS", "-r", "7-12", "--max-time", "10",
                                         url + "hello.txt"};
        auto p =
            co_await aio::create_subprocess_exec(whole, aio::subprocess_options{.out = aio::pipe});
        auto [out, err] = co_await aio::wait_for(p.communicate(), 20s);
        EXPECT_EQ(co_await p.wait(), 0);
        EXPECT_EQ(out, "hello, static world\n");
        auto q =
            co_await aio::create_subprocess_exec(part, aio::subprocess_options{.out = aio::pipe});
        auto [out2, err2] = co_await aio::wait_for(q.communicate(), 20s);
        EXPECT_EQ(co_await q.wait(), 0);
        EXPECT_EQ(out2, "static");
        co_await app.shutdown(1s);
    }());
}

TEST(static_files, refuses_a_bad_prefix_and_a_missing_root) {
    aio::http::server app;
    EXPECT_THROW(app.add_static("static", "/tmp"), std::invalid_argument);
    EXPECT_THROW(app.add_static("/static", "/nonexistent/aio-static-root"), aio::io_error);
}
