// aio::with: Python's `async with` (async resource scopes).
#pragma once

#include <aio/core/detail/await_traits.hpp>
#include <aio/core/shield.hpp>
#include <aio/core/task.hpp>

#include <exception>
#include <functional>
#include <optional>
#include <type_traits>
#include <utility>

namespace aio {

/// An async context manager: `enter()` returns a task giving the resource, `exit(e)` gets
/// the exception that left the body (or null) and returns task<void>, or task<bool> where
/// true suppresses that exception (only for bodies returning void).
template <class CM>
concept context_manager = requires(CM& cm, std::exception_ptr e) {
    cm.enter();
    cm.exit(e);
};

namespace detail {
/// The exception aio::with throws when exit() threw `exit` after the body threw `body`
/// (or null): see aio::with.
std::exception_ptr with_exit_failed(std::exception_ptr body, std::exception_ptr exit);

template <class CM> using enter_result_t = await_result_t<decltype(std::declval<CM&>().enter())>;

template <class CM, class F>
using body_result_t =
    await_result_t<std::invoke_result_t<F&, std::add_lvalue_reference_t<enter_result_t<CM>>>>;

template <class CM, class F> task<body_result_t<CM, F>> with_impl(CM& cm, F& fn) {
    using R = body_result_t<CM, F>;
    decltype(auto) resource = co_await cm.enter();
    std::exception_ptr error;
    using stored = std::conditional_t<std::is_reference_v<R>,
                                      std::reference_wrapper<std::remove_reference_t<R>>, R>;
    std::conditional_t<std::is_void_v<R>, bool, std::optional<stored>> result{};
    try {
        if constexpr (std::is_void_v<R>) {
            co_await fn(resource);
        } else {
            result.emplace(co_await fn(resource));
        }
    } catch (...) {
        error = std::current_exception();
    }
    // exit runs even when the task is cancelled: cleanup that awaits must not be cut short.
    using exit_t = await_result_t<decltype(cm.exit(error))>;
    bool suppress = false;
    std::exception_ptr exit_error;
    try {
        if constexpr (std::is_same_v<exit_t, bool>) {
            suppress = co_await shield(cm.exit(error)) && std::is_void_v<R>;
        } else {
            co_await shield(cm.exit(error));
        }
    } catch (...) {
        exit_error = std::current_exception();
    }
    if (exit_error)
        std::rethrow_exception(with_exit_failed(error, exit_error));
    if (error && !suppress)
        std::rethrow_exception(error);
    if constexpr (std::is_reference_v<R>) {
        co_return result->get();
    } else if constexpr (!std::is_void_v<R>) {
        co_return std::move(*result);
    }
}

template <class CM, class F> task<body_result_t<CM, F>> with_owned(CM cm, F fn) {
    co_return co_await with_impl(cm, fn);
}
template <class CM, class F> task<body_result_t<CM, F>> with_ref(CM& cm, F fn) {
    co_return co_await with_impl(cm, fn);
}
} // namespace detail

/// `async with cm as r: body(r)`: awaits cm.enter(), runs `body(resource)` (a callable
/// returning a task), and always awaits cm.exit(error), also when the body throws or the
/// task is cancelled (exit runs shielded). Returns the body's result. An lvalue `cm` is
/// used by reference and must outlive the await; a temporary is moved into the scope.
/// If exit() throws too, no error is lost: a cancelled_error gives way to the other
/// exception (cancellation is level-triggered: the next suspension throws it again), an
/// exit error that already holds the body's (a task_group_error) is thrown as is, and
/// otherwise an aio::exception_group of {body's, exit's} is thrown.
///
///     co_await aio::with(db, [](connection& c) -> aio::task<> { co_await c.query("..."); });
template <class CM, class F>
requires context_manager<std::remove_cvref_t<CM>>
auto with(CM&& cm, F body) {
    if constexpr (std::is_lvalue_reference_v<CM>) {
        return detail::with_ref(cm, std::move(body));
    } else {
        return detail::with_owned(std::move(cm), std::move(body));
    }
}

} // namespace aio
