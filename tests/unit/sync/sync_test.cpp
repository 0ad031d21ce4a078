#include "support/helpers.hpp"

#include <aio/sync.hpp>

#include <gtest/gtest.h>

using namespace aio_test;

namespace {
aio::task<> waiter_task(aio::event* e, std::vector<int>* order, int id) {
    co_await e->wait();
    order->push_back(id);
}
aio::task<> locker(aio::lock* m, std::vector<int>* order, int id, std::chrono::milliseconds hold) {
    co_await m->acquire();
    order->push_back(id);
    co_await aio::sleep(hold);
    m->release();
}
} // namespace

TEST(event, set_wakes_every_waiter_in_fifo_order) {
    std::vector<int> order;
    run([&]() -> aio::task<> {
        aio::event e;
        auto a = aio::create_task(waiter_task(&e, &order, 1));
        auto b = aio::create_task(waiter_task(&e, &order, 2));
        co_await aio::sleep(1ms);
        EXPECT_TRUE(order.empty());
        e.set();
        co_await aio::gather(a, b);
        EXPECT_TRUE(e.is_set());
        co_await e.wait(); // returns at once while set
        e.clear();
        EXPECT_THROW(co_await aio::wait_for(e.wait(), 5ms), aio::timeout_error);
    });
    EXPECT_EQ(order, (std::vector<int>{1, 2}));
}

TEST(lock, grants_in_fifo_order) {
    std::vector<int> order;
    run_virtual([&]() -> aio::task<> {
        aio::lock m;
        co_await aio::gather(locker(&m, &order, 1, 5ms), locker(&m, &order, 2, 5ms),
                             locker(&m, &order, 3, 5ms));
        EXPECT_FALSE(m.locked());
    });
    EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
}

TEST(lock, release_without_acquire_is_an_error) {
    run([]() -> aio::task<> {
        aio::lock m;
        EXPECT_THROW(m.release(), aio::runtime_error);
        co_return;
    });
}

TEST(lock, scoped_guard_releases_and_with_works) {
    run([]() -> aio::task<> {
        aio::lock m;
        {
            auto g = co_await m.scoped();
            EXPECT_TRUE(m.locked());
        }
        EXPECT_FALSE(m.locked());
        co_await aio::with(m, [&](aio::lock&) -> aio::task<> {
            EXPECT_TRUE(m.locked());
            co_return;
        });
        EXPECT_FALSE(m.locked());
    });
}

TEST(lock, a_cancelled_waiter_does_not_swallow_the_hand_off) {
    run_virtual([]() -> aio::task<> {
        aio::lock m;
        co_await m.acquire();
        auto w1 = aio::create_task([](aio::lock* l) -> aio::task<> {
            co_await l->acquire();
            l->release();
        }(&m));
        auto w2 = aio::create_task([](aio::lock* l) -> aio::task<> {
            co_await l->acquire();
            l->release();
        }(&m));
        co_await aio::sleep(1ms);
        w1.cancel(); // cancelled while waiting: leaves the queue
        m.release(); // must go to w2
        EXPECT_THROW(co_await w1, aio::cancelled_error);
        co_await w2;
        EXPECT_FALSE(m.locked());

        // Cancel after the hand-off: the task owns the lock and must be able to release it.
        co_await m.acquire();
        auto w3 = aio::create_task([](aio::lock* l) -> aio::task<> {
            co_await l->acquire();
            l->release();            // runs: the wake-up happened before the cancel
            co_await aio::sleep(0s); // the cancel lands here
        }(&m));
        co_await aio::sleep(1ms);
        m.release();
        w3.cancel();
        EXPECT_THROW(co_await w3, aio::cancelled_error);
        EXPECT_FALSE(m.locked());
    });
}

