// aio::context_var<T>: asyncio's contextvars.ContextVar, per task.
#pragma once

#include <aio/core/error.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace aio {

namespace detail {
/// The running task's value of the variable `id` (null if unset). Outside any task, the
/// calling thread's own context is used (it is what aio::run's main task starts with).
std::shared_ptr<const void> context_get(std::uint64_t id) noexcept;
/// Sets it in the running task's context (copy on write: tasks that copied the context
/// before keep their values) and returns the previous value (null if unset).
std::shared_ptr<const void> context_set(std::uint64_t id, std::shared_ptr<const void> value);
std::uint64_t next_context_var_id() noexcept;
} // namespace detail

/// A context variable (contextvars.ContextVar): a value per task. A task started with
/// create_task / gather / task_group::spawn / aio::run begins with a copy of its creator's
/// values; what a task sets is seen by the code it runs (inline awaits included) and by the
/// tasks it creates afterwards, never by its creator. The use case: a request id or a logger
/// set by a server middleware and read deep in the handler's calls. A program that never
/// sets one pays one flag test per task start. Loop thread (or one thread outside tasks).
///
///     aio::context_var<std::string> request_id("request_id", "-");
///     auto token = request_id.set("r-42");   // in this task, and tasks it creates now on
///     log(request_id.get());                 // "r-42"
///     request_id.reset(token);               // back to what it was
template <class T> class context_var {
  public:
    /// What set() returns; reset(token) restores the value that set() replaced.
    class token {
      public:
        /// The value before set(), or nullopt if the variable was unset.
        std::optional<T> old_value() const {
            return m_old ? std::optional<T>(*static_cast<const T*>(m_old.get())) : std::nullopt;
        }

      private:
        friend class context_var;
        token(std::uint64_t id, std::shared_ptr<const void> old) noexcept
            : m_id(id), m_old(std::move(old)) {}
        std::uint64_t m_id;
        std::shared_ptr<const void> m_old;
        bool m_used = false;
    };

    explicit context_var(std::string name) : m_name(std::move(name)) {}
    context_var(std::string name, T default_value)
        : m_name(std::move(name)), m_default(std::move(default_value)) {}
    context_var(const context_var&) = delete;
    context_var& operator=(const context_var&) = delete;

    /// The value in the current task; else the default; else throws aio::lookup_error
    /// (Python's LookupError) naming the variable.
    T get() const {
        if (auto v = detail::context_get(m_id))
            return *static_cast<const T*>(v.get());
        if (m_default)
            return *m_default;
        throw lookup_error("aio::context_var '" + m_name + "' has no value in this context");
    }
    /// The value in the current task, else `fallback` (ContextVar.get(default)).
    T get(T fallback) const {
        if (auto v = detail::context_get(m_id))
            return *static_cast<const T*>(v.get());
        return fallback;
    }
    /// Sets the value in the current task's context.
    token set(T value) {
        return token(m_id, detail::context_set(m_id, std::make_shared<const T>(std::move(value))));
    }
    /// Restores the value the matching set() replaced. Throws std::invalid_argument for a
    /// token of another variable and aio::runtime_error for a token used twice (Python).
    void reset(token& t) {
        if (t.m_id != m_id)
            throw std::invalid_argument("aio::context_var '" + m_name +
                                        "'::reset: the token was made by another variable");
        if (t.m_used)
            throw runtime_error("aio::context_var '" + m_name +
                                "'::reset: the token has already been used");
        t.m_used = true;
        detail::context_set(m_id, t.m_old);
    }
    const std::string& name() const noexcept { return m_name; }

  private:
    std::string m_name;
    std::optional<T> m_default;
    std::uint64_t m_id = detail::next_context_var_id();
};

} // namespace aio
