// aio::future<T> and aio::promise<T>: asyncio.Future, a result set by loop code and awaited
// by any number of tasks.
#pragma once

#include <aio/core/error.hpp>
#include <aio/core/task.hpp>
#include <aio/detail/intrusive_list.hpp>

#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace aio {

namespace detail {

class future_core;

struct future_waiter : parking {
    future_core* m_core = nullptr;
    future_waiter* m_wnext = nullptr;
    future_waiter* m_wprev = nullptr;
};

/// The untyped part of a future's shared state: done/cancelled, the exception, the parked
/// awaiters and the done callbacks. Loop thread only.
class future_core {
  public:
    future_core() = default;
    future_core(const future_core&) = delete;
    future_core& operator=(const future_core&) = delete;
    ~future_core();

    bool done() const noexcept { return m_done; }
    bool cancelled() const noexcept { return m_cancelled; }
    /// Marks done with `e` (null: a value was stored) and wakes every awaiter. Throws
    /// aio::invalid_state_error if already done (asyncio's InvalidStateError).
    void finish(std::exception_ptr e, const char* what);
    bool cancel(std::string_view message);
    /// Throws if not done (invalid_state_error) or if it holds an exception.
    void check_result(const char* what) const;
    std::exception_ptr exception() const;
    void add_callback(std::function<void()> fn);

    /// await_suspend of an awaiter: parks the current task here.
    bool park(future_waiter& w, std::coroutine_handle<> h);

  private:
    static void on_waiter_cancelled(parking* p) noexcept;

    intrusive_list<future_waiter, &future_waiter::m_wnext, &future_waiter::m_wprev> m_waiters;
    std::vector<std::function<void()>> m_callbacks;
    std::exception_ptr m_exception;
    bool m_done = false;
    bool m_cancelled = false;
};

template <class T> struct future_state : future_core {
    std::optional<std::conditional_t<std::is_void_v<T>, char, T>> value;
};

} // namespace detail

/// asyncio.Future: a result that loop code sets once (set_result / set_exception / cancel)
/// and any number of tasks await. Copies share the state. Awaiting returns the value (a
/// copy when T is copyable, else moved out by the first await) or throws the exception.
/// As in asyncio, cancelling a task that awaits the future cancels the future itself (every
/// awaiter then gets aio::cancelled_error); aio::shield the await to avoid that. Loop thread
/// only: from another thread, post the set_result with event_loop::call_soon_threadsafe.
///
///     aio::future<int> f;
///     loop.call_later(10ms, [f]() mutable { f.set_result(42); });
///     int v = co_await f;
template <class T = void> class future {
    using stored = std::conditional_t<std::is_void_v<T>, char, T>;

  public:
    future() : m_s(std::make_shared<detail::future_state<T>>()) {}

    /// Stores the value and wakes every awaiter. Throws aio::invalid_state_error if done.
    template <class U = stored>
    requires(!std::is_void_v<T>) void set_result(U&& v) {
        check_not_done("set_result");
        m_s->value.emplace(std::forward<U>(v));
        m_s->finish(nullptr, "set_result");
    }
    void set_result() requires std::is_void_v<T> {
        check_not_done("set_result");
        m_s->value.emplace('\0');
        m_s->finish(nullptr, "set_result");
    }
    /// Stores an exception (rethrown to every awaiter). Throws aio::invalid_state_error if done.
    void set_exception(std::exception_ptr e) {
        if (!e)
            throw std::invalid_argument("aio::future::set_exception: null exception_ptr");
        m_s->finish(std::move(e), "set_exception");
    }
    /// Cancels the future (asyncio: awaiters get aio::cancelled_error carrying `message`).
    /// Returns false if it was already done.
    bool cancel(std::string_view message = {}) { return m_s->cancel(message); }

    bool done() const noexcept { return m_s->done(); }
    bool cancelled() const noexcept { return m_s->cancelled(); }
    /// The value once done (throws aio::invalid_state_error before, the exception if any).
    decltype(auto) result() const {
        m_s->check_result("result");
        return get();
    }
    /// The exception once done (null for a value; throws aio::invalid_state_error before,
    /// aio::cancelled_error if cancelled).
    std::exception_ptr exception() const { return m_s->exception(); }
    /// Calls `fn(future)` at the loop turn after the future is done (scheduled at once if it
    /// is); the callback's exception goes to the loop's handler.
    void add_done_callback(std::function<void(future)> fn) {
        m_s->add_callback([f = *this, fn = std::move(fn)] { fn(f); });
    }

    struct awaiter : detail::future_waiter {
        std::shared_ptr<detail::future_state<T>> m_state;
        bool await_ready() const noexcept { return m_state->done(); }
        bool await_suspend(std::coroutine_handle<> h) { return m_state->park(*this, h); }
        decltype(auto) await_resume() {
            throw_if_cancelled();
            m_state->check_result("co_await");
            return future(m_state).get();
        }
    };
    awaiter operator co_await() const noexcept { return awaiter{{}, m_s}; }

    bool operator==(const future& o) const noexcept { return m_s == o.m_s; }

  private:
    explicit future(std::shared_ptr<detail::future_state<T>> s) noexcept : m_s(std::move(s)) {}
    void check_not_done(const char* what) const {
        if (m_s->done())
            m_s->finish(nullptr, what); // throws invalid_state_error
    }
    decltype(auto) get() const {
        if constexpr (std::is_void_v<T>) {
            return;
        } else if constexpr (std::is_copy_constructible_v<T>) {
            return T(*m_s->value); // a copy: awaiters never share a reference into the state
        } else {
            if (!m_s->value)
                throw invalid_state_error("aio::future: the move-only result was already taken");
            T v = std::move(*m_s->value);
            m_s->value.reset();
            return v;
        }
    }

    std::shared_ptr<detail::future_state<T>> m_s;
};

/// The producing end of a future (std::promise's shape): get_future() for the awaiters,
/// set_value/set_exception once. A promise destroyed without a result on the loop thread
/// fails its future with aio::invalid_state_error ("broken promise"), so no awaiter hangs.
/// Move-only. Loop thread only.
template <class T = void> class promise {
  public:
    promise() = default;
    promise(promise&& o) noexcept : m_f(std::exchange(o.m_f, std::nullopt)) {}
    promise& operator=(promise&& o) noexcept {
        if (this != &o) {
            abandon();
            m_f = std::exchange(o.m_f, std::nullopt);
        }
        return *this;
    }
    promise(const promise&) = delete;
    promise& operator=(const promise&) = delete;
    ~promise() { abandon(); }

    future<T> get_future() { return state("get_future"); }
    template <class... U> void set_value(U&&... v) {
        state("set_value").set_result(std::forward<U>(v)...);
    }
    void set_exception(std::exception_ptr e) { state("set_exception").set_exception(std::move(e)); }

  private:
    future<T>& state(const char* what) {
        if (!m_f)
            throw invalid_state_error(std::string("aio::promise::") + what +
                                      ": the promise was moved from");
        return *m_f;
    }
    void abandon() noexcept {
        if (m_f && !m_f->done() && detail::t_loop) {
            try {
                m_f->set_exception(std::make_exception_ptr(invalid_state_error(
                    "aio::promise destroyed without a result (broken promise)")));
            } catch (...) {
            }
        }
    }
    std::optional<future<T>> m_f{std::in_place};
};

} // namespace aio
