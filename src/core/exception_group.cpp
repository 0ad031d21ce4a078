// aio::exception_group, and how aio::with picks the exception that reaches the caller.
#include "core/exception_util.hpp"

#include <aio/core/error.hpp>
#include <aio/core/with.hpp>

#include <algorithm>

namespace aio {

namespace detail {

std::string describe(const std::exception_ptr& e) {
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& x) {
        return x.what();
    } catch (...) {
        return "unknown exception";
    }
}

bool is_cancellation(const std::exception_ptr& e) noexcept {
    try {
        std::rethrow_exception(e);
    } catch (const cancelled_error&) {
        return true;
    } catch (...) {
        return false;
    }
}

} // namespace detail

namespace {
using detail::describe;
using detail::is_cancellation;

std::string list_errors(std::string summary, const std::vector<std::exception_ptr>& errors) {
    for (const auto& e : errors)
        summary += "; " + describe(e);
    return summary;
}

const exception_group* as_group(const std::exception_ptr& e) noexcept {
    try {
        std::rethrow_exception(e);
    } catch (const exception_group& g) {
        return &g; // the exception object outlives this frame: e holds it
    } catch (...) {
        return nullptr;
    }
}
} // namespace

exception_group::exception_group(const std::string& summary, std::vector<std::exception_ptr> errors)
    : error(list_errors(summary, errors)), m_errors(std::move(errors)) {}

bool exception_group::contains(const std::exception_ptr& e) const noexcept {
    return std::find(m_errors.begin(), m_errors.end(), e) != m_errors.end();
}

namespace {
std::string count_failed(std::size_t n) {
    return std::to_string(n) + " task(s) in the group failed";
}
} // namespace

task_group_error::task_group_error(std::vector<std::exception_ptr> errors)
    : task_group_error(count_failed(errors.size()), std::move(errors)) {}

task_group_error::task_group_error(std::string summary, std::vector<std::exception_ptr> errors)
    : exception_group(summary, std::move(errors)) {}

namespace detail {

std::exception_ptr with_exit_failed(std::exception_ptr body, std::exception_ptr exit) {
    if (!body || body == exit || is_cancellation(body))
        return exit; // a cancellation is level-triggered: the next suspension throws again
    if (is_cancellation(exit))
        return body;
    if (const exception_group* g = as_group(exit); g && g->contains(body))
        return exit; // exit already reports the body's error (task_group)
    return std::make_exception_ptr(
        exception_group("aio::with: the body and exit() both failed", {body, exit}));
}

} // namespace detail
} // namespace aio
