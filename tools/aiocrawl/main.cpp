// aiocrawl: the project's main program. See docs/guide/aiocrawl.md.
#include "app.hpp"
#include "cli.hpp"

#include <aio/core/error.hpp>
#include <aio/core/event_loop.hpp>

#include <cstdio>
#include <exception>

int main(int argc, char** argv) {
    aiocrawl::parsed_command_line p = aiocrawl::parse_command_line(argc, argv);
    if (!p.out.empty())
        std::fputs(p.out.c_str(), stdout);
    if (!p.err.empty())
        std::fputs(p.err.c_str(), stderr);
    if (!p.options)
        return p.exit_code;
    try {
        return aio::run(aiocrawl::run_crawl(std::move(*p.options)));
    } catch (const aio::cancelled_error&) {
        return 130; // Ctrl-C before the crawl's own handler was waiting (see aio::run)
    } catch (const std::exception& e) {
        std::fprintf(stderr, "aiocrawl: %s\n", e.what());
        return 1;
    }
}
