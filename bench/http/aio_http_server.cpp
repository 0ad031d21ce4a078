// aio_http_server: the aiocpp side of the HTTP server benchmark (bench/run_http_bench.sh).
//
//     aio_http_server [--port N] [--host 127.0.0.1] [--backend io_uring|epoll] [--batch-us N]
//
// --batch-us: run_options::io_batch_window (completion batching, docs/guide/core.md), the
// benchmark's row aiocpp-batch; off by default.
// One route, `GET /` -> 200 "Hello, World!" (text/plain), keep-alive, on
// aio::http::server with its default options: what a user of the library writes, no
// tuning. Prints "listening <port>" on stdout once it accepts connections and serves until
// SIGTERM or SIGINT (read through a signalfd by the loop), or until stdin reaches EOF when
// stdin is a pipe or a socket; then it closes the server and exits 0.
#include <aio/core.hpp>
#include <aio/http.hpp>
#include <aio/net.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

namespace {

aio::task<aio::http::response> hello(aio::http::request&) {
    co_return aio::http::response::text(200, "Hello, World!");
}

/// Closes the server when a signal record (or EOF) can be read from `fd`.
aio::task<> close_on_readable(int fd, aio::http::server* app) {
    auto s = aio::net::stream::from_fd(fd);
    char buf[256];
    co_await s.read_into(std::span<char>(buf));
    app->close();
}

/// Closes the server at EOF of stdin (a harness that closes its end of the pipe).
aio::task<> close_on_stdin_eof(aio::http::server* app) {
    auto s = aio::net::stream::from_fd(::dup(STDIN_FILENO));
    char buf[4096];
    while (co_await s.read_into(std::span<char>(buf)) > 0) {
    }
    app->close();
}

aio::task<int> amain(std::string host, std::uint16_t port, int sigfd) {
    aio::http::server app;
    app.route("GET", "/", hello);
    co_await app.listen(host, port);
    std::printf("listening %u\n", static_cast<unsigned>(app.port()));
    std::fflush(stdout);
    auto on_signal = aio::create_task(close_on_readable(sigfd, &app));
    struct stat st {};
    aio::task_ref on_stdin;
    if (::fstat(STDIN_FILENO, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
        on_stdin = aio::create_task(close_on_stdin_eof(&app));
    co_await app.serve_forever();
    on_signal.cancel();
    on_stdin.cancel();
    co_await app.shutdown(std::chrono::milliseconds(1000));
    co_return 0;
}

[[noreturn]] void usage(const std::string& why) {
    std::fprintf(stderr,
                 "aio_http_server: %s\nusage: aio_http_server [--port N] [--host ADDR] "
                 "[--backend io_uring|epoll] [--batch-us N]\n",
                 why.c_str());
    std::exit(2);
}

} // namespace

int main(int argc, char** argv) {
    std::string host = "127.0.0.1";
    unsigned long port = 0;
    std::string backend;
    unsigned long batch_us = 0; // run_options::io_batch_window (0: off, or AIO_IO_BATCH_US)
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        auto value = [&]() -> const char* {
            if (i + 1 >= argc)
                usage("missing value after " + std::string(a));
            return argv[++i];
        };
        if (a == "--port") {
            char* end = nullptr;
            port = std::strtoul(value(), &end, 10);
            if (!end || *end || port > 65535)
                usage("--port needs a number 0-65535");
        } else if (a == "--host") {
            host = value();
        } else if (a == "--backend") {
            backend = value();
            if (backend != "io_uring" && backend != "epoll")
                usage("--backend: io_uring or epoll");
        } else if (a == "--batch-us") {
            char* end = nullptr;
            batch_us = std::strtoul(value(), &end, 10);
            if (!end || *end || batch_us > 10000)
                usage("--batch-us needs a number 0-10000 (microseconds)");
        } else {
            usage("unknown argument " + std::string(a));
        }
    }
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    ::sigprocmask(SIG_BLOCK, &mask, nullptr);
    const int sigfd = ::signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    if (sigfd < 0) {
        std::perror("aio_http_server: signalfd");
        return 1;
    }
    try {
        return aio::run(
            amain(host, static_cast<std::uint16_t>(port), sigfd),
            {.backend = backend, .io_batch_window = std::chrono::microseconds(batch_us)});
    } catch (const std::exception& e) {
        std::fprintf(stderr, "aio_http_server: %s\n", e.what());
        return 1;
    }
}
