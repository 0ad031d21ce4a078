// A TCP chat server: every line a client sends is broadcast to all other clients.
//
//     tcp_chat_server [--port 8889]     serve until interrupted (try: nc 127.0.0.1 8889)
//     tcp_chat_server --selftest        three clients chat over loopback; exit 0 if each got
//                                       the others' messages
//
// Shape: one task per client reading lines; a shared set of client streams; broadcasting
// awaits each write, so a slow client slows only the sender's broadcast, and its memory is
// bounded by the stream's high-water mark. A client that fails to receive is dropped.
#include <aio/aio.hpp>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace {

struct chat_room {
    std::set<aio::net::stream*> members;

    aio::task<> broadcast(std::string line, aio::net::stream* from) {
        // Copy: members may leave while we await a write.
        std::vector<aio::net::stream*> targets(members.begin(), members.end());
        for (auto* m : targets) {
            if (m == from || !members.count(m)) continue;
            try {
                co_await m->write(line);
            } catch (const aio::error&) {
                members.erase(m); // its own handler notices the broken stream
            }
        }
    }
};

aio::task<> handle_client(chat_room* room, aio::net::stream s) {
    const std::string name = s.peer_address().to_string();
    room->members.insert(&s);
    co_await room->broadcast("* " + name + " joined\n", &s);
    try {
        while (true) {
            std::string line = co_await s.read_line();
            if (line.empty()) break;
            co_await room->broadcast(name + ": " + line, &s);
        }
    } catch (const aio::error&) {
    }
    room->members.erase(&s);
    co_await room->broadcast("* " + name + " left\n", &s);
}

/// The server's handler type takes only the stream; the room travels in a small functor
/// object held by the server (not a capturing coroutine lambda).
struct chat_handler {
    chat_room* room;
    aio::task<> operator()(aio::net::stream s) const { return handle_client(room, std::move(s)); }
};

aio::task<std::string> chat_client(std::uint16_t port, std::string name, int peers) {
    auto s = co_await aio::net::open_connection("127.0.0.1", port);
    co_await aio::sleep(std::chrono::milliseconds(50)); // everybody joined
    co_await s.write("hello from " + name + "\n");
    std::string seen;
    // Expect one message from each peer (join notices may come first).
    int got = 0;
    while (got < peers) {
        std::string line = co_await aio::wait_for(s.read_line(), std::chrono::seconds(5));
        if (line.find(": hello from ") != std::string::npos) {
            ++got;
            seen += line;
        }
    }
    co_await aio::sleep(std::chrono::milliseconds(50));
    co_await s.close();
    co_return seen;
}

aio::task<int> selftest() {
    chat_room room;
    auto srv = co_await aio::net::start_server(chat_handler{&room}, "127.0.0.1", 0);
    auto [a, b, c] = co_await aio::gather(chat_client(srv.port(), "ann", 2),
                                          chat_client(srv.port(), "bob", 2),
                                          chat_client(srv.port(), "cid", 2));
    srv.close();
    co_await srv.wait_closed();
    auto has = [](const std::string& s, const char* who) {
        return s.find(std::string("hello from ") + who) != std::string::npos;
    };
    const bool ok = has(a, "bob") && has(a, "cid") && has(b, "ann") && has(b, "cid") &&
                    has(c, "ann") && has(c, "bob") && !has(a, "ann");
    std::printf("selftest %s\n", ok ? "ok" : "FAILED");
    co_return ok ? 0 : 1;
}

aio::task<int> serve(std::uint16_t port) {
    chat_room room;
    auto srv = co_await aio::net::start_server(chat_handler{&room}, "127.0.0.1", port);
    std::printf("chat on 127.0.0.1:%u\n", static_cast<unsigned>(srv.port()));
    std::fflush(stdout);
    co_await srv.serve_forever();
    co_return 0;
}

} // namespace

int main(int argc, char** argv) {
    if (argc == 2 && std::string(argv[1]) == "--selftest") return aio::run(selftest());
    unsigned long port = 8889;
    if (argc == 3 && std::string(argv[1]) == "--port") {
        port = std::strtoul(argv[2], nullptr, 10);
    } else if (argc != 1) {
        std::fprintf(stderr, "usage: tcp_chat_server [--port N] | --selftest\n");
        return 2;
    }
    return aio::run(serve(static_cast<std::uint16_t>(port)));
}
