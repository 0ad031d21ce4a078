// aio::pg::pool: bounded size, leases, timeouts, replacement of broken connections,
// connections leased back busy.
#include "pg_fixture.hpp"

#include <set>

using namespace std::chrono_literals;

TEST_F(pg_pool, many_tasks_share_at_most_max_size_connections) {
    aio_test::run([&]() -> aio::task<> {
        aio::pg::pool pool(m_dsn, {.max_size = 4});
        std::set<int> pids;
        std::size_t most = 0;
        std::vector<aio::task<>> tasks;
        for (int i = 0; i < 50; ++i) {
            tasks.push_back(
                [](aio::pg::pool& p, std::set<int>& pids, std::size_t& most, int i) -> aio::task<> {
                    auto c = co_await p.acquire();
                    most = std::max(most, p.size());
                    pids.insert(c->backend_pid());
                    EXPECT_EQ(co_await c->fetchval<int>("SELECT $1::int", i), i);
                    co_await aio::sleep(1ms);
                }(pool, pids, most, i));
        }
        co_await aio::gather(std::move(tasks));
        EXPECT_LE(most, 4u);
        EXPECT_LE(pids.size(), 4u);
        EXPECT_GE(pids.size(), 1u);
        EXPECT_EQ(pool.idle(), pool.size());
        EXPECT_EQ(co_await pool.fetchval<int>("SELECT $1::int + 1", 1), 2);
        EXPECT_EQ(co_await pool.execute("SELECT 1"), "SELECT 1");
        co_await pool.close();
        EXPECT_THROW(co_await pool.acquire(), aio::invalid_state_error);
    });
}

TEST_F(pg_pool, min_size_connections_are_opened_by_the_first_acquire) {
    aio_test::run([&]() -> aio::task<> {
        aio::pg::pool pool(m_dsn, {.min_size = 3, .max_size = 5});
        EXPECT_EQ(pool.size(), 0u);
        {
            auto c = co_await pool.acquire();
            EXPECT_EQ(pool.size(), 3u);
            EXPECT_EQ(pool.idle(), 2u);
        }
        EXPECT_EQ(pool.idle(), 3u);
    });
}

TEST_F(pg_pool, acquire_times_out_while_every_connection_is_leased) {
    aio_test::run([&]() -> aio::task<> {
        aio::pg::pool pool(m_dsn, {.max_size = 2, .acquire_timeout = 50ms});
        auto a = co_await pool.acquire();
        auto b = co_await pool.acquire();
        EXPECT_THROW(co_await pool.acquire(), aio::timeout_error);
        EXPECT_THROW(co_await pool.acquire(20ms), aio::timeout_error);
        // A waiter gets the connection handed back.
        auto waiter = aio::create_task(pool.acquire(30s));
        co_await aio::sleep(0s);
        const int pid = a->backend_pid();
        a.release();
        auto c = co_await waiter;
        EXPECT_EQ(c->backend_pid(), pid);
        EXPECT_EQ(pool.size(), 2u);
    });
}

TEST_F(pg_pool, a_connection_lost_while_idle_is_replaced) {
    aio_test::run([&]() -> aio::task<> {
        aio::pg::pool pool(m_dsn, {.max_size = 1});
        int pid = 0;
        {
            auto c = co_await pool.acquire();
            pid = c->backend_pid();
        }
        auto killer = co_await aio::pg::connect(m_dsn);
        EXPECT_TRUE(co_await killer.fetchval<bool>("SELECT pg_terminate_backend($1)", pid));
        // Bounded: the idle connection's pump sees the server close it (500 x 10 ms).
        for (int i = 0; i < 500 && pool.idle() == 1; ++i) {
            auto c = co_await pool.acquire();
            if (c->backend_pid() != pid)
                break;
            if (c->is_closed()) {
                break;
            }
            c.release();
            co_await aio::sleep(10ms);
        }
        auto c = co_await pool.acquire();
        EXPECT_NE(c->backend_pid(), pid);
        EXPECT_EQ(co_await c->fetchval<int>("SELECT 1"), 1);
    });
}

