// Per-loop state of the os layer (a loop_extension owned by the loop, see loop_impl.hpp):
// the worker threads that run blocking file operations on the epoll backend, the signal
// hub, and the reaper of children whose `process` object went away before they exited.
#pragma once

#include "core/loop_impl.hpp"
#include "io/backend.hpp"

#include <aio/core/event_loop.hpp>

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace aio::detail {

class signal_hub;
class child_reaper;

/// Runs blocking operations (pread, pwrite, fsync, openat) on up to `max_threads` threads
/// and posts each completion back to the loop with call_soon_threadsafe. The loop does not
/// end while work is out (loop_impl::m_outstanding). Workers block every signal so signal
/// handlers and EINTR stay on the loop's side.
class worker_pool {
  public:
    explicit worker_pool(event_loop& loop, unsigned max_threads = 4);
    ~worker_pool();
    worker_pool(const worker_pool&) = delete;
    worker_pool& operator=(const worker_pool&) = delete;

    /// Queues `op`; its m_complete runs later on the loop thread.
    void post(io_op& op);

  private:
    void run();
    event_loop& m_loop;
    unsigned m_max;
    std::mutex m_mutex;
    std::condition_variable m_cv;
    std::deque<io_op*> m_queue;
    std::vector<std::thread> m_threads;
    unsigned m_idle = 0;
    bool m_stop = false;
};

/// Performs one blocking file operation synchronously; returns the result or -errno.
int run_blocking(io_op& op) noexcept;

class os_state final : public loop_extension {
  public:
    explicit os_state(event_loop& loop);
    ~os_state() override;

    /// The os state of the running loop (created on first use).
    static os_state& get();
    static os_state& of(event_loop& loop);

    worker_pool& workers();
    signal_hub& signals();
    child_reaper& reaper();

    event_loop& m_loop;
    bool m_offload_files;

  private:
    std::unique_ptr<child_reaper> m_reaper;
    std::unique_ptr<signal_hub> m_signals;
    std::unique_ptr<worker_pool> m_workers;
};

} // namespace aio::detail
