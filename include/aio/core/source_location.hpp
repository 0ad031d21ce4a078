// aio::source_location: std::source_location where the toolchain has it.
//
// Clang 14 with libstdc++ 12 lacks std::source_location (libstdc++'s needs
// __builtin_source_location, which Clang gained in version 15). There the same four facts
// come from __builtin_FILE/FUNCTION/LINE/COLUMN, which Clang has had since version 9 and
// which, used as default arguments, are evaluated at the outermost call site, exactly as
// std::source_location::current() is: debug reports keep naming the line that created a task.
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
                                             unsigned line = __builtin_LINE(),
                                             unsigned column = __builtin_COLUMN()) noexcept {
        source_location where;
        where.m_file = file;
        where.m_function = function;
        where.m_line = line;
        where.m_column = column;
        return where;
    }
    constexpr const char* file_name() const noexcept { return m_file; }
    constexpr const char* function_name() const noexcept { return m_function; }
    constexpr unsigned line() const noexcept { return m_line; }
    constexpr unsigned column() const noexcept { return m_column; }

  private:
    const char* m_file = "unknown";
    const char* m_function = "unknown";
    unsigned m_line = 0;
    unsigned m_column = 0;
};
#endif

} // namespace aio
