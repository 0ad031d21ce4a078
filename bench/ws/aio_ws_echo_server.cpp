// The aiocpp side of the WebSocket echo benchmark (bench/run_ws_bench.sh): an
// aio::http::server with one WebSocket route that echoes every message. Prints
// "listening <port>" and serves until SIGTERM/SIGINT. No compression (the peers run without).
#include <aio/aio.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>

namespace {

aio::task<> echo(aio::http::request&, aio::ws::websocket& ws) {
    while (auto m = co_await ws.receive()) {
        if (m->binary)
            co_await ws.send_binary(m->data);
        else
            co_await ws.send(m->data);
    }
}

aio::task<int> amain(std::uint16_t port) {
    aio::http::server app;
    app.websocket("/", echo, {.max_message_size = 16 << 20, .compression = false});
    co_await app.listen("127.0.0.1", port);
    std::printf("listening %u\n", static_cast<unsigned>(app.port()));
    std::fflush(stdout);
    co_await aio::signal_received(SIGINT, SIGTERM);
    co_await app.shutdown(std::chrono::seconds(1));
    co_return 0;
}

} // namespace

int main(int argc, char** argv) {
    return aio::run(amain(argc > 1 ? static_cast<std::uint16_t>(std::atoi(argv[1])) : 0));
}