TEST(semaphore, bounds_concurrency) {
    int active = 0, peak = 0;
    run_virtual([&]() -> aio::task<> {
        aio::semaphore sem(2);
        std::vector<aio::task<>> ts;
        for (int i = 0; i < 6; ++i) {
            ts.push_back([](aio::semaphore* s, int* a, int* p) -> aio::task<> {
                auto permit = co_await s->scoped();
                *p = std::max(*p, ++*a);
                co_await aio::sleep(10ms);
                --*a;
            }(&sem, &active, &peak));
        }
        co_await aio::gather(std::move(ts));
        EXPECT_EQ(sem.value(), 2u);
    });
    EXPECT_EQ(peak, 2);
}

TEST(bounded_semaphore, over_release_throws) {
    run([]() -> aio::task<> {
        aio::bounded_semaphore sem(1);
        co_await sem.acquire();
        sem.release();
        EXPECT_THROW(sem.release(), aio::invalid_state_error);
        aio::semaphore plain(1);
        plain.release(); // an unbounded semaphore may grow
        EXPECT_EQ(plain.value(), 2u);
    });
}

TEST(condition, wait_releases_and_reacquires_the_lock) {
    run_virtual([]() -> aio::task<> {
        aio::condition cond;
        std::vector<int> items;
        auto consumer =
            aio::create_task([](aio::condition* c, std::vector<int>* it) -> aio::task<int> {
                co_await c->acquire();
                co_await c->wait_for([&] { return !it->empty(); });
                EXPECT_TRUE(c->locked());
                int v = it->back();
                c->release();
                co_return v;
            }(&cond, &items));
        co_await aio::sleep(1ms);
        co_await cond.acquire();
        items.push_back(42);
        cond.notify();
        cond.release();
        EXPECT_EQ(co_await consumer, 42);
        EXPECT_THROW(cond.notify(), aio::runtime_error); // lock not held
    });
}

TEST(condition, a_cancelled_wait_still_reacquires_the_lock) {
    run_virtual([]() -> aio::task<> {
        aio::condition cond;
        bool held_in_handler = false;
        auto h = aio::create_task([](aio::condition* c, bool* held) -> aio::task<> {
            co_await c->acquire();
            try {
                co_await c->wait();
            } catch (const aio::cancelled_error&) {
                *held = c->locked();
                c->release();
                throw;
            }
        }(&cond, &held_in_handler));
        co_await aio::sleep(1ms);
        h.cancel();
        EXPECT_THROW(co_await h, aio::cancelled_error);
        EXPECT_TRUE(held_in_handler);
        EXPECT_FALSE(cond.locked());
    });
}

TEST(barrier, releases_all_parties_together_with_distinct_indices) {
    run_virtual([]() -> aio::task<> {
        aio::barrier b(3);
        std::vector<aio::task<std::size_t>> ts;
        for (int i = 0; i < 3; ++i) {
            ts.push_back([](aio::barrier* bar, int d) -> aio::task<std::size_t> {
                co_await aio::sleep(std::chrono::milliseconds(d));
                co_return co_await bar->wait();
            }(&b, i * 5));
        }
        auto idx = co_await aio::gather(std::move(ts));
        std::sort(idx.begin(), idx.end());
        EXPECT_EQ(idx, (std::vector<std::size_t>{0, 1, 2}));
        auto lone = aio::create_task([](aio::barrier* bar) -> aio::task<std::size_t> {
            co_return co_await bar->wait();
        }(&b));
        co_await aio::sleep(1ms);
        b.abort();
        EXPECT_THROW(co_await lone, aio::broken_barrier_error);
        EXPECT_THROW(aio::barrier(0), aio::invalid_state_error);
    });
}

