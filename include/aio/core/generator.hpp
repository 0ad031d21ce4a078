// aio::generator<T>: an async generator (Python's `async def` with `yield`).
#pragma once

#include <aio/core/detail/await_traits.hpp>
#include <aio/core/detail/frame_allocator.hpp>
#include <aio/core/task.hpp>
#include <aio/core/task_handle.hpp>

#include <coroutine>
#include <exception>
#include <optional>
#include <utility>
#include <vector>

namespace aio {

/// Thrown at the co_yield where a generator is suspended when it is closed (aclose(), or
/// destroyed while suspended: Python's GeneratorExit). Catch it (or `...`) to run cleanup
/// that co_awaits, then let it (or any exception) propagate; yielding again is an error.
class generator_exit : public error {
  public:
    generator_exit() : error("async generator closed") {}
};

/// An async generator: the body may co_await and co_yield. It runs inline in the task that
/// calls next(), so it is suspended (and cancellable) exactly where that task is. Lazy:
/// nothing runs until the first next(). Any type with `task<std::optional<T>> next()` (or
/// an awaitable next()) is an async iterator to the library.
///
/// Closing (Python's `aclose()`): `co_await gen.aclose()` resumes a generator suspended at a
/// co_yield with aio::generator_exit thrown there, so its cleanup can co_await (C++ forbids
/// co_await inside a catch block: catch into an exception_ptr, clean up after the handler,
/// rethrow). Destroying a generator suspended at a co_yield does the same in a task of its
/// own (Python's asyncgen finalizer), when a loop runs; else only local destructors run.
///
///     aio::generator<row> rows(db& d) {
///         std::exception_ptr stop;
///         try { while (auto r = co_await d.next_row()) co_yield *r; }
///         catch (...) { stop = std::current_exception(); }
///         co_await d.close_cursor();          // runs on aclose() too
///         if (stop) std::rethrow_exception(stop);
///     }
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
        bool m_started = false;
        bool m_closing = false;
        bool m_abandoned = false; // handed to a closing task: destroy synchronously next time

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

        /// Back to the consumer; on resumption throws generator_exit if being closed.
        struct yield_awaiter : to_consumer {
            promise_type* m_p;
            void await_resume() const {
                if (m_p->m_closing)
                    throw generator_exit();
            }
        };

        template <class U = T>
        requires std::is_constructible_v<T, U&&> yield_awaiter yield_value(U&& v) {
            m_value.emplace(std::forward<U>(v));
            return {{}, this};
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
            release_frame();
            m_h = std::exchange(o.m_h, {});
        }
        return *this;
    }
    ~generator() { release_frame(); }

    struct next_awaiter {
        handle_type m_h;
        bool await_ready() const noexcept { return !m_h || m_h.done() || m_h.promise().m_closing; }
        std::coroutine_handle<> await_suspend(std::coroutine_handle<> consumer) noexcept {
            m_h.promise().m_consumer = consumer;
            m_h.promise().m_value.reset();
            m_h.promise().m_started = true;
            return m_h;
        }
        std::optional<T> await_resume() {
            if (!m_h)
                return std::nullopt;
            auto& p = m_h.promise();
            if (p.m_exception)
                std::rethrow_exception(std::exchange(p.m_exception, nullptr));
            if (m_h.done() || p.m_closing)
                return std::nullopt;
            return std::move(p.m_value);
        }
    };

    /// Resumes the body until its next co_yield (the value) or its end (std::nullopt);
    /// rethrows the body's exception.
    next_awaiter next() noexcept { return next_awaiter{m_h}; }

    struct close_awaiter {
        handle_type m_h;
        bool await_ready() const noexcept { return !needs_close(m_h); }
        std::coroutine_handle<> await_suspend(std::coroutine_handle<> consumer) noexcept {
            auto& p = m_h.promise();
            p.m_consumer = consumer;
            p.m_value.reset();
            p.m_closing = true;
            return m_h;
        }
        void await_resume() {
            if (!m_h)
                return;
            auto& p = m_h.promise();
            p.m_closing = true; // also for a generator that never started: next() ends it
            if (!m_h.done() && p.m_started && p.m_value) {
                p.m_value.reset();
                throw runtime_error("aio::generator: the generator yielded a value while being "
                                    "closed (it must let generator_exit propagate)");
            }
            if (std::exception_ptr e = std::exchange(p.m_exception, nullptr)) {
                try {
                    std::rethrow_exception(e);
                } catch (const generator_exit&) {
                    // the normal end of a close
                }
            }
        }
    };
    /// Python's `aclose()`: if the generator is suspended at a co_yield, resumes it with
    /// aio::generator_exit thrown there and waits for its cleanup; rethrows an exception the
    /// cleanup raised instead. Afterwards next() returns std::nullopt. Idempotent.
    close_awaiter aclose() noexcept { return close_awaiter{m_h}; }

  private:
    static bool needs_close(handle_type h) noexcept {
        return h && !h.done() && h.promise().m_started && !h.promise().m_closing;
    }
    static task<> close_abandoned(generator g) { co_await g.aclose(); }
    void release_frame() noexcept {
        if (!m_h)
            return;
        if (needs_close(m_h) && !m_h.promise().m_abandoned && detail::t_loop) {
            // Suspended at a co_yield: its cleanup may co_await, so it runs in a task of
            // its own (if that task is cancelled before it starts, the frame is destroyed
            // synchronously: m_abandoned).
            m_h.promise().m_abandoned = true;
            try {
                spawn(close_abandoned(generator(std::exchange(m_h, {}))), "generator.aclose");
                return;
            } catch (...) { // no memory for the task: destroy it now
                if (!m_h)
                    return;
            }
        }
        std::exchange(m_h, {}).destroy();
    }

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
