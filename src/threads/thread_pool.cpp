// Worker threads and the hand-back of finished jobs to their loop.
#include "core/loop_impl.hpp"

#include <aio/core/event_loop.hpp>
#include <aio/threads/thread_pool.hpp>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace aio {
namespace detail {

class pool_impl {
  public:
    explicit pool_impl(std::size_t n) {
        if (n == 0)
            n = std::min<std::size_t>(32, std::thread::hardware_concurrency() + 4);
        m_threads.reserve(n);
        for (std::size_t i = 0; i < n; ++i)
            m_threads.emplace_back([this] { work(); });
    }
    ~pool_impl() {
        {
            std::lock_guard lock(m_mutex);
            m_stop = true;
        }
        m_cv.notify_all();
        for (auto& t : m_threads)
            t.join();
    }
    void push(thread_job* j) {
        {
            std::lock_guard lock(m_mutex);
            j->m_job_next = nullptr;
            (m_tail ? m_tail->m_job_next : m_head) = j;
            m_tail = j;
        }
        m_cv.notify_one();
    }
    std::size_t size() const noexcept { return m_threads.size(); }

  private:
    void work() {
        for (;;) {
            thread_job* j;
            {
                std::unique_lock lock(m_mutex);
                m_cv.wait(lock, [this] { return m_head || m_stop; });
                if (!m_head)
                    return;
                j = m_head;
                m_head = j->m_job_next;
                if (!m_head)
                    m_tail = nullptr;
            }
            j->m_invoke(j);
            j->m_loop->impl().post_threadsafe(j);
        }
    }

    std::mutex m_mutex;
    std::condition_variable m_cv;
    thread_job* m_head = nullptr;
    thread_job* m_tail = nullptr;
    bool m_stop = false;
    std::vector<std::thread> m_threads;
};

namespace {
// Runs on the loop thread when a job comes back.
void job_returned(work_item* w) noexcept {
    auto* j = static_cast<thread_job*>(w);
    j->m_loop->impl().job_returned();
    if (job_awaiter_base* a = j->m_awaiter) {
        a->m_owned = true;
        a->wake();
    } else {
        j->m_destroy(j); // the awaiter was cancelled: nobody wants the result
    }
}
void job_cancelled(parking* p) noexcept {
    auto* a = static_cast<job_awaiter_base*>(p);
    a->m_job->m_awaiter = nullptr; // the job frees itself when it returns
    a->m_job = nullptr;
    a->wake_cancelled();
}
} // namespace

job_awaiter_base::~job_awaiter_base() {
    if (!m_job)
        return;
    if (m_owned || !m_job->m_loop) {
        m_job->m_destroy(m_job); // came back, or was never submitted
    } else {
        m_job->m_awaiter = nullptr; // abnormal teardown while in flight
    }
}

bool job_awaiter_base::await_suspend(std::coroutine_handle<> h) {
    if (!begin_park(h, &job_cancelled))
        return false;
    event_loop& loop = get_running_loop();
    m_job->m_loop = &loop;
    m_job->m_awaiter = this;
    m_job->m_run = &job_returned;
    loop.impl().job_sent();
    m_pool->push(m_job);
    return true;
}

void job_awaiter_base::check_result() const {
    throw_if_cancelled();
    if (m_job->m_error)
        std::rethrow_exception(m_job->m_error);
}

} // namespace detail

thread_pool::thread_pool(std::size_t threads)
    : m_impl(std::make_unique<detail::pool_impl>(threads)) {}
thread_pool::~thread_pool() = default;
std::size_t thread_pool::size() const noexcept {
    return m_impl->size();
}

thread_pool& default_thread_pool() {
    // Never destroyed: worker threads must not be joined during static destruction, when
    // loops on other threads may still post to them.
    static thread_pool* pool = new thread_pool();
    return *pool;
}

void call_soon_threadsafe(event_loop& loop, std::function<void()> fn) {
    loop.call_soon_threadsafe(std::move(fn));
}

} // namespace aio
