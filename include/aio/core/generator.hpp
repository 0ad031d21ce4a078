// aio::generator<T>: an async generator (Python's `async def` with `yield`).
#pragma once

#include <aio/core/detail/await_traits.hpp>
#include <aio/core/detail/frame_allocator.hpp>
#include <aio/core/task.hpp>

#include <coroutine>
#include <exception>
#include <optional>
#include <utility>
#include <vector>

namespace aio {

/// An async generator: the body may co_await and co_yield. It runs inline in the task that
/// calls next(), so it is suspended (and cancellable) exactly where that task is. Lazy:
/// nothing runs until the first next(). Destroying the generator destroys its frame (local
/// destructors run; pending awaits inside it cannot exist because it only runs inside
/// next()). Any type with `task<std::optional<T>> next()` (or an awaitable next()) is an
/// async iterator to the library.
///
///     aio::generator<int> counter(int n) {
///         for (int i = 1; i <= n; ++i) { co_await aio::sleep(10ms); co_yield i; }
///     }
///     auto gen = counter(5);
///     while (auto v = co_await gen.next()) std::cout << *v << "\n";
template <class T> class [[nodiscard]] generator {
  public:
    struct promise_type {
        std::optional<T> m_value;
        std::exception_ptr m_exception;
        std::coroutine_handle<> m_consumer;

        static void* operator new(std::size_t n) { return detail::allocate_frame(n); }
        static void operator delete(void* p, std::size_t n) noexcept {
            detail::deallocate_frame(p, n);
        }

        generator get_return_object() noexcept {
            return generator(std::coroutine_handle<promise_type>::from_promise(*this));
        }
        std::suspend_always initial_suspend() const noexcept { return {}; }

        struct to_consumer {
            bool await_ready() const noexcept { return false; }
            std::coroutine_handle<>
            await_suspend(std::coroutine_handle<promise_type> h) const noexcept {
                return h.promise().m_consumer;
            }
            void await_resume() const noexcept {}
        };
        to_consumer final_suspend() const noexcept { return {}; }

        template <class U = T>
        requires std::is_constructible_v<T, U&&> to_consumer yield_value(U&& v) {
            m_value.emplace(std::forward<U>(v));
            return {};
        }
        void return_void() noexcept {}
        void unhandled_exception() noexcept { m_exception = std::current_exception(); }
    };
    using handle_type = std::coroutine_handle<promise_type>;

    generator() noexcept = default;
    explicit generator(handle_type h) noexcept : m_h(h) {}
    generator(generator&& o) noexcept : m_h(std::exchange(o.m_h, {})) {}
    generator& operator=(generator&& o) noexcept {
        if (this != &o) {
            if (m_h)
                m_h.destroy();
            m_h = std::exchange(o.m_h, {});
        }
        return *this;
    }
    ~generator() {
        if (m_h)
            m_h.destroy();
    }

    struct next_awaiter {
        handle_type m_h;
        bool await_ready() const noexcept { return !m_h || m_h.done(); }
        std::coroutine_handle<> await_suspend(std::coroutine_handle<> consumer) noexcept {
            m_h.promise().m_consumer = consumer;
            m_h.promise().m_value.reset();
            return m_h;
        }
        std::optional<T> await_resume() {
            if (!m_h)
                return std::nullopt;
            auto& p = m_h.promise();
            if (p.m_exception)
                std::rethrow_exception(std::exchange(p.m_exception, nullptr));
            if (m_h.done())
                return std::nullopt;
            return std::move(p.m_value);
        }
    };

    /// Resumes the body until its next co_yield (the value) or its end (std::nullopt);
    /// rethrows the body's exception.
    next_awaiter next() noexcept { return next_awaiter{m_h}; }

  private:
    handle_type m_h;
};

/// Drains an async iterator (anything with an awaitable next() yielding std::optional)
/// into a vector: an async list comprehension. `it` must outlive the returned task.
template <class Iter>
auto collect(Iter& it)
    -> task<std::vector<typename detail::await_result_t<decltype(it.next())>::value_type>> {
    std::vector<typename detail::await_result_t<decltype(it.next())>::value_type> out;
    while (auto v = co_await it.next())
        out.push_back(std::move(*v));
    co_return out;
}

} // namespace aio
