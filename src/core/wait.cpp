// aio::wait and aio::as_completed over handles (include/aio/core/wait.hpp).
#include <aio/core/timeout.hpp>
#include <aio/core/wait.hpp>

#include <stdexcept>
#include <string>

namespace aio::detail {

namespace {
bool failed(const promise_base* t) noexcept {
    return t->done() && t->exception() && !t->has(promise_base::f_was_cancelled);
}

bool satisfied(const std::vector<promise_base*>& ts, return_when when) noexcept {
    std::size_t done = 0;
    for (const promise_base* t : ts) {
        if (!t->done())
            continue;
        ++done;
        if (when == return_when::first_completed ||
            (when == return_when::first_exception && failed(t)))
            return true;
    }
    return done == ts.size();
}
} // namespace

std::vector<promise_base*> promises_of(const task_ref* first, std::size_t n, const char* what) {
    if (n == 0)
        throw std::invalid_argument(std::string("aio::") + what +
                                    ": the list of tasks is empty (asyncio raises ValueError)");
    std::vector<promise_base*> out;
    out.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        if (!first[i])
            throw std::invalid_argument(std::string("aio::") + what + ": handle #" +
                                        std::to_string(i) + " is empty (no task)");
        out.push_back(first[i].get());
    }
    return out;
}

clock::time_point deadline_after(clock::duration d) {
    if (!t_loop)
        throw runtime_error("aio::as_completed: no event loop runs on this thread");
    return t_loop->refresh_now() + d;
}

task<std::size_t> next_completed(completion_queue& q, std::optional<clock::time_point> deadline) {
    if (!deadline)
        co_return co_await q.next();
    co_return co_await aio::timeout(*deadline - t_loop->refresh_now(), q.next());
}

task<void> wait_until(std::vector<promise_base*> ts,
                      return_when when,
                      std::optional<clock::duration> timeout) {
    if (satisfied(ts, when))
        co_return;
    completion_queue q(ts.size());
    for (std::size_t i = 0; i < ts.size(); ++i)
        q.watch(i, *ts[i]);
    const auto deadline =
        timeout ? std::optional<clock::time_point>(deadline_after(*timeout)) : std::nullopt;
    try {
        while (!satisfied(ts, when)) {
            if (co_await next_completed(q, deadline) == completion_queue::npos)
                break;
        }
    } catch (const timeout_error&) {
        // asyncio.wait: the timeout only ends the wait; the caller sorts done from pending.
    }
}

} // namespace aio::detail
