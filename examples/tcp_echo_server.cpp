// A TCP echo server: every line a client sends comes back (asyncio's echo server example).
//
//     tcp_echo_server [--host 127.0.0.1] [--port 8888]   serve until interrupted
//     tcp_echo_server --selftest                          serve on a free port, run three
//                                                         clients against it, exit 0 if ok
#include <aio/aio.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace {

aio::task<> handle_echo(aio::net::stream s) {
    const std::string peer = s.peer_address().to_string();
    std::printf("connected: %s\n", peer.c_str());
    while (true) {
        std::string line = co_await s.read_line();
        if (line.empty()) break; // the client closed
        co_await s.write(line);
    }
    std::printf("closed: %s\n", peer.c_str());
    co_await s.close();
}

aio::task<std::string> client(std::uint16_t port, std::string message) {
    auto s = co_await aio::net::open_connection("127.0.0.1", port);
    co_await s.write(message + "\n");
    std::string reply = co_await s.read_line();
    co_await s.close();
    co_return reply;
}

aio::task<int> selftest() {
    auto srv = co_await aio::net::start_server(handle_echo, "127.0.0.1", 0);
    auto [a, b, c] = co_await aio::gather(client(srv.port(), "alpha"), client(srv.port(), "beta"),
                                          client(srv.port(), "gamma"));
    srv.close();
    co_await srv.wait_closed();
    const bool ok = a == "alpha\n" && b == "beta\n" && c == "gamma\n";
    std::printf("selftest %s\n", ok ? "ok" : "FAILED");
    co_return ok ? 0 : 1;
}

aio::task<int> serve(std::string host, std::uint16_t port) {
    auto srv = co_await aio::net::start_server(handle_echo, host, port);
    for (const auto& a : srv.addresses()) std::printf("serving on %s\n", a.to_string().c_str());
    std::fflush(stdout);
    co_await srv.serve_forever();
    co_return 0;
}

} // namespace

int main(int argc, char** argv) {
    std::string host = "127.0.0.1";
    unsigned long port = 8888;
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (a == "--selftest") return aio::run(selftest());
        if (a == "--host" && i + 1 < argc) {
            host = argv[++i];
        } else if (a == "--port" && i + 1 < argc) {
            port = std::strtoul(argv[++i], nullptr, 10);
        } else {
            std::fprintf(stderr, "usage: tcp_echo_server [--host H] [--port N] | --selftest\n");
            return 2;
        }
    }
    return aio::run(serve(host, static_cast<std::uint16_t>(port)));
}
