// aiocrawl's command line (CLI11).
#pragma once

#include "options.hpp"

#include <optional>
#include <string>

namespace aiocrawl {

/// The one-line usage printed after a usage error.
extern const char* const usage_line;

/// The outcome of parsing: options to run with, or an exit code and what to print.
struct parsed_command_line {
    std::optional<crawl_options> options; ///< set when the crawl should run
    int exit_code = 0;                    ///< when not: 0 (--help) or 2 (usage error)
    std::string out;                      ///< text for stdout (--help)
    std::string err;                      ///< text for stderr (reason and usage)
};

/// Parses argv. Start URLs are checked (absolute http or https with a host) and normalised;
/// a malformed one, an unknown flag or a bad value is a usage error: a one-line reason,
/// then the usage line, exit code 2.
parsed_command_line parse_command_line(int argc, const char* const* argv);

} // namespace aiocrawl
