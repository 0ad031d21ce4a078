// Looking into an exception_ptr (core-private): shared by the task reports
// (promise_base.cpp) and exception_group / aio::with (exception_group.cpp).
#pragma once

#include <exception>
#include <string>

namespace aio::detail {

/// The exception's what(), or "unknown exception" for one not derived from std::exception.
std::string describe(const std::exception_ptr& e);
/// True if `e` holds an aio::cancelled_error.
bool is_cancellation(const std::exception_ptr& e) noexcept;

} // namespace aio::detail
