// A TCP echo client: sends each message as a line and prints the reply.
//
//     tcp_echo_client HOST PORT [MESSAGE ...]   (default message: "Hello World!")
//     tcp_echo_client --selftest                starts an echo server in-process and talks
//                                               to it; exits 0 if every reply matches
#include <aio/aio.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

/// Sends every message and returns the replies (the asyncio tutorial's client, batched).
aio::task<std::vector<std::string>> echo_client(std::string host,
                                                std::uint16_t port,
                                                std::vector<std::string> messages) {
    auto s = co_await aio::net::open_connection(host, port, {.timeout = std::chrono::seconds(5)});
    std::vector<std::string> replies;
    for (const auto& m : messages) {
        std::printf("send: %s\n", m.c_str());
        co_await s.write(m + "\n");
        std::string reply = co_await s.read_line();
        if (!reply.empty() && reply.back() == '\n') reply.pop_back();
        std::printf("received: %s\n", reply.c_str());
        replies.push_back(std::move(reply));
    }
    co_await s.close();
    co_return replies;
}

aio::task<> echo_handler(aio::net::stream s) {
    while (true) {
        std::string line = co_await s.read_line();
        if (line.empty()) break;
        co_await s.write(line);
    }
}

aio::task<int> selftest() {
    auto srv = co_await aio::net::start_server(echo_handler, "127.0.0.1", 0);
    std::vector<std::string> messages{"Hello World!", "second line", std::string(5000, 'x')};
    auto replies = co_await echo_client("localhost", srv.port(), messages);
    srv.close();
    co_await srv.wait_closed();
    const bool ok = replies == messages;
    std::printf("selftest %s\n", ok ? "ok" : "FAILED");
    co_return ok ? 0 : 1;
}

aio::task<int> run_client(std::string host, std::uint16_t port, std::vector<std::string> msgs) {
    try {
        co_await echo_client(host, port, msgs);
    } catch (const aio::error& e) {
        std::fprintf(stderr, "tcp_echo_client: %s\n", e.what());
        co_return 1;
    }
    co_return 0;
}

} // namespace

int main(int argc, char** argv) {
    if (argc == 2 && std::string(argv[1]) == "--selftest") return aio::run(selftest());
    if (argc < 3) {
        std::fprintf(stderr, "usage: tcp_echo_client HOST PORT [MESSAGE ...] | --selftest\n");
        return 2;
    }
    std::vector<std::string> msgs(argv + 3, argv + argc);
    if (msgs.empty()) msgs.push_back("Hello World!");
    return aio::run(run_client(argv[1], static_cast<std::uint16_t>(std::strtoul(argv[2], nullptr, 10)),
                               std::move(msgs)));
}
