// Exceptions of the coroutine API. Every error aiocpp throws derives from aio::error.
#pragma once

#include <exception>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

namespace aio {

/// Base of every exception aiocpp throws.
class error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/// Misuse of the runtime, e.g. calling aio::run while a loop already runs on this thread.
class runtime_error : public error {
  public:
    using error::error;
};

/// Thrown at a suspension point of a cancelled task (or of a cancelled timeout scope).
/// Cancellation is level-triggered: every later suspension in the cancelled scope throws again.
/// Its message is the one given to `task_ref::cancel(message)` when the task was cancelled
/// with one (asyncio's `cancel(msg)`), else "task was cancelled".
class cancelled_error : public error {
  public:
    /// Takes the cancel message of the running task, if it was given one.
    cancelled_error();
    using error::error;
};

/// Thrown by aio::wait_for and aio::timeout when the deadline passes.
class timeout_error : public error {
  public:
    using error::error;
};

/// An operation was used in a state that does not allow it (e.g. a closed queue).
class invalid_state_error : public error {
  public:
    using error::error;
};

/// A context variable read where it has neither a value nor a default (Python's LookupError).
class lookup_error : public error {
  public:
    using error::error;
};

/// An operating-system failure; carries the std::error_code.
class io_error : public error {
  public:
    io_error(std::error_code code, const std::string& what)
        : error(what + ": " + code.message()), m_code(code) {}
    /// The OS error behind the failure.
    const std::error_code& code() const noexcept { return m_code; }

  private:
    std::error_code m_code;
};

/// Several errors at once (Python's ExceptionGroup): the failed children of a task_group,
/// or the errors of both the body and the exit of aio::with.
class exception_group : public error {
  public:
    /// The message lists every error's what() after `summary`.
    exception_group(const std::string& summary, std::vector<std::exception_ptr> errors);
    /// The errors, in the order they happened.
    const std::vector<std::exception_ptr>& errors() const noexcept { return m_errors; }
    /// True if `e` is one of errors().
    bool contains(const std::exception_ptr& e) const noexcept;

  private:
    std::vector<std::exception_ptr> m_errors;
};

/// Children of a task_group failed; holds every error, in completion order (and, last, the
/// exception that left the group's body under aio::with, if any).
class task_group_error : public exception_group {
  public:
    explicit task_group_error(std::vector<std::exception_ptr> errors);

  private:
    task_group_error(std::string summary, std::vector<std::exception_ptr> errors);
};

} // namespace aio
