// The per-connection prepared-statement cache: bounded, least recently used evicted and
// DEALLOCATEd on the server, stale plans prepared again transparently outside transactions.
#include "pg_fixture.hpp"

#include <string>
#include <vector>

using namespace std::chrono_literals;
using pg_statement_cache = pg_fixture;

namespace {

const char* const list_sql =
    "SELECT coalesce(string_agg(statement, '|' ORDER BY statement), '') "
    "FROM pg_prepared_statements WHERE statement LIKE 'SELECT $1::int + %'";
const char* const count_sql = "SELECT count(*) FROM pg_prepared_statements";

/// The statements `db` has prepared on the server among the "SELECT $1::int + k" family.
aio::task<std::string> prepared(aio::pg::connection& db) {
    co_return co_await db.fetchval<std::string>(list_sql);
}

aio::task<> add(aio::pg::connection& db, int k) {
    EXPECT_EQ(co_await db.fetchval<int>("SELECT $1::int + " + std::to_string(k), 1), 1 + k);
}

} // namespace

TEST_F(pg_statement_cache, evicts_the_least_recently_used_statement_and_deallocates_it) {
    aio_test::run([&]() -> aio::task<> {
        // Four slots: three queries and the one that lists them.
        auto db = co_await aio::pg::connect(m_dsn, {.statement_cache_size = 4});
        co_await add(db, 1);
        co_await add(db, 2);
        co_await add(db, 3);
        EXPECT_EQ(co_await prepared(db),
                  "SELECT $1::int + 1|SELECT $1::int + 2|SELECT $1::int + 3");
        co_await add(db, 1); // 1 is used again: 2 is now the least recently used
        co_await add(db, 4); // evicts 2
        EXPECT_EQ(co_await prepared(db),
                  "SELECT $1::int + 1|SELECT $1::int + 3|SELECT $1::int + 4");
        // An evicted statement comes back as a new prepare; the cache stays at its bound.
        co_await add(db, 2); // evicts 3 (the list query was used after it)
        EXPECT_EQ(co_await prepared(db),
                  "SELECT $1::int + 1|SELECT $1::int + 2|SELECT $1::int + 4");
        for (int k = 10; k < 30; ++k)
            co_await add(db, k);
        EXPECT_EQ(co_await db.fetchval<long>(count_sql), 4);
    });
}

TEST_F(pg_statement_cache, deallocates_evicted_statements_without_a_round_trip_of_their_own) {
    aio_test::run([&]() -> aio::task<> {
        auto db = co_await aio::pg::connect(m_dsn, {.statement_cache_size = 2});
        // Many distinct statements from concurrent tasks go out in one pipeline; each
        // eviction's DEALLOCATE rides along, and every query still gets its own answer.
        std::vector<aio::task<>> tasks;
        for (int k = 0; k < 40; ++k)
            tasks.push_back(add(db, k));
        co_await aio::gather(std::move(tasks));
        EXPECT_EQ(co_await db.fetchval<long>(count_sql), 2);
        EXPECT_TRUE(db.is_idle());
    });
}

TEST_F(pg_statement_cache, size_zero_prepares_nothing) {
    aio_test::run([&]() -> aio::task<> {
        auto db = co_await aio::pg::connect(m_dsn, {.statement_cache_size = 0});
        for (int k = 0; k < 5; ++k)
            co_await add(db, k);
        EXPECT_EQ(co_await db.fetchval<long>(count_sql), 0);
    });
}

TEST_F(pg_statement_cache, a_statement_whose_table_changed_is_prepared_again_transparently) {
    aio_test::run([&]() -> aio::task<> {
        auto db = co_await aio::pg::connect(m_dsn);
        co_await db.execute("CREATE TEMP TABLE ch(a int)");
        co_await db.execute("INSERT INTO ch VALUES (1)");
        EXPECT_EQ((co_await db.fetch("SELECT * FROM ch")).columns(), 1);
        co_await db.execute("ALTER TABLE ch ADD COLUMN b int");
        // The cached plan's result type changed (0A000): the driver prepares it again and
        // retries once; the caller sees the new shape, not the error.
        EXPECT_EQ((co_await db.fetch("SELECT * FROM ch")).columns(), 2);
        // The stale statement was deallocated: one server-side statement for this text.
        EXPECT_EQ(co_await db.fetchval<long>("SELECT count(*) FROM pg_prepared_statements "
                                             "WHERE statement = 'SELECT * FROM ch'"),
                  1);
    });
}

TEST_F(pg_statement_cache, a_stale_statement_inside_a_transaction_fails_the_transaction) {
    aio_test::run([&]() -> aio::task<> {
        auto db = co_await aio::pg::connect(m_dsn);
        co_await db.execute("CREATE TEMP TABLE ct(a int)");
        EXPECT_EQ((co_await db.fetch("SELECT * FROM ct")).columns(), 1);
        co_await db.execute("ALTER TABLE ct ADD COLUMN b int");
        // Inside a transaction a retry cannot help (the transaction is aborted): the error
        // reaches the caller and the transaction rolls back.
        std::string state;
        try {
            co_await aio::with(db.transaction(), [&](aio::pg::transaction&) -> aio::task<> {
                co_await db.execute("INSERT INTO ct VALUES ($1, 2)", 1);
                co_await db.fetch("SELECT * FROM ct");
            });
        } catch (const aio::pg::error& e) {
            state = e.sqlstate();
        }
        EXPECT_EQ(state, "0A000");
        EXPECT_EQ(co_await db.fetchval<long>("SELECT count(*) FROM ct"), 0);
        EXPECT_EQ((co_await db.fetch("SELECT * FROM ct")).columns(), 2); // prepared afresh
    });
}

TEST_F(pg_statement_cache, a_deallocate_refused_in_an_aborted_transaction_is_sent_again_later) {
    aio_test::run([&]() -> aio::task<> {
        auto db = co_await aio::pg::connect(m_dsn, {.statement_cache_size = 3});
        co_await add(db, 1);
        co_await add(db, 2);
        co_await add(db, 3);
        co_await db.execute("BEGIN"); // the caller's own transaction block (not tracked)
        EXPECT_THROW(co_await db.fetchval<int>("SELECT 1 / $1::int", 0), aio::pg::error);
        // The transaction is aborted: the query fails, and so does the DEALLOCATE of the
        // statement it evicted (25P02), which is kept for later.
        EXPECT_THROW(co_await add(db, 4), aio::pg::error);
        co_await db.execute("ROLLBACK");
        // The next query carries it: of the family only "+ 3" is left ("+ 1" went when
        // the division came in, "+ 4" was never prepared).
        EXPECT_EQ(co_await prepared(db), "SELECT $1::int + 3");
    });
}
