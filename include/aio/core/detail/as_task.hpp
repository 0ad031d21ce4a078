// Turning anything awaitable into a task (for gather, wait_for, timeout).
#pragma once

#include <aio/core/detail/await_traits.hpp>
#include <aio/core/task.hpp>
#include <aio/core/task_handle.hpp>

#include <type_traits>

namespace aio::detail {

template <class A> struct is_task_handle : std::false_type {};
template <class T> struct is_task_handle<task_handle<T>> : std::true_type {};

template <class T> task<T> as_task(task<T> t) {
    return t;
}
template <class T> task<T> await_handle(task_handle<T> h) {
    co_return co_await h; // the handle's result is shared: copy it
}
template <class T> task<T> as_task(task_handle<T> h) {
    return await_handle(std::move(h));
}
/// Any other awaitable (sleep(), event.wait(), to_thread(...)) is wrapped in a coroutine.
template <class A>
requires(!is_task<A>::value && awaitable<A>) auto as_task(A a) {
    return await_as_task(std::move(a));
}

} // namespace aio::detail
