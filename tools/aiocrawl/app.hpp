// The program around the crawl: the demo site, the outputs, Ctrl-C, the exit code.
#pragma once

#include "options.hpp"

#include <aio/core/task.hpp>

namespace aiocrawl {

/// Exit codes (DESIGN.md, "The main job").
enum exit_code : int {
    exit_ok = 0,            ///< the crawl completed (per-URL errors are in the output)
    exit_no_start = 1,      ///< no start URL could be fetched (or an output file not written)
    exit_usage = 2,         ///< bad command line
    exit_interrupted = 130, ///< SIGINT or SIGTERM: in-flight fetches cancelled, output flushed
};

/// Runs one crawl as the command line asked (start URLs already validated and normalised)
/// and returns the exit code. Prints the progress (unless quiet) and the summary on stdout,
/// errors on stderr.
[[nodiscard]] aio::task<int> run_crawl(crawl_options options);

} // namespace aiocrawl
