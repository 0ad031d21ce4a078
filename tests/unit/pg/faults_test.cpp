// Faults: statement_timeout, a terminated backend, the server restarted mid-query, a pool
// exhausted under load.
#include "pg_fixture.hpp"

using namespace std::chrono_literals;

TEST_F(pg_faults, statement_timeout_is_an_error_with_sqlstate_57014) {
    aio_test::run([&]() -> aio::task<> {
        auto db = co_await aio::pg::connect(m_dsn);
        co_await db.execute("SET statement_timeout = '50ms'");
        try {
            co_await db.fetch("SELECT pg_sleep(10)");
            ADD_FAILURE() << "no error";
        } catch (const aio::pg::error& e) {
            EXPECT_EQ(e.sqlstate(), "57014");
            EXPECT_TRUE(e.is_query_canceled());
        }
        EXPECT_EQ(co_await db.fetchval<int>("SELECT 1"), 1);
    });
}

TEST_F(pg_faults, a_terminated_backend_fails_its_query_and_later_ones_with_connection_error) {
    aio_test::run([&]() -> aio::task<> {
        auto db = co_await aio::pg::connect(m_dsn);
        auto killer = co_await aio::pg::connect(m_dsn);
        auto q = aio::create_task(db.fetch("SELECT pg_sleep(60)"));
        for (int i = 0; i < 500 && (co_await killer.fetchval<long>(
                                       "SELECT count(*) FROM pg_stat_activity WHERE pid = $1 AND "
                                       "state = 'active'",
                                       db.backend_pid())) == 0;
             ++i)
            co_await aio::sleep(10ms);
        EXPECT_TRUE(
            co_await killer.fetchval<bool>("SELECT pg_terminate_backend($1)", db.backend_pid()));
        EXPECT_THROW(co_await aio::wait_for(q, 30s), aio::pg::connection_error);
        EXPECT_TRUE(db.is_closed());
        EXPECT_THROW(co_await db.fetchval<int>("SELECT 1"), aio::pg::connection_error);
    });
}

TEST_F(pg_faults, a_server_restart_mid_query_is_a_connection_error_and_a_pool_recovers) {
    aio_test::run([&]() -> aio::task<> {
        aio::pg::pool pool(m_dsn, {.max_size = 2});
        auto c = co_await pool.acquire();
        auto q = aio::create_task(c->fetch("SELECT pg_sleep(60)"));
        co_await aio::sleep(50ms);
        // The restart is synchronous (fork/exec/wait): it blocks this loop meanwhile, which
        // is fine for a test; the query's answer is the lost connection.
        std::string why;
        const bool restarted = m_server->restart(&why);
        EXPECT_TRUE(restarted) << why;
        AIO_CO_ASSERT(restarted);
        EXPECT_THROW(co_await aio::wait_for(q, 30s), aio::pg::connection_error);
        c.release(); // broken: closed, not pooled
        auto d = co_await pool.acquire();
        EXPECT_EQ(co_await d->fetchval<int>("SELECT 42"), 42);
    });
}

TEST_F(pg_faults, a_pool_exhausted_under_load_serves_everyone_in_turn_or_times_out) {
    aio_test::run([&]() -> aio::task<> {
        aio::pg::pool pool(m_dsn, {.max_size = 3});
        int served = 0, timed_out = 0;
        std::vector<aio::task<>> tasks;
        for (int i = 0; i < 60; ++i) {
            tasks.push_back(
                [](aio::pg::pool& p, int& served, int& timed_out, int i) -> aio::task<> {
                    try {
                        // Every 10th caller is impatient: its wait is shorter than one query.
                        auto c = co_await p.acquire(i % 10 == 9 ? 1ms : 60s);
                        co_await c->fetch("SELECT pg_sleep(0.01)");
                        ++served;
                    } catch (const aio::timeout_error&) {
                        ++timed_out;
                    }
                }(pool, served, timed_out, i));
        }
        co_await aio::gather(std::move(tasks));
        EXPECT_EQ(served + timed_out, 60);
        EXPECT_GE(served, 54);
        EXPECT_LE(pool.size(), 3u);
    });
}
