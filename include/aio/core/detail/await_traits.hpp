// What `co_await a` yields, for generic wrappers (wait_for, gather of awaitables).
#pragma once

#include <concepts>
#include <coroutine>
#include <type_traits>
#include <utility>

namespace aio::detail {

template <class A> decltype(auto) get_awaiter(A&& a) {
    if constexpr (requires { std::forward<A>(a).operator co_await(); }) {
        return std::forward<A>(a).operator co_await();
    } else if constexpr (requires { operator co_await(std::forward<A>(a)); }) {
        return operator co_await(std::forward<A>(a));
    } else {
        return std::forward<A>(a);
    }
}

template <class A> using await_result_t = decltype(get_awaiter(std::declval<A>()).await_resume());

template <class A>
concept awaitable = requires(A&& a) {
    { get_awaiter(std::forward<A>(a)).await_ready() } -> std::convertible_to<bool>;
};

} // namespace aio::detail
