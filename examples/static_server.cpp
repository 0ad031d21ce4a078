// static_server: serves a folder over HTTP, like `python3 -m http.server` or aiohttp's
// web.static + web.run_app. Ctrl-C (or SIGTERM) stops it gracefully: requests in flight
// finish, idle connections close, and it exits 0.
//
//     static_server [FOLDER] [--host H] [--port N] [--quiet]
//
// FOLDER defaults to the current directory, the host to 127.0.0.1, the port to 8080 (0:
// any free port). Each request is logged to stderr (aiohttp's access-log format) unless
// --quiet. Files are sent with sendfile (zero-copy), with ETag/Last-Modified, 304 and
// Range support; a folder serves its index.html.
#include <aio/http.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <iostream>
#include <string>

int main(int argc, char** argv) {
    std::string folder = ".";
    std::string host = "127.0.0.1";
    long port = 8080;
    bool quiet = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--host" && i + 1 < argc) {
            host = argv[++i];
        } else if (a == "--port" && i + 1 < argc) {
            char* end = nullptr;
            port = std::strtol(argv[++i], &end, 10);
            if (*end != '\0' || port < 0 || port > 65535) {
                std::fprintf(stderr, "static_server: bad port '%s'\n", argv[i]);
                return 2;
            }
        } else if (a == "--quiet") {
            quiet = true;
        } else if (a == "--help" || a == "-h") {
            std::puts("usage: static_server [FOLDER] [--host H] [--port N] [--quiet]");
            return 0;
        } else if (!a.empty() && a[0] != '-') {
            folder = a;
        } else {
            std::fprintf(stderr, "static_server: unknown option '%s' (try --help)\n", a.c_str());
            return 2;
        }
    }
    try {
        aio::http::server app;
        app.add_static("/", folder);
        if (!quiet)
            app.access_log([](std::string_view line) { std::cerr << line << '\n'; });
        const int rc =
            app.run(host, static_cast<std::uint16_t>(port), {}, [&](std::uint16_t bound) {
                std::printf("serving %s on http://%s:%u/ (Ctrl-C to stop)\n", folder.c_str(),
                            host.c_str(), static_cast<unsigned>(bound));
                std::fflush(stdout);
            });
        std::puts("stopped");
        return rc;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "static_server: %s\n", e.what());
        return 1;
    }
}