TEST(queue, is_fifo_and_blocks_when_full) {
    run_virtual([]() -> aio::task<> {
        aio::queue<int> q(2);
        co_await q.put(1);
        co_await q.put(2);
        EXPECT_TRUE(q.full());
        EXPECT_THROW(q.put_nowait(3), aio::queue_full_error);
        auto putter = aio::create_task([](aio::queue<int>* qq) -> aio::task<> {
            co_await qq->put(3); // waits for room
        }(&q));
        co_await aio::sleep(1ms);
        EXPECT_FALSE(putter.done());
        EXPECT_EQ(co_await q.get(), 1);
        co_await putter;
        EXPECT_EQ(co_await q.get(), 2);
        EXPECT_EQ(q.get_nowait(), 3);
        EXPECT_THROW(q.get_nowait(), aio::queue_empty_error);
    });
}

TEST(queue, unbounded_never_blocks_a_put) {
    run([]() -> aio::task<> {
        aio::queue<int> q(aio::unbounded);
        for (int i = 0; i < 1000; ++i)
            q.put_nowait(i);
        EXPECT_EQ(q.qsize(), 1000u);
        EXPECT_FALSE(q.full());
        co_return;
    });
}

TEST(queue, task_done_and_join) {
    run_virtual([]() -> aio::task<> {
        aio::queue<int> q(aio::unbounded);
        int processed = 0;
        for (int i = 0; i < 5; ++i)
            q.put_nowait(i);
        auto worker = aio::create_task([](aio::queue<int>* qq, int* p) -> aio::task<> {
            for (;;) {
                co_await qq->get();
                co_await aio::sleep(1ms);
                ++*p;
                qq->task_done();
            }
        }(&q, &processed));
        co_await q.join();
        EXPECT_EQ(processed, 5);
        worker.cancel();
        EXPECT_THROW(co_await worker, aio::cancelled_error);
        EXPECT_THROW(q.task_done(), aio::invalid_state_error);
    });
}

TEST(queue, shutdown_stops_putters_and_drains_getters) {
    run_virtual([]() -> aio::task<> {
        aio::queue<int> q(1);
        co_await q.put(1);
        auto blocked_put =
            aio::create_task([](aio::queue<int>* qq) -> aio::task<> { co_await qq->put(2); }(&q));
        co_await aio::sleep(1ms);
        q.shutdown();
        EXPECT_THROW(co_await blocked_put, aio::queue_shutdown_error);
        EXPECT_THROW(co_await q.put(3), aio::queue_shutdown_error);
        EXPECT_EQ(co_await q.get(), 1); // remaining items can still be taken
        EXPECT_THROW(co_await q.get(), aio::queue_shutdown_error);
    });
}

TEST(queue, a_cancelled_getter_does_not_lose_an_item) {
    run_virtual([]() -> aio::task<> {
        aio::queue<int> q(aio::unbounded);
        auto g1 = aio::create_task(
            [](aio::queue<int>* qq) -> aio::task<int> { co_return co_await qq->get(); }(&q));
        auto g2 = aio::create_task(
            [](aio::queue<int>* qq) -> aio::task<int> { co_return co_await qq->get(); }(&q));
        co_await aio::sleep(1ms);
        g1.cancel();
        q.put_nowait(7);
        EXPECT_THROW(co_await g1, aio::cancelled_error);
        EXPECT_EQ(co_await g2, 7);
    });
}

TEST(priority_queue, returns_the_smallest_first) {
    run([]() -> aio::task<> {
        aio::priority_queue<std::pair<int, std::string>> q(aio::unbounded);
        co_await q.put({3, "low"});
        co_await q.put({1, "high"});
        co_await q.put({2, "mid"});
        EXPECT_EQ((co_await q.get()).second, "high");
        EXPECT_EQ((co_await q.get()).second, "mid");
        EXPECT_EQ((co_await q.get()).second, "low");
    });
}

TEST(lifo_queue, returns_the_newest_first) {
    run([]() -> aio::task<> {
        aio::lifo_queue<int> q(3);
        for (int i = 1; i <= 3; ++i)
            co_await q.put(i);
        EXPECT_EQ(co_await q.get(), 3);
        EXPECT_EQ(co_await q.get(), 2);
    });
}
