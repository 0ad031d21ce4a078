// Cancellation at every kind of suspension point: the parked task throws cancelled_error,
// finishes, and the object it waited on is left usable (under ASan: nothing touches the
// destroyed frame afterwards).
#include "support/helpers.hpp"

#include <aio/sync.hpp>
#include <aio/threads.hpp>

#include <functional>

#include <gtest/gtest.h>

using namespace aio_test;

namespace {

struct fixture {
    aio::event ev;
    aio::lock mutex;
    aio::semaphore sem{0};
    aio::condition cond;
    aio::barrier bar{2};
    aio::queue<int> empty_q{aio::unbounded};
    aio::queue<int> full_q{1};
    aio::queue<int> unfinished_q{aio::unbounded};
    aio::task_group group;
};

using parker = std::function<aio::task<>(fixture&)>;

aio::task<> forever() {
    co_await aio::sleep(24h);
}
aio::generator<int> slow_gen() {
    co_await aio::sleep(24h);
    co_yield 1;
}

struct point {
    const char* name;
    parker park;
};

const point points[] = {
    {"sleep", [](fixture&) -> aio::task<> { co_await aio::sleep(24h); }},
    {"event_wait", [](fixture& f) -> aio::task<> { co_await f.ev.wait(); }},
    {"lock_acquire", [](fixture& f) -> aio::task<> { co_await f.mutex.acquire(); }},
    {"semaphore_acquire", [](fixture& f) -> aio::task<> { co_await f.sem.acquire(); }},
    {"condition_wait",
     [](fixture& f) -> aio::task<> {
         co_await f.cond.acquire();
         try {
             co_await f.cond.wait();
         } catch (...) {
             f.cond.release();
             throw;
         }
     }},
    {"barrier_wait", [](fixture& f) -> aio::task<> { (void)co_await f.bar.wait(); }},
    {"queue_get", [](fixture& f) -> aio::task<> { (void)co_await f.empty_q.get(); }},
    {"queue_put", [](fixture& f) -> aio::task<> { co_await f.full_q.put(2); }},
    {"queue_join", [](fixture& f) -> aio::task<> { co_await f.unfinished_q.join(); }},
    {"task_handle", [](fixture&) -> aio::task<> { co_await aio::create_task(forever()); }},
    {"inline_task", [](fixture&) -> aio::task<> { co_await forever(); }},
    {"gather", [](fixture&) -> aio::task<> { co_await aio::gather(forever(), forever()); }},
    {"timeout", [](fixture&) -> aio::task<> { co_await aio::timeout(48h, forever()); }},
    {"wait_for", [](fixture& f) -> aio::task<> { co_await aio::wait_for(f.ev.wait(), 48h); }},
    {"task_group_join",
     [](fixture& f) -> aio::task<> {
         f.group.spawn(forever());
         co_await f.group.join();
     }},
    {"as_completed",
     [](fixture&) -> aio::task<> {
         std::vector<aio::task<>> ts;
         ts.push_back(forever());
         auto it = aio::as_completed(std::move(ts));
         (void)co_await it.next();
     }},
    {"generator_body",
     [](fixture&) -> aio::task<> {
         auto g = slow_gen();
         (void)co_await g.next();
     }},
    {"to_thread",
     [](fixture&) -> aio::task<> {
         co_await aio::to_thread([] { std::this_thread::sleep_for(20ms); });
     }},
    {"with_body",
     [](fixture& f) -> aio::task<> {
         co_await aio::with(f.mutex, [](aio::lock&) -> aio::task<> { co_await forever(); });
     }},
};

class cancel_point : public ::testing::TestWithParam<point> {};

} // namespace

TEST_P(cancel_point, throws_cancelled_error_and_leaves_the_object_usable) {
    const point& p = GetParam();
    run_virtual([&]() -> aio::task<> {
        fixture f;
        f.unfinished_q.put_nowait(1);
        (void)f.empty_q.qsize();
        co_await f.full_q.put(1);
        if (std::string(p.name) == "lock_acquire")
            co_await f.mutex.acquire();
        auto h = aio::create_task(p.park(f), p.name);
        co_await aio::sleep(1ms);
        EXPECT_FALSE(h.done()) << p.name << " did not park";
        h.cancel();
        EXPECT_THROW(co_await h, aio::cancelled_error) << p.name;
        EXPECT_TRUE(h.cancelled());
        // The primitive still works for others: nothing of the cancelled waiter remains.
        f.ev.set();
        co_await f.ev.wait();
        if (f.mutex.locked())
            f.mutex.release();
        co_await f.mutex.acquire();
        f.mutex.release();
        f.sem.release();
        co_await f.sem.acquire();
        f.empty_q.put_nowait(5);
        EXPECT_EQ(co_await f.empty_q.get(), 5);
        EXPECT_EQ(f.full_q.get_nowait(), 1);
        f.unfinished_q.get_nowait();
        f.unfinished_q.task_done();
        co_await f.unfinished_q.join();
        EXPECT_EQ(f.bar.n_waiting(), 0u);
        EXPECT_EQ(f.group.running(), 0u);
    });
}

INSTANTIATE_TEST_SUITE_P(every_kind,
                         cancel_point,
                         ::testing::ValuesIn(points),
                         [](const auto& info) { return std::string(info.param.name); });
