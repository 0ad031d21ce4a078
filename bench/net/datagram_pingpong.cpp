// datagram_pingpong: N ping-pong round trips between two datagram endpoints of one loop,
// over Unix-domain datagrams or UDP on 127.0.0.1; prints round trips per second. The
// asyncio twin is bench/peers/datagram_asyncio.py; bench/run_datagram_bench.sh runs both.
//
//     datagram_pingpong unix|udp N
#include <aio/aio.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <unistd.h>

namespace {

aio::task<> pong(aio::net::datagram_endpoint& ep, long n) {
    for (long i = 0; i < n; ++i) {
        auto [data, from] = co_await ep.receive_from();
        co_await ep.send_to(data, from);
    }
}

aio::task<> ping(aio::net::datagram_endpoint& ep, long n) {
    for (long i = 0; i < n; ++i) {
        co_await ep.send("ping");
        std::string reply = co_await ep.receive();
        if (reply != "ping")
            throw aio::runtime_error("datagram_pingpong: wrong reply");
    }
}

aio::task<> amain(bool unix_domain, long n) {
    const std::string dir = "/tmp/aio-dgbench-" + std::to_string(::getpid());
    const std::string a = dir + ".a", b = dir + ".b";
    aio::net::datagram_options so, co;
    if (unix_domain) {
        so.local_path = a;
        co.local_path = b;
        co.remote_path = a;
    } else {
        so.local_host = "127.0.0.1";
    }
    auto server = co_await aio::net::open_datagram_endpoint(so);
    if (!unix_domain) {
        co.local_host = "127.0.0.1";
        co.remote_host = "127.0.0.1";
        co.remote_port = server.local_address().port();
    }
    auto client = co_await aio::net::open_datagram_endpoint(co);
    const auto t0 = std::chrono::steady_clock::now();
    co_await aio::gather(pong(server, n), ping(client, n));
    const std::chrono::duration<double> dt = std::chrono::steady_clock::now() - t0;
    std::printf("%s round_trips=%ld per_second=%.0f\n", unix_domain ? "unix" : "udp", n,
                n / dt.count());
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 3 || (std::string(argv[1]) != "unix" && std::string(argv[1]) != "udp")) {
        std::fprintf(stderr, "usage: datagram_pingpong unix|udp N\n");
        return 2;
    }
    aio::run(amain(std::string(argv[1]) == "unix", std::atol(argv[2])));
}
