// aio::gather and aio::gather_settled: run tasks concurrently, collect results in order.
#pragma once

#include <aio/core/detail/as_task.hpp>
#include <aio/core/task.hpp>
#include <aio/core/task_handle.hpp>

#include <cstddef>
#include <exception>
#include <memory>
#include <tuple>
#include <variant>
#include <vector>

namespace aio {

/// One result of gather_settled: the value (std::monostate for void) or the exception.
template <class T> using settled = std::variant<detail::non_void_t<T>, std::exception_ptr>;

namespace detail {

class gather_core;

struct gather_slot : completion_waiter {
    gather_core* m_core = nullptr;
    promise_base* m_child = nullptr;
};

/// Non-template engine of gather: starts children as root tasks, counts completions,
/// cancels the siblings on the first error (unless settled) and parks the caller until
/// every child has finished. The caller being cancelled cancels every child; it still
/// waits for all of them before throwing aio::cancelled_error.
class gather_core : public parking {
  public:
    gather_core(gather_slot* slots, std::size_t n, bool settled) noexcept
        : m_slots(slots), m_count(n), m_settled(settled) {}
    ~gather_core();
    gather_core(const gather_core&) = delete;
    gather_core& operator=(const gather_core&) = delete;

    /// Takes a reference on `child` and starts it (unless `running`: a task_handle's task,
    /// already started); the slot watches its completion.
    void start(std::size_t i, promise_base& child, bool running);

    bool await_ready() const noexcept { return m_remaining == 0; }
    bool await_suspend(std::coroutine_handle<> h);
    /// Throws cancelled_error if the caller was cancelled, or the first child error.
    void await_resume();

    void on_child_done(gather_slot& s) noexcept;
    void cancel_children() noexcept;

  private:
    gather_slot* m_slots;
    std::size_t m_count;
    std::size_t m_remaining = 0;
    std::size_t m_first_error = static_cast<std::size_t>(-1);
    bool m_settled;
    bool m_parked = false;
};

/// A child gather starts itself (from a task<T> or any awaitable)...
template <class T> struct started_child {
    using value_type = T;
    typename task<T>::handle_type h;
    promise<T>& get() noexcept { return h.promise(); }
    non_void_t<T> result() {
        if constexpr (std::is_void_v<T>) {
            h.promise().take();
            return {};
        } else {
            return h.promise().take();
        }
    }
};
/// ...or a task_handle's task, already running: gather watches it (and cancels it when
/// gather is cancelled or a sibling fails, as asyncio does) and copies its result.
template <class T> struct running_child {
    using value_type = T;
    task_handle<T> h;
    promise<T>& get() noexcept { return *static_cast<promise<T>*>(h.get()); }
    non_void_t<T> result() {
        if constexpr (std::is_void_v<T>) {
            get().get();
            return {};
        } else {
            return get().get();
        }
    }
};

template <class T> started_child<T> gather_child(task<T> t) {
    return {t.release()};
}
template <class T> running_child<T> gather_child(task_handle<T> h) {
    return {std::move(h)};
}
template <class A>
requires(!is_task<A>::value && !is_task_handle<A>::value && awaitable<A>) auto gather_child(A a) {
    return gather_child(await_as_task(std::move(a)));
}

template <class C> void start_child(gather_core& core, std::size_t i, C& c) {
    core.start(i, c.get(), std::is_same_v<C, running_child<typename C::value_type>>);
}

template <class C> settled<typename C::value_type> take_settled(C& c) {
    using V = settled<typename C::value_type>;
    try {
        return V(std::in_place_index<0>, c.result());
    } catch (...) {
        return V(std::in_place_index<1>, std::current_exception());
    }
}

template <bool Settled, class... C>
auto gather_tuple(C... cs)
    -> task<std::conditional_t<Settled,
                               std::tuple<settled<typename C::value_type>...>,
                               std::tuple<non_void_t<typename C::value_type>...>>> {
    check_cancelled();
    gather_slot slots[sizeof...(C)];
    gather_core core(slots, sizeof...(C), Settled);
    std::size_t i = 0;
    (start_child(core, i++, cs), ...);
    co_await core;
    if constexpr (Settled) {
        co_return std::tuple<settled<typename C::value_type>...>{take_settled(cs)...};
    } else {
        co_return std::tuple<non_void_t<typename C::value_type>...>{cs.result()...};
    }
}

template <bool Settled, class T>
auto gather_vector(std::vector<task<T>> ts)
    -> task<std::vector<std::conditional_t<Settled, settled<T>, non_void_t<T>>>> {
    check_cancelled();
    std::vector<started_child<T>> cs;
    cs.reserve(ts.size());
    for (auto& t : ts)
        cs.push_back({t.release()});
    auto slots = std::make_unique<gather_slot[]>(cs.size());
    gather_core core(slots.get(), cs.size(), Settled);
    for (std::size_t i = 0; i < cs.size(); ++i)
        core.start(i, cs[i].get(), false);
    co_await core;
    std::vector<std::conditional_t<Settled, settled<T>, non_void_t<T>>> out;
    out.reserve(cs.size());
    for (auto& c : cs) {
        if constexpr (Settled) {
            out.push_back(take_settled(c));
        } else {
            out.push_back(c.result());
        }
    }
    co_return out;
}

} // namespace detail

/// Runs the tasks concurrently (each as its own task on the loop) and returns their results
/// as a tuple in argument order (void -> std::monostate). On the first exception the
/// siblings are cancelled and awaited, then that exception is rethrown. If the calling
/// task is cancelled, every child is cancelled and awaited, then aio::cancelled_error is
/// thrown. Accepts task<T>, task_handle<T> and any other awaitable (e.g. aio::sleep(1s)).
///
///     auto [a, b] = co_await aio::gather(fetch("x"), fetch("y"));
template <class... A> auto gather(A... tasks) {
    return detail::gather_tuple<false>(detail::gather_child(std::move(tasks))...);
}

/// gather over a vector: results in the vector's order.
template <class T> task<std::vector<detail::non_void_t<T>>> gather(std::vector<task<T>> tasks) {
    return detail::gather_vector<false>(std::move(tasks));
}

/// asyncio.gather(..., return_exceptions=True): waits for every task; each slot holds the
/// value or the exception_ptr. Never cancels siblings. Cancellation of the caller still
/// cancels all children and throws aio::cancelled_error.
template <class... A> auto gather_settled(A... tasks) {
    return detail::gather_tuple<true>(detail::gather_child(std::move(tasks))...);
}

template <class T> task<std::vector<settled<T>>> gather_settled(std::vector<task<T>> tasks) {
    return detail::gather_vector<true>(std::move(tasks));
}

} // namespace aio
