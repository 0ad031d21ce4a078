// aio::task<T>: a lazy coroutine (asyncio's "coroutine object").
#pragma once

#include <aio/core/detail/await_traits.hpp>
#include <aio/core/detail/loop_core.hpp>
#include <aio/core/detail/promise_base.hpp>
#include <aio/core/error.hpp>

#include <coroutine>
#include <exception>
#include <memory>
#include <type_traits>
#include <utility>
#include <variant>

namespace aio {

template <class T = void> class task;

namespace detail {

/// Initial suspend: the body does not run until the task is awaited or started.
struct initial_awaiter {
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<>) const noexcept {}
    void await_resume() const noexcept {}
};

/// Final suspend: resume the inline awaiter by symmetric transfer, or finish the root.
/// Empty on purpose: it is stored in every frame, and the handle gives the promise.
struct final_awaiter {
    bool await_ready() const noexcept { return false; }
    template <class P>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<P> self) const noexcept {
        promise_base& p = self.promise();
        if (!p.has(promise_base::f_root))
            return p.m_link;
        p.finish_root(self); // may destroy the frame; nothing below touches it
        return std::noop_coroutine();
    }
    void await_resume() const noexcept {}
};

template <class T> class promise : public promise_base {
  public:
    /// The frame, from the recycling allocator; in debug mode its coroutine's site (the
    /// default argument is evaluated in the coroutine: its function, file and line).
    static void* operator new(std::size_t n,
                              aio::source_location where = aio::source_location::current()) {
        return allocate_with_site<promise>(n, where);
    }
    /// Declared beside operator new: GCC's -Wmismatched-new-delete wants both in one class.
    static void operator delete(void* p, std::size_t n) noexcept { release_frame(p, n); }
    promise() noexcept {}
    ~promise() {
        if (has(f_has_value))
            std::destroy_at(std::addressof(m_value));
    }
    task<T> get_return_object() noexcept;
    initial_awaiter initial_suspend() const noexcept { return {}; }
    final_awaiter final_suspend() const noexcept { return {}; }
    template <class U = T>
    requires std::is_convertible_v<U&&, T>
    void return_value(U&& v) noexcept(std::is_nothrow_constructible_v<T, U&&>) {
        std::construct_at(std::addressof(m_value), std::forward<U>(v));
        m_flags |= f_has_value;
    }
    void unhandled_exception() noexcept { m_exception = std::current_exception(); }

    /// The result: moves the value out (inline await), or rethrows.
    T take() {
        rethrow_if_failed();
        return std::move(m_value);
    }
    /// The result for a handle, which may be awaited more than once: copied if possible.
    decltype(auto) get() {
        rethrow_if_failed();
        if constexpr (std::is_copy_constructible_v<T>) {
            return static_cast<const T&>(m_value);
        } else {
            return std::move(m_value);
        }
    }

  private:
    union {
        T m_value;
    };
};

template <class T> class promise<T&> : public promise_base {
  public:
    /// The frame, from the recycling allocator; in debug mode its coroutine's site (the
    /// default argument is evaluated in the coroutine: its function, file and line).
    static void* operator new(std::size_t n,
                              aio::source_location where = aio::source_location::current()) {
        return allocate_with_site<promise>(n, where);
    }
    /// Declared beside operator new: GCC's -Wmismatched-new-delete wants both in one class.
    static void operator delete(void* p, std::size_t n) noexcept { release_frame(p, n); }
    task<T&> get_return_object() noexcept;
    initial_awaiter initial_suspend() const noexcept { return {}; }
    final_awaiter final_suspend() const noexcept { return {}; }
    void return_value(T& v) noexcept { m_value = std::addressof(v); }
    void unhandled_exception() noexcept { m_exception = std::current_exception(); }
    T& take() {
        rethrow_if_failed();
        return *m_value;
    }
    T& get() { return take(); }

  private:
    T* m_value = nullptr;
};

