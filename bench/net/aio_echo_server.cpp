// aio_echo_server: a lean TCP echo server for the user-CPU-per-round-trip benchmark.
//
//     aio_echo_server [--port N] [--host 127.0.0.1] [--backend io_uring|epoll]
//                     [--batch-us N]
//
// --batch-us N sets run_options::io_batch_window (completion batching; io_uring, Linux
// 6.12+).
//
// Prints "listening <port>" on stdout once it accepts connections, then echoes every byte
// back until SIGTERM or SIGINT arrives, or until stdin reaches EOF when stdin is a pipe or a
// socket (so a harness can stop it by closing the pipe). The hot loop allocates nothing:
// each connection reads into a buffer in its own frame (read_into) and writes from it;
// the coroutine frames of the per-call tasks come from the per-thread frame recycler.
#include <aio/core.hpp>
#include <aio/net.hpp>

#include <array>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

namespace {

aio::task<> echo(aio::net::stream s) {
    std::array<std::byte, 16 * 1024> buf;
    try {
        while (std::size_t n = co_await s.read_into(buf)) {
            co_await s.write(std::span<const std::byte>(buf.data(), n));
        }
    } catch (const aio::connection_error&) {
        // The client went away mid-echo: normal under load tests.
    }
}

/// Returns when a byte (a signal record) can be read from `fd`, or at its EOF.
aio::task<> wait_readable_eof_or_data(int fd, aio::net::server* srv) {
    auto s = aio::net::stream::from_fd(fd);
    char buf[256];
    co_await s.read_into(std::span<char>(buf));
    srv->close();
}

aio::task<> wait_stdin_eof(aio::net::server* srv) {
    auto s = aio::net::stream::from_fd(::dup(STDIN_FILENO));
    char buf[4096];
    while (co_await s.read_into(std::span<char>(buf)) > 0) {
    }
    srv->close();
}

aio::task<int> amain(std::string host, std::uint16_t port, int sigfd) {
    auto srv = co_await aio::net::start_server(echo, host, port);
    std::printf("listening %u\n", static_cast<unsigned>(srv.port()));
    std::fflush(stdout);
    auto on_signal = aio::create_task(wait_readable_eof_or_data(sigfd, &srv));
    struct stat st {};
    aio::task_ref on_stdin;
    if (::fstat(STDIN_FILENO, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))) {
        on_stdin = aio::create_task(wait_stdin_eof(&srv));
    }
    co_await srv.serve_forever();
    on_signal.cancel();
    on_stdin.cancel();
    srv.abort_clients();
    co_await srv.wait_closed();
    co_return 0;
}

[[noreturn]] void usage(const char* why) {
    std::fprintf(stderr,
                 "aio_echo_server: %s\nusage: aio_echo_server [--port N] [--host ADDR] "
                 "[--backend io_uring|epoll] [--batch-us N]\n",
                 why);
    std::exit(2);
}

} // namespace

int main(int argc, char** argv) {
    std::string host = "127.0.0.1";
    unsigned long port = 0;
    std::string backend;
    unsigned long batch_us = 0;
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        auto value = [&]() -> const char* {
            if (i + 1 >= argc)
                usage(("missing value after " + std::string(a)).c_str());
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
                usage("--batch-us needs a number 0-10000");
        } else {
            usage(("unknown argument " + std::string(a)).c_str());
        }
    }
    // Signals arrive through a signalfd read by the loop.
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    ::sigprocmask(SIG_BLOCK, &mask, nullptr);
    const int sigfd = ::signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    if (sigfd < 0) {
        std::perror("aio_echo_server: signalfd");
        return 1;
    }
    try {
        return aio::run(
            amain(host, static_cast<std::uint16_t>(port), sigfd),
            {.backend = backend, .io_batch_window = std::chrono::microseconds(batch_us)});
    } catch (const std::exception& e) {
        std::fprintf(stderr, "aio_echo_server: %s\n", e.what());
        return 1;
    }
}
