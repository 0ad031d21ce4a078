// aio::signal_received: wait for a POSIX signal in a task.
#pragma once

#include <aio/core/detail/promise_base.hpp>

#include <concepts>
#include <coroutine>
#include <cstdint>
#include <functional>

namespace aio {

namespace detail {

class signal_hub;

/// Awaiter of aio::signal_received (see there). Parks the task in the loop's signal hub.
class signal_waiter : public parking {
  public:
    explicit signal_waiter(std::uint64_t mask) noexcept : m_mask(mask) {}
    /// Movable until awaited (aio::wait_for takes awaitables by value).
    signal_waiter(signal_waiter&& o) noexcept : parking(), m_mask(o.m_mask), m_sig(o.m_sig) {}
    signal_waiter& operator=(signal_waiter&&) = delete;
    ~signal_waiter();

    bool await_ready() const noexcept { return false; }
    bool await_suspend(std::coroutine_handle<> h);
    int await_resume() const {
        throw_if_cancelled();
        return m_sig;
    }

    std::uint64_t m_mask;
    int m_sig = 0;
    signal_hub* m_hub = nullptr; // set while linked in the hub's wait list
    signal_waiter* m_prev = nullptr;
    signal_waiter* m_next = nullptr;
};

/// The bit of `sig` in a signal mask; throws aio::error for a signal that cannot be caught
/// (outside 1..64, SIGKILL, SIGSTOP).
std::uint64_t signal_bit(int sig);

} // namespace detail

/// Waits until one of the given signals arrives and returns its number (like trio's
/// open_signal_receiver, or a one-shot add_signal_handler). Variadic on purpose: GCC 12
/// cannot keep an initializer_list alive across co_await.
///
/// - Delivery is on the loop thread; the task is resumed at a loop turn. Every task waiting
///   for that signal wakes (a broadcast); a signal that arrives while nobody waits for it is
///   kept pending (several coalesce into one) and returned by the next signal_received that
///   names it, so a loop such as `for (;;) { co_await signal_received(SIGHUP); reload(); }`
///   never misses one and is never killed by one in between.
/// - Once a loop has waited for a signal, aiocpp's handler stays installed for it until the
///   loop ends; the previous disposition is restored then.
/// - A callback set with aio::add_signal_handler for the same signal also runs.
/// - Cancellation (including aio::wait_for's timeout) removes the waiter; nothing is lost.
/// - Throws aio::error at the call for a signal that cannot be caught (SIGKILL, SIGSTOP, out
///   of range) and aio::io_error if the handler cannot be installed. Loop thread only.
///
///     int sig = co_await aio::signal_received(SIGINT, SIGTERM);
///     std::cout << "got " << strsignal(sig) << ", shutting down\n";
template <class... Sigs>
requires(sizeof...(Sigs) > 0 && (std::convertible_to<Sigs, int> && ...))
    [[nodiscard]] detail::signal_waiter signal_received(Sigs... sigs) {
    return detail::signal_waiter((detail::signal_bit(static_cast<int>(sigs)) | ...));
}

/// asyncio's loop.add_signal_handler, on the running loop: calls `callback` on the loop
/// thread (at a loop turn, never in signal context, so it may do anything a loop callback
/// may) each time signal `sig` arrives, replacing any callback the loop had for `sig`. The
/// process's disposition of `sig` is replaced by aiocpp's forwarding handler (SA_RESTART)
/// until remove_signal_handler or the loop's end, which restore the previous one. Several
/// signals arriving before the loop reads them may be coalesced into one call, as the
/// kernel does. Throws aio::error for an invalid signal or SIGKILL/SIGSTOP, aio::io_error
/// if the handler cannot be installed, aio::runtime_error outside a running loop.
///
///     aio::add_signal_handler(SIGHUP, [&] { reload_config(); });
void add_signal_handler(int sig, std::function<void()> callback);
/// Removes the running loop's callback for `sig`; returns false if there was none. The
/// previous disposition of `sig` comes back unless aio::signal_received still uses it.
bool remove_signal_handler(int sig);

} // namespace aio
