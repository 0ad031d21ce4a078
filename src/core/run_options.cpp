// run_options and their environment variables (see run_options.hpp).
#include "core/run_options.hpp"

#include <aio/core/error.hpp>

#include <cerrno>
#include <cstdlib>
#include <string>
#include <string_view>

namespace aio::detail {

bool env_flag(const char* name) {
    const char* v = std::getenv(name);
    return v && *v && std::string_view(v) != "0";
}

const char* trace_path() {
    const char* v = std::getenv("AIO_TRACE");
    return v && *v ? v : nullptr;
}

unsigned batch_window_us(const run_options& opts) {
    constexpr long long most = 10'000; // beyond 10 ms it is a sleep, not a batch
    const long long us = opts.io_batch_window.count();
    if (us < 0 || us > most)
        throw runtime_error("aio: run_options::io_batch_window must be 0 to 10000 "
                            "microseconds, got " +
                            std::to_string(us));
    const char* env = std::getenv("AIO_IO_BATCH_US");
    if (us != 0 || !env || !*env)
        return static_cast<unsigned>(us);
    char* end = nullptr;
    errno = 0;
    const long long v = std::strtoll(env, &end, 10);
    if (*env < '0' || *env > '9' || *end || errno || v > most)
        throw runtime_error(
            std::string("aio: AIO_IO_BATCH_US must be 0 to 10000 (microseconds), got '") + env +
            "'");
    return static_cast<unsigned>(v);
}

} // namespace aio::detail
