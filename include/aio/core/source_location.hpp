// aio::source_location: std::source_location where the toolchain has it.
//
// Clang 14 with libstdc++ 12 lacks std::source_location (it needs
// __builtin_source_location, which Clang gained in version 15). There the creation site
// of tasks is reported as "unknown" instead of failing to compile.
#pragma once

#include <version>
#if defined(__cpp_lib_source_location)
#include <source_location>
#endif

namespace aio {

#if defined(__cpp_lib_source_location)
using source_location = std::source_location;
#else
struct source_location {
    static constexpr source_location current() noexcept { return {}; }
    constexpr const char* file_name() const noexcept { return "unknown"; }
    constexpr const char* function_name() const noexcept { return "unknown"; }
    constexpr unsigned line() const noexcept { return 0; }
    constexpr unsigned column() const noexcept { return 0; }
};
#endif

} // namespace aio
