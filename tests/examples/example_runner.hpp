// Runs an example program as a child process and checks its output against
// tests/examples/expected/<name>.txt.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace aio_test {

struct run_result {
    int exit_code = -1; // the exit status, or 128 + signal
    std::string out;
    std::string err;
    std::chrono::milliseconds wall{0};
};

/// Runs build/examples/<name> with `args`. The child's environment is ours minus
/// AIO_DEBUG, AIO_TIMELINE and AIO_TRACE (so output does not depend on the caller's shell;
/// AIO_BACKEND is kept), plus `env`. The child is killed after 30 s.
run_result run_example(const std::string& name,
                       const std::vector<std::string>& args = {},
                       const std::vector<std::pair<std::string, std::string>>& env = {});

/// The text split into lines (no trailing empty line).
std::vector<std::string> split_lines(const std::string& text);

/// Compares `actual` line by line with the expected file: a line "re: <regex>" must match
/// (ECMAScript, whole line), any other line must be equal. Returns "" when they agree,
/// else a readable description of the first difference and both texts.
std::string compare_with_file(const std::string& actual, const std::string& expected_path);

/// The paths the build gave us.
std::string examples_source_dir();
std::string expected_dir();
/// The example names (examples/*.cpp), sorted.
std::vector<std::string> example_names();

bool file_exists(const std::string& path);
std::string read_file(const std::string& path);

} // namespace aio_test
