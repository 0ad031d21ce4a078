// Echo benchmark peer: Boost.Asio (1.81, header-only) C++20 coroutines on a
// single-threaded io_context.
//
// Build: g++ -O2 -std=c++20 -o echo_asio echo_asio.cpp -pthread
// Usage: echo_asio [--port N]      (N = 0, the default: ephemeral)
//
// Listens on 127.0.0.1, prints "listening <port>" as its first stdout line and
// echoes every byte back until killed (SIGTERM).  One coroutine per
// connection: co_await async_read_some into a 64 KiB buffer, co_await
// async_write of what was read; errors come back as values
// (as_tuple(use_awaitable)), not exceptions.  io_context(1): the concurrency
// hint that tells Asio only one thread runs it.
#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

asio::awaitable<void> echo(tcp::socket sock) {
    boost::system::error_code ignored;
    sock.set_option(tcp::no_delay(true), ignored);
    auto buf = std::make_unique<std::array<char, 65536>>();
    for (;;) {
        auto [rec, n] = co_await sock.async_read_some(asio::buffer(*buf), use_tuple);
        if (rec)
            co_return; // EOF or error
        auto [wec, m] = co_await asio::async_write(sock, asio::buffer(buf->data(), n), use_tuple);
        if (wec)
            co_return;
    }
}

asio::awaitable<void> listen(tcp::acceptor acceptor) {
    for (;;) {
        auto [ec, sock] = co_await acceptor.async_accept(use_tuple);
        if (ec) {
            if (ec == asio::error::operation_aborted)
                co_return;
            std::fprintf(stderr, "echo_asio: accept: %s\n", ec.message().c_str());
            continue;
        }
        asio::co_spawn(acceptor.get_executor(), echo(std::move(sock)), asio::detached);
    }
}

unsigned short parse_port(int argc, char** argv) {
    long port = 0;
    for (int i = 1; i < argc; i++) {
        const char* s = argv[i];
        if (std::strcmp(s, "--port") == 0) {
            if (++i >= argc)
                goto bad;
            s = argv[i];
        }
        char* end = nullptr;
        port = std::strtol(s, &end, 10);
        if (end == s || *end || port < 0 || port > 65535)
            goto bad;
    }
    return static_cast<unsigned short>(port);
bad:
    std::fprintf(stderr, "usage: %s [--port N]\n", argv[0]);
    std::exit(64);
}

} // namespace

int main(int argc, char** argv) {
    const unsigned short port = parse_port(argc, argv);
    asio::io_context ctx(1);
    tcp::acceptor acceptor(ctx);
    try {
        tcp::endpoint ep(asio::ip::make_address_v4("127.0.0.1"), port);
        acceptor.open(ep.protocol());
        acceptor.set_option(tcp::acceptor::reuse_address(true));
        acceptor.bind(ep);
        acceptor.listen(1024);
    } catch (const boost::system::system_error& e) {
        std::fprintf(stderr, "echo_asio: listen on 127.0.0.1:%u: %s\n", port, e.what());
        return 1;
    }
    std::printf("listening %u\n", acceptor.local_endpoint().port());
    std::fflush(stdout);

    asio::signal_set signals(ctx, SIGTERM, SIGINT);
    signals.async_wait([&](const boost::system::error_code&, int) { ctx.stop(); });
    asio::co_spawn(ctx, listen(std::move(acceptor)), asio::detached);
    ctx.run();
    return 0;
}