TEST_F(pg_pool, a_lease_given_back_mid_query_rejoins_only_once_idle) {
    aio_test::run([&]() -> aio::task<> {
        aio::pg::pool pool(m_dsn, {.max_size = 1});
        int pid = 0;
        {
            auto warm = co_await pool.acquire(); // opened outside the timed part
            pid = warm->backend_pid();
        }
        EXPECT_THROW(co_await aio::wait_for(
                         [](aio::pg::pool& p) -> aio::task<> {
                             auto c = co_await p.acquire();
                             co_await c->execute("BEGIN");
                             co_await c->fetch("SELECT pg_sleep(60)");
                         }(pool),
                         100ms),
                     aio::timeout_error);
        // The only connection is being made idle (cancel request, ROLLBACK): acquire waits.
        auto c = co_await aio::wait_for(pool.acquire(), 30s);
        EXPECT_EQ(c->backend_pid(), pid);
        EXPECT_TRUE(c->is_idle());
        EXPECT_EQ(co_await c->fetchval<std::string>(
                      "SELECT now() = statement_timestamp()::timestamptz OR true"),
                  "true");
        EXPECT_EQ(co_await c->fetchval<long>("SELECT count(*) FROM pg_stat_activity WHERE state = "
                                             "'idle in transaction' AND pid = pg_backend_pid()"),
                  0);
    });
}

TEST_F(pg_pool, close_waits_for_a_busy_connection_to_be_reset) {
    aio_test::run([&]() -> aio::task<> {
        aio::pg::pool pool(m_dsn, {.max_size = 2});
        { auto warm = co_await pool.acquire(); }
        EXPECT_THROW(co_await aio::wait_for(
                         [](aio::pg::pool& p) -> aio::task<> {
                             auto c = co_await p.acquire();
                             co_await c->fetch("SELECT pg_sleep(60)");
                         }(pool),
                         50ms),
                     aio::timeout_error);
        EXPECT_EQ(pool.size(), 1u); // being reset, still counted
        co_await aio::wait_for(pool.close(), 30s);
        EXPECT_EQ(pool.idle(), 0u);
        EXPECT_EQ(pool.size(), 0u);
    });
}

TEST_F(pg_pool, connections_idle_longer_than_max_idle_are_closed_down_to_min_size) {
    aio_test::run([&]() -> aio::task<> {
        aio::pg::pool pool(m_dsn, {.min_size = 1, .max_size = 3, .max_idle = 200ms});
        std::vector<int> pids;
        {
            auto a = co_await pool.acquire();
            auto b = co_await pool.acquire();
            auto c = co_await pool.acquire();
            for (auto* l : {&a, &b, &c})
                pids.push_back((*l)->backend_pid());
        }
        // Given back: idle, not closed yet (nothing has waited max_idle).
        EXPECT_EQ(pool.size(), 3u);
        EXPECT_EQ(pool.idle(), 3u);
        // Bounded wait (500 x 20 ms) for the expiry; it stops at min_size.
        for (int i = 0; i < 500 && pool.size() > 1; ++i)
            co_await aio::sleep(20ms);
        EXPECT_EQ(pool.size(), 1u);
        EXPECT_EQ(pool.idle(), 1u);
        // The servers' processes are gone too (the backends exit after Terminate).
        auto check = co_await aio::pg::connect(m_dsn);
        long alive = 3;
        for (int i = 0; i < 500 && alive > 1; ++i) {
            alive = co_await check.fetchval<long>(
                "SELECT count(*) FROM pg_stat_activity WHERE pid IN ($1, $2, $3)", pids[0], pids[1],
                pids[2]);
            if (alive > 1)
                co_await aio::sleep(20ms);
        }
        EXPECT_EQ(alive, 1);
        // The one kept is the most recently used, and it still works.
        auto c = co_await pool.acquire();
        EXPECT_EQ(co_await c->fetchval<int>("SELECT 7"), 7);
        EXPECT_EQ(pool.size(), 1u);
    });
}

TEST_F(pg_pool, a_connection_used_again_before_max_idle_is_kept) {
    aio_test::run([&]() -> aio::task<> {
        aio::pg::pool pool(m_dsn, {.max_size = 2, .max_idle = 500ms});
        int kept = 0;
        {
            auto a = co_await pool.acquire();
            auto b = co_await pool.acquire();
            kept = a->backend_pid();
            b.release(); // b becomes idle first: the oldest
        }
        // Using one connection again and again keeps it; the other one expires.
        for (int i = 0; i < 500 && pool.size() > 1; ++i) {
            auto c = co_await pool.acquire();
            EXPECT_EQ(c->backend_pid(), kept); // the most recently used one is taken
            c.release();
            co_await aio::sleep(20ms);
        }
        EXPECT_EQ(pool.size(), 1u);
        auto c = co_await pool.acquire();
        EXPECT_EQ(c->backend_pid(), kept);
    });
}
