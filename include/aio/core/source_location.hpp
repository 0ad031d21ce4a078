// aio::source_location: std::source_location where the toolchain has it.
//
// Clang 14 with libstdc++ 12 lacks std::source_location (it needs
// __builtin_source_location, which Clang gained in version 15). There a small struct built
// from __builtin_FILE / __builtin_LINE / __builtin_FUNCTION (which both compilers evaluate
// at the caller, like std::source_location::current) takes its place.
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
    static constexpr source_location current(const char* file = __builtin_FILE(),
                                             const char* function = __builtin_FUNCTION(),
                                             unsigned line = __builtin_LINE()) noexcept {
        source_location s;
        s.m_file = file;
        s.m_function = function;
        s.m_line = line;
        return s;
    }
    constexpr const char* file_name() const noexcept { return m_file; }
    constexpr const char* function_name() const noexcept { return m_function; }
    constexpr unsigned line() const noexcept { return m_line; }
    constexpr unsigned column() const noexcept { return 0; }

  private:
    const char* m_file = "unknown";
    const char* m_function = "unknown";
    unsigned m_line = 0;
};
#endif

} // namespace aio
