// HTTP server benchmark peer: Boost.Beast (1.81, header-only) on Boost.Asio C++20
// coroutines, one single-threaded io_context.
//
// Build: g++ -O2 -std=c++20 -o http_beast http_beast.cpp -pthread
// Usage: http_beast [--port N]      (N = 0, the default: ephemeral)
//
// Listens on 127.0.0.1, prints "listening <port>" as its first stdout line and answers every
// request with 200 "Hello, World!" (text/plain) on keep-alive connections until SIGTERM or
// SIGINT. One coroutine per connection: async_read of a request into a flat_buffer that
// persists across requests, async_write of a string_body response, as Beast's own
// "advanced server" example does; Beast writes no Date header by itself, so this one adds
// one, formatted once a second, as every other server in the benchmark sends one.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

namespace asio = boost::asio;
namespace http = boost::beast::http;
using asio::ip::tcp;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

/// The IMF-fixdate of the current second, reformatted when the second changes.
const std::string& http_date() {
    static std::time_t last = 0;
    static std::string text;
    const std::time_t now = std::time(nullptr);
    if (now != last) {
        char buf[64];
        std::tm tm{};
        gmtime_r(&now, &tm);
        std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
        text = buf;
        last = now;
    }
    return text;
}

asio::awaitable<void> session(tcp::socket sock) {
    boost::system::error_code ignored;
    sock.set_option(tcp::no_delay(true), ignored);
    boost::beast::flat_buffer buf;
    for (;;) {
        http::request<http::string_body> req;
        auto [rec, rn] = co_await http::async_read(sock, buf, req, use_tuple);
        if (rec)
            co_return;
        http::response<http::string_body> res(http::status::ok, req.version());
        res.set(http::field::content_type, "text/plain; charset=utf-8");
        res.set(http::field::date, http_date());
        res.keep_alive(req.keep_alive());
        res.body() = "Hello, World!";
        res.prepare_payload();
        auto [wec, wn] = co_await http::async_write(sock, res, use_tuple);
        if (wec || !res.keep_alive())
            co_return;
    }
}

asio::awaitable<void> listen(tcp::acceptor& acceptor) {
    for (;;) {
        auto [ec, sock] = co_await acceptor.async_accept(use_tuple);
        if (ec) {
            if (ec == asio::error::operation_aborted)
                co_return;
            continue;
        }
        asio::co_spawn(acceptor.get_executor(), session(std::move(sock)), asio::detached);
    }
}

} // namespace

int main(int argc, char** argv) {
    unsigned long port = 0;
    for (int i = 1; i < argc; ++i) {
        const char* s = std::string(argv[i]) == "--port" && i + 1 < argc ? argv[++i] : argv[i];
        char* end = nullptr;
        port = std::strtoul(s, &end, 10);
        if (!end || *end || port > 65535) {
            std::fprintf(stderr, "http_beast: bad port '%s'\nusage: http_beast [--port N]\n", s);
            return 64;
        }
    }
    try {
        asio::io_context io(1);
        tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"),
                                                 static_cast<unsigned short>(port)));
        std::printf("listening %u\n", static_cast<unsigned>(acceptor.local_endpoint().port()));
        std::fflush(stdout);
        asio::signal_set signals(io, SIGTERM, SIGINT);
        signals.async_wait([&](auto, int) {
            acceptor.close();
            io.stop();
        });
        asio::co_spawn(io, listen(acceptor), asio::detached);
        io.run();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "http_beast: %s\n", e.what());
        return 1;
    }
    return 0;
}