template <> class promise<void> : public promise_base {
  public:
    /// The frame, from the recycling allocator; in debug mode its coroutine's site (the
    /// default argument is evaluated in the coroutine: its function, file and line).
    static void* operator new(std::size_t n,
                              aio::source_location where = aio::source_location::current()) {
        return allocate_with_site<promise>(n, where);
    }
    /// Declared beside operator new: GCC's -Wmismatched-new-delete wants both in one class.
    static void operator delete(void* p, std::size_t n) noexcept { release_frame(p, n); }
    task<void> get_return_object() noexcept;
    initial_awaiter initial_suspend() const noexcept { return {}; }
    final_awaiter final_suspend() const noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { m_exception = std::current_exception(); }
    void take() { rethrow_if_failed(); }
    void get() { rethrow_if_failed(); }
};

} // namespace detail

/// A lazy coroutine returning T. Calling a coroutine function runs nothing: the body starts
/// when the task is co_awaited (inline, in the awaiting task, by symmetric transfer so
/// chains of any depth do not grow the stack) or handed to aio::create_task / aio::run /
/// aio::gather. Move-only. Destroying a task that never started destroys its frame (and is
/// reported in debug mode: "never awaited").
///
///     aio::task<int> answer() { co_await aio::sleep(10ms); co_return 42; }
///     int x = co_await answer();
template <class T> class [[nodiscard]] task {
  public:
    using promise_type = detail::promise<T>;
    using handle_type = std::coroutine_handle<promise_type>;
    using value_type = T;

    task() noexcept = default;
    explicit task(handle_type h) noexcept : m_h(h) {}
    task(task&& o) noexcept : m_h(std::exchange(o.m_h, {})) {}
    task& operator=(task&& o) noexcept {
        if (this != &o) {
            destroy();
            m_h = std::exchange(o.m_h, {});
        }
        return *this;
    }
    task(const task&) = delete;
    task& operator=(const task&) = delete;
    ~task() { destroy(); }

    /// True when the task holds a coroutine (not moved-from or released).
    explicit operator bool() const noexcept { return static_cast<bool>(m_h); }

    struct awaiter {
        handle_type m_h;
        bool await_ready() const noexcept { return false; }
        std::coroutine_handle<> await_suspend(std::coroutine_handle<> parent) noexcept {
            auto& p = m_h.promise();
            p.m_link = parent;
            p.m_flags |= detail::promise_base::f_started;
            return m_h;
        }
        decltype(auto) await_resume() { return m_h.promise().take(); }
    };

    /// Runs the task inline in the awaiting task and returns its result (or rethrows).
    awaiter operator co_await() && noexcept { return awaiter{check()}; }
    awaiter operator co_await() & noexcept { return awaiter{check()}; }

    /// Gives up ownership of the frame (used by create_task, run, gather).
    handle_type release() noexcept { return std::exchange(m_h, {}); }

  private:
    handle_type check() const noexcept { return m_h; }
    void destroy() noexcept {
        if (m_h) {
            if (!m_h.promise().has(detail::promise_base::f_started))
                detail::on_never_awaited(m_h.address());
            std::exchange(m_h, {}).destroy();
        }
    }
    handle_type m_h;
};

namespace detail {
template <class T> task<T> promise<T>::get_return_object() noexcept {
    auto h = std::coroutine_handle<promise<T>>::from_promise(*this);
    m_link = h;
    return task<T>(h);
}
template <class T> task<T&> promise<T&>::get_return_object() noexcept {
    auto h = std::coroutine_handle<promise<T&>>::from_promise(*this);
    m_link = h;
    return task<T&>(h);
}
inline task<void> promise<void>::get_return_object() noexcept {
    auto h = std::coroutine_handle<promise<void>>::from_promise(*this);
    m_link = h;
    return task<void>(h);
}

template <class A> struct is_task : std::false_type {};
template <class T> struct is_task<task<T>> : std::true_type {};

/// Awaits any awaitable inside a task (for create_task, spawn, shield, timeout, gather).
template <class A> task<await_result_t<A>> await_as_task(A a) {
    co_return co_await std::move(a);
}
/// An awaitable that is not a task (sleep(), event.wait(), stream::read_into(...)).
template <class A>
concept non_task_awaitable = !is_task<A>::value && awaitable<A>;

/// void -> std::monostate, for tuples and variants of results.
template <class T> struct non_void { using type = T; };
template <> struct non_void<void> { using type = std::monostate; };
template <class T> using non_void_t = typename non_void<T>::type;
} // namespace detail

} // namespace aio
