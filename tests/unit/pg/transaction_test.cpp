// Transactions as context managers: commit, rollback on error and on cancellation,
// savepoints when nested.
#include "pg_fixture.hpp"

using namespace std::chrono_literals;

namespace {
aio::task<long> count(aio::pg::connection& db) {
    co_return co_await db.fetchval<long>("SELECT count(*) FROM acct");
}
} // namespace

TEST_F(pg_transaction, commits_when_the_body_returns) {
    aio_test::run([&]() -> aio::task<> {
        auto db = co_await aio::pg::connect(m_dsn);
        co_await db.execute("CREATE TEMP TABLE acct(id int)");
        co_await aio::with(db.transaction(), [&](aio::pg::transaction& tx) -> aio::task<> {
            EXPECT_EQ(tx.depth(), 1);
            co_await db.execute("INSERT INTO acct VALUES ($1)", 1);
            co_await db.execute("INSERT INTO acct VALUES ($1)", 2);
        });
        EXPECT_EQ(co_await count(db), 2);
        auto other = co_await aio::pg::connect(m_dsn);
        EXPECT_EQ(co_await other.fetchval<std::string>("SHOW transaction_isolation"),
                  "read committed");
    });
}

TEST_F(pg_transaction, rolls_back_when_the_body_throws) {
    aio_test::run([&]() -> aio::task<> {
        auto db = co_await aio::pg::connect(m_dsn);
        co_await db.execute("CREATE TEMP TABLE acct(id int)");
        EXPECT_THROW(co_await aio::with(db.transaction(),
                                        [&](auto&) -> aio::task<> {
                                            co_await db.execute("INSERT INTO acct VALUES ($1)", 1);
                                            throw std::runtime_error("changed my mind");
                                        }),
                     std::runtime_error);
        EXPECT_EQ(co_await count(db), 0);
        // A failed statement inside: rolled back too, and the connection is fine after.
        EXPECT_THROW(co_await aio::with(db.transaction(),
                                        [&](auto&) -> aio::task<> {
                                            co_await db.execute("INSERT INTO acct VALUES ($1)", 1);
                                            co_await db.execute("INSERT INTO acct VALUES ($1)",
                                                                "not a number");
                                        }),
                     aio::pg::error);
        EXPECT_EQ(co_await count(db), 0);
    });
}

TEST_F(pg_transaction, rolls_back_when_the_task_is_cancelled) {
    aio_test::run([&]() -> aio::task<> {
        auto db = co_await aio::pg::connect(m_dsn);
        co_await db.execute("CREATE TEMP TABLE acct(id int)");
        auto h = aio::create_task(aio::with(db.transaction(), [&](auto&) -> aio::task<> {
            co_await db.execute("INSERT INTO acct VALUES ($1)", 1);
            co_await db.fetch("SELECT pg_sleep(60)");
        }));
        // Another connection watches for the sleep to run (bounded: 500 x 10 ms).
        auto watch = co_await aio::pg::connect(m_dsn);
        for (int i = 0; i < 500 && (co_await watch.fetchval<long>(
                                       "SELECT count(*) FROM pg_stat_activity WHERE query = "
                                       "'SELECT pg_sleep(60)' AND state = 'active'")) == 0;
             ++i)
            co_await aio::sleep(10ms);
        h.cancel();
        EXPECT_THROW(co_await h, aio::cancelled_error);
        EXPECT_EQ(co_await aio::wait_for(count(db), 30s), 0);
        EXPECT_TRUE(db.is_idle());
    });
}

TEST_F(pg_transaction, a_nested_transaction_is_a_savepoint_rolled_back_alone) {
    aio_test::run([&]() -> aio::task<> {
        auto db = co_await aio::pg::connect(m_dsn);
        co_await db.execute("CREATE TEMP TABLE acct(id int)");
        co_await aio::with(db.transaction(), [&](auto&) -> aio::task<> {
            co_await db.execute("INSERT INTO acct VALUES ($1)", 1);
            try {
                co_await aio::with(db.transaction(),
                                   [&](aio::pg::transaction& inner) -> aio::task<> {
                                       EXPECT_EQ(inner.depth(), 2);
                                       co_await db.execute("INSERT INTO acct VALUES ($1)", 2);
                                       co_await db.execute("SELECT 1/0");
                                   });
            } catch (const aio::pg::error& e) {
                EXPECT_EQ(e.sqlstate(), "22012");
            }
            co_await aio::with(db.transaction(), [&](auto&) -> aio::task<> {
                co_await db.execute("INSERT INTO acct VALUES ($1)", 3);
            });
        });
        auto rows = co_await db.fetch("SELECT id FROM acct ORDER BY id");
        std::vector<int> ids;
        for (auto& r : rows)
            ids.push_back(r.get<int>(0));
        EXPECT_EQ(ids, (std::vector<int>{1, 3}));
    });
}

TEST_F(pg_transaction, can_be_driven_by_hand) {
    aio_test::run([&]() -> aio::task<> {
        auto db = co_await aio::pg::connect(m_dsn);
        co_await db.execute("CREATE TEMP TABLE acct(id int)");
        auto tx = db.transaction();
        co_await tx.start();
        co_await db.execute("INSERT INTO acct VALUES (1)");
        co_await tx.rollback();
        EXPECT_EQ(co_await count(db), 0);
        EXPECT_THROW(co_await tx.commit(), aio::invalid_state_error);
    });
}
