// tail -f with aiocpp: follow a growing file and print each new line.
//
//     tail_follow FILE [--lines N] [--timeout SECONDS] [--from-start] [--pidfile PATH]
//                      [--cleanup-ms MS]
//
// It stops after N lines, after the timeout, or on Ctrl-C / SIGTERM. Ctrl-C cancels the
// main task (aio::run does that, like Python's asyncio.run): the catch block below and the
// pidfile's scope guard still run, then the process ends as interrupted by SIGINT.
// Without FILE it runs a small demo: a writer task appends to a temporary file while the
// follower prints what appears.
#include <aio/aio.hpp>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

#include <unistd.h>

using namespace std::chrono_literals;

namespace {

struct options {
    std::string path;
    long lines = -1;     // stop after this many lines (-1: never)
    double timeout = -1; // seconds (-1: never)
    bool from_start = false;
    std::string pidfile;
    int cleanup_ms = 0; // a slow cleanup (to show what a second Ctrl-C does)
};

/// Removes the pidfile when the program ends, however it ends.
struct pidfile_guard {
    std::string path;
    explicit pidfile_guard(std::string p) : path(std::move(p)) {
        if (!path.empty())
            std::ofstream(path) << ::getpid() << "\n";
    }
    ~pidfile_guard() {
        if (!path.empty()) {
            std::remove(path.c_str());
            std::cout << "removed pidfile" << std::endl;
        }
    }
};

/// Prints each complete line appended to the file; returns how many were printed.
aio::task<long> follow(options opt) {
    auto f = co_await aio::file::open(opt.path);
    if (!opt.from_start)
        f.seek(f.size());
    std::string partial;
    long printed = 0;
    while (opt.lines < 0 || printed < opt.lines) {
        std::string chunk = co_await f.read(64 * 1024);
        if (chunk.empty()) {
            if (f.size() < f.position())
                f.seek(0);             // truncated: start over, like tail -F
            co_await aio::sleep(50ms); // no inotify: poll, as tail does
            continue;
        }
        partial += chunk;
        std::size_t start = 0, nl;
        while ((nl = partial.find('\n', start)) != std::string::npos) {
            std::cout << partial.substr(start, nl - start + 1) << std::flush;
            start = nl + 1;
            if (++printed == opt.lines)
                break;
        }
        partial.erase(0, start);
    }
    co_return printed;
}

aio::task<> pause(std::chrono::milliseconds d) {
    co_await aio::sleep(d);
}

/// Follows until done, a timeout, or SIGTERM (Ctrl-C cancels us through aio::run).
aio::task<int> run(options opt) {
    pidfile_guard guard(opt.pidfile);
    std::cout << "following " << opt.path << std::endl;
    auto follower = aio::create_task(follow(opt), "follow");
    bool got_term = false;
    auto watcher = aio::create_task(
        [](aio::task_handle<long> f, bool& got) -> aio::task<> {
            co_await aio::signal_received(SIGTERM);
            got = true;
            f.cancel();
        }(follower, got_term),
        "sigterm");
    long n = -1;
    std::exception_ptr interrupted;
    try {
        if (opt.timeout > 0) {
            n = co_await aio::wait_for(follower, std::chrono::duration<double>(opt.timeout));
        } else {
            n = co_await follower;
        }
    } catch (const aio::timeout_error&) {
        std::cout << "timeout" << std::endl;
    } catch (const aio::cancelled_error&) {
        if (!got_term) {
            // Ctrl-C: cleanup runs here and in the guard's destructor, then we re-throw so
            // aio::run ends the process as interrupted.
            std::cout << "interrupted, cleaning up" << std::endl;
            interrupted = std::current_exception();
        } else {
            std::cout << "got SIGTERM" << std::endl;
        }
    }
    if (interrupted) {
        // Cleanup that awaits runs shielded (co_await is not allowed inside a catch block).
        // A second Ctrl-C during it ends the process at once: the pidfile then stays.
        if (opt.cleanup_ms > 0)
            co_await aio::shield(pause(std::chrono::milliseconds(opt.cleanup_ms)));
        std::rethrow_exception(interrupted);
    }
    watcher.cancel();
    if (n >= 0)
        std::cout << "done after " << n << " lines" << std::endl;
    co_return 0;
}

aio::task<int> demo() {
    char tmpl[] = "/tmp/aio-tail-demo-XXXXXX";
    const int fd = ::mkstemp(tmpl);
    if (fd < 0)
        co_return 1;
    ::close(fd);
    const std::string path = tmpl;
    co_await aio::write_file(path, "old line, not shown\n");
    auto writer = aio::create_task([](std::string p) -> aio::task<> {
        auto f = co_await aio::file::open(p, aio::open_mode::write | aio::open_mode::append);
        for (int i = 1; i <= 5; ++i) {
            co_await aio::sleep(20ms);
            co_await f.write("line " + std::to_string(i) + "\n");
        }
    }(path));
    options opt;
    opt.path = path;
    opt.lines = 5;
    // A named object: GCC 12 miscompiles an aggregate temporary with std::string members
    // inside a co_await expression (see docs/guide/os.md).
    const long n = co_await follow(opt);
    co_await writer;
    std::cout << "followed " << n << " lines" << std::endl;
    std::remove(path.c_str());
    co_return 0;
}

} // namespace

int main(int argc, char** argv) {
    options opt;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--lines" && i + 1 < argc) {
            opt.lines = std::stol(argv[++i]);
        } else if (a == "--timeout" && i + 1 < argc) {
            opt.timeout = std::stod(argv[++i]);
        } else if (a == "--from-start") {
            opt.from_start = true;
        } else if (a == "--cleanup-ms" && i + 1 < argc) {
            opt.cleanup_ms = std::stoi(argv[++i]);
        } else if (a == "--pidfile" && i + 1 < argc) {
            opt.pidfile = argv[++i];
        } else if (!a.empty() && a[0] != '-' && opt.path.empty()) {
            opt.path = a;
        } else {
            std::cerr << "usage: tail_follow FILE [--lines N] [--timeout S] [--from-start] "
                         "[--pidfile PATH] [--cleanup-ms MS]\n";
            return 2;
        }
    }
    try {
        if (opt.path.empty())
            return aio::run(demo());
        return aio::run(run(opt));
    } catch (const aio::error& e) {
        std::cerr << "tail_follow: " << e.what() << "\n";
        return 1;
    }
}
