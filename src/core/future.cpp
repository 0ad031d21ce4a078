// The untyped part of aio::future (include/aio/core/future.hpp).
#include <aio/core/event_loop.hpp>
#include <aio/core/future.hpp>

namespace aio::detail {

future_core::~future_core() = default;

void future_core::on_waiter_cancelled(parking* p) noexcept {
    // asyncio: cancelling a task that awaits a future cancels the future. The waiter is
    // woken first (cancelled), then the future ends and wakes the others.
    auto* w = static_cast<future_waiter*>(p);
    future_core* self = w->m_core;
    self->m_waiters.remove(w);
    w->wake_cancelled();
    try {
        self->cancel({});
    } catch (const std::exception& e) { // a done callback could not be scheduled
        get_running_loop().report(std::string("aio::future: ") + e.what());
    }
}

bool future_core::park(future_waiter& w, std::coroutine_handle<> h) {
    if (!w.begin_park(h, &on_waiter_cancelled))
        return false;
    w.m_core = this;
    m_waiters.push_back(&w);
    return true;
}

void future_core::finish(std::exception_ptr e, const char* what) {
    if (m_done)
        throw invalid_state_error(std::string("aio::future::") + what +
                                  ": the future is already done");
    m_done = true;
    m_exception = std::move(e);
    while (future_waiter* w = m_waiters.front()) {
        m_waiters.remove(w);
        w->wake();
    }
    if (!m_callbacks.empty()) {
        auto& loop = get_running_loop();
        for (auto& fn : m_callbacks)
            loop.call_soon(std::move(fn));
        m_callbacks.clear();
    }
}

bool future_core::cancel(std::string_view message) {
    if (m_done)
        return false;
    m_cancelled = true;
    finish(std::make_exception_ptr(message.empty() ? cancelled_error("future was cancelled")
                                                   : cancelled_error(std::string(message))),
           "cancel");
    return true;
}

void future_core::check_result(const char* what) const {
    if (!m_done)
        throw invalid_state_error(std::string("aio::future::") + what +
                                  ": the future is not done yet");
    if (m_exception)
        std::rethrow_exception(m_exception);
}

std::exception_ptr future_core::exception() const {
    if (!m_done)
        throw invalid_state_error("aio::future::exception: the future is not done yet");
    if (m_cancelled)
        std::rethrow_exception(m_exception);
    return m_exception;
}

void future_core::add_callback(std::function<void()> fn) {
    if (m_done) {
        get_running_loop().call_soon(std::move(fn));
        return;
    }
    m_callbacks.push_back(std::move(fn));
}

} // namespace aio::detail
