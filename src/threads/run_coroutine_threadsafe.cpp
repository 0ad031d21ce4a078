// The thread-shared state of aio::run_coroutine_threadsafe.
#include <aio/threads/run_coroutine_threadsafe.hpp>

namespace aio::detail {

void cross_thread_state::wait() {
    std::unique_lock lk(m_mutex);
    m_cv.wait(lk, [this] { return m_done; });
}

bool cross_thread_state::wait_for(std::chrono::nanoseconds timeout) {
    std::unique_lock lk(m_mutex);
    return m_cv.wait_for(lk, timeout, [this] { return m_done; });
}

bool cross_thread_state::done() {
    std::lock_guard lk(m_mutex);
    return m_done;
}

bool cross_thread_state::cancel() {
    std::lock_guard lk(m_mutex);
    if (m_done)
        return false;
    if (!m_cancel_requested) {
        m_cancel_requested = true;
        // Not done: the task (or its starter) still holds the loop's work, so the loop is
        // alive to take this. The lambda keeps the state alive until it runs.
        call_soon_threadsafe(*m_loop, [self = shared_from_this()] {
            if (self->m_task)
                self->m_task.cancel();
        });
    }
    return true;
}

void cross_thread_state::rethrow_if_failed() {
    std::lock_guard lk(m_mutex);
    if (m_error)
        std::rethrow_exception(m_error);
}

bool cross_thread_state::start(task_ref t) {
    std::lock_guard lk(m_mutex);
    m_task = std::move(t);
    return !m_cancel_requested;
}

void cross_thread_state::finish(std::exception_ptr e) {
    {
        std::lock_guard lk(m_mutex);
        if (m_done)
            return;
        m_done = true;
        m_error = std::move(e);
    }
    m_cv.notify_all();
    m_task = task_ref(); // loop thread (or the starter's destructor): drop our reference
}

} // namespace aio::detail
