// A server process for the graceful-shutdown test (server_features_test.cpp): prints its
// port, serves /fast and /slow (announced on stdout when it starts), and runs until
// SIGINT/SIGTERM with server::run's shutdown; prints how it stopped and returns 0.
#include <aio/core.hpp>
#include <aio/http.hpp>

#include <cstdio>

using namespace std::chrono_literals;

namespace {

aio::task<int> amain() {
    aio::http::server app;
    app.route("GET", "/fast", [](aio::http::request&) -> aio::task<aio::http::response> {
        co_return aio::http::response::text(200, "fast");
    });
    app.route("GET", "/slow", [](aio::http::request&) -> aio::task<aio::http::response> {
        std::puts("slow started");
        std::fflush(stdout);
        co_await aio::sleep(500ms);
        co_return aio::http::response::text(200, "slow done");
    });
    co_await app.listen("127.0.0.1", 0);
    std::printf("port %u\n", static_cast<unsigned>(app.port()));
    std::fflush(stdout);
    const int sig = co_await app.serve_until_signal({.shutdown_timeout = 5s});
    std::printf("stopped by signal %d\n", sig);
    std::fflush(stdout);
    co_return 0;
}

} // namespace

int main() {
    return aio::run(amain());
}
