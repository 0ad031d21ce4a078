// aio::pg::connection against a real server: queries, parameters, pipelining,
// cancellation, the statement cache, scripts.
#include "pg_fixture.hpp"

#include <aio/net.hpp>

#include <chrono>

using namespace std::chrono_literals;

TEST_F(pg_connection, fetches_rows_by_index_and_by_name) {
    aio_test::run([&]() -> aio::task<> {
        auto db = co_await aio::pg::connect(m_dsn);
        co_await db.execute("CREATE TEMP TABLE users(id int PRIMARY KEY, name text)");
        for (int i = 1; i <= 12; ++i)
            co_await db.execute("INSERT INTO users(id, name) VALUES ($1, $2)", i,
                                "user" + std::to_string(i));
        auto rows = co_await db.fetch("SELECT id, name FROM users WHERE id > $1 ORDER BY id", 10);
        EXPECT_EQ(rows.size(), 2u);
        EXPECT_EQ(rows.columns(), 2);
        EXPECT_EQ(rows.column_name(1), "name");
        std::vector<std::string> seen;
        for (auto& row : rows) {
            int id = row.get<int>("id");
            std::string name = row.get<std::string>(1);
            seen.push_back(std::to_string(id) + "=" + name);
        }
        EXPECT_EQ(seen, (std::vector<std::string>{"11=user11", "12=user12"}));
        long n = co_await db.fetchval<long>("SELECT count(*) FROM users");
        EXPECT_EQ(n, 12);
        auto one = co_await db.fetchrow("SELECT name FROM users WHERE id = $1", 3);
        AIO_CO_ASSERT(one);
        EXPECT_EQ(one->get<std::string>("name"), "user3");
        EXPECT_FALSE(co_await db.fetchrow("SELECT name FROM users WHERE id = $1", 99));
        EXPECT_THROW(rows[0].get<int>("nope"), std::out_of_range);
        EXPECT_THROW(rows[0].get<int>(5), std::out_of_range);
    });
}

TEST_F(pg_connection, execute_returns_the_command_tag_and_affected_rows) {
    aio_test::run([&]() -> aio::task<> {
        auto db = co_await aio::pg::connect(m_dsn);
        co_await db.execute("CREATE TEMP TABLE t(x int)");
        EXPECT_EQ(co_await db.execute("INSERT INTO t SELECT generate_series(1, $1)", 5),
                  "INSERT 0 5");
        auto r = co_await db.fetch("UPDATE t SET x = x + 1 WHERE x > $1", 2);
        EXPECT_EQ(r.affected(), 3u);
        EXPECT_EQ(r.command_tag(), "UPDATE 3");
    });
}

TEST_F(pg_connection, binds_parameters_without_splicing_them_into_the_sql) {
    aio_test::run([&]() -> aio::task<> {
        auto db = co_await aio::pg::connect(m_dsn);
        co_await db.execute("CREATE TEMP TABLE notes(body text)");
        const std::string evil = "x'); DROP TABLE notes; --";
        co_await db.execute("INSERT INTO notes(body) VALUES ($1)", evil);
        EXPECT_EQ(co_await db.fetchval<std::string>("SELECT body FROM notes"), evil);
        EXPECT_EQ(co_await db.fetchval<long>("SELECT count(*) FROM notes"), 1);
        EXPECT_THROW(co_await db.fetch("SELECT $1::text", std::string("a\0b", 3)), aio::pg::error);
    });
}

TEST_F(pg_connection, a_script_without_arguments_runs_several_statements) {
    aio_test::run([&]() -> aio::task<> {
        auto db = co_await aio::pg::connect(m_dsn);
        auto tag = co_await db.execute(
            "CREATE TEMP TABLE s(x int); INSERT INTO s VALUES (1), (2); INSERT INTO s VALUES (3)");
        EXPECT_EQ(tag, "INSERT 0 1");
        EXPECT_EQ(co_await db.fetchval<long>("SELECT sum(x) FROM s"), 6);
        EXPECT_THROW(co_await db.execute("SELECT 1; SELECT * FROM nowhere"), aio::pg::error);
        EXPECT_EQ(co_await db.fetchval<int>("SELECT 7"), 7); // still usable
    });
}

TEST_F(pg_connection, concurrent_queries_on_one_connection_get_their_own_answers) {
    aio_test::run([&]() -> aio::task<> {
        auto db = co_await aio::pg::connect(m_dsn);
        std::vector<aio::task<int>> tasks;
        for (int i = 0; i < 200; ++i) {
            tasks.push_back([](aio::pg::connection& c, int i) -> aio::task<int> {
                if (i == 57) { // one failure in the middle of the pipeline
                    try {
                        co_await c.fetchval<int>("SELECT 1/0");
                    } catch (const aio::pg::error& e) {
                        EXPECT_EQ(e.sqlstate(), "22012");
                        co_return -1;
                    }
                }
                co_return co_await c.fetchval<int>("SELECT $1::int * 2", i);
            }(db, i));
        }
        auto out = co_await aio::gather(std::move(tasks));
        for (int i = 0; i < 200; ++i)
            EXPECT_EQ(out[i], i == 57 ? -1 : 2 * i);
    });
}

TEST_F(pg_connection, prepares_each_statement_once_per_connection) {
    aio_test::run([&]() -> aio::task<> {
        auto db = co_await aio::pg::connect(m_dsn);
        for (int i = 0; i < 5; ++i)
            co_await db.fetchval<int>("SELECT $1::int + 1", i);
        auto n = co_await db.fetchval<long>(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement = 'SELECT $1::int + 1'");
        EXPECT_EQ(n, 1);
        // Without a cache, nothing is prepared.
        auto raw = co_await aio::pg::connect(m_dsn, {.statement_cache_size = 0});
        for (int i = 0; i < 3; ++i)
            co_await raw.fetchval<int>("SELECT $1::int + 1", i);
        EXPECT_EQ(co_await raw.fetchval<long>("SELECT count(*) FROM pg_prepared_statements"), 0);
    });
}

TEST_F(pg_connection,
       a_timed_out_query_is_cancelled_on_the_server_and_the_connection_stays_usable) {
    aio_test::run([&]() -> aio::task<> {
        auto db = co_await aio::pg::connect(m_dsn);
        const int pid = db.backend_pid();
        EXPECT_GT(pid, 0);
        EXPECT_THROW(co_await aio::wait_for(db.fetch("SELECT pg_sleep(60)"), 100ms),
                     aio::timeout_error);
        // Answered once the cancel request stopped the sleep, not after 60 s (the test's
        // own bound is the ctest timeout; this one keeps it short if cancelling broke).
        int v = co_await aio::wait_for(db.fetchval<int>("SELECT 5"), 30s);
        EXPECT_EQ(v, 5);
        EXPECT_EQ(db.backend_pid(), pid);
        EXPECT_TRUE(db.is_idle());
    });
}

TEST_F(pg_connection, a_cancelled_task_leaves_the_other_tasks_queries_alone) {
    aio_test::run([&]() -> aio::task<> {
        auto db = co_await aio::pg::connect(m_dsn);
        auto slow = aio::create_task(db.fetchval<int>("SELECT 1 FROM pg_sleep(0.2)"));
        auto victim = aio::create_task(db.fetchval<int>("SELECT 2"));
        auto after = aio::create_task(db.fetchval<int>("SELECT 3"));
        co_await aio::sleep(0s);
        victim.cancel(); // pipelined behind slow: its answer is read and dropped
        EXPECT_EQ(co_await slow, 1);
        EXPECT_THROW(co_await victim, aio::cancelled_error);
        EXPECT_EQ(co_await after, 3);
    });
}

TEST_F(pg_connection, connects_with_key_value_dsn_and_reports_the_server) {
    aio_test::run([&]() -> aio::task<> {
        auto db =
            co_await aio::pg::connect("host=127.0.0.1 port=" + std::to_string(m_server->port()) +
                                      " user=postgres dbname=postgres");
        EXPECT_GE(db.server_version(), 100000);
        EXPECT_EQ(co_await db.fetchval<std::string>("SELECT current_user"), "postgres");
        co_await db.close();
        EXPECT_TRUE(db.is_closed());
        EXPECT_THROW(co_await db.fetchval<int>("SELECT 1"), aio::pg::connection_error);
    });
}

TEST_F(pg_connection, closing_many_connections_leaks_no_descriptor) {
    aio_test::run([&]() -> aio::task<> {
        { auto warm = co_await aio::pg::connect(m_dsn); }
        co_await aio::sleep(10ms); // its pump ends at the next turns
        const int before = aio_test::open_fds();
        for (int i = 0; i < 10; ++i) {
            auto db = co_await aio::pg::connect(m_dsn);
            co_await db.fetchval<int>("SELECT 1");
        }
        co_await aio::sleep(10ms); // the pumps end at the next turns
        EXPECT_EQ(aio_test::open_fds(), before);
    });
}

TEST_F(pg_connection, a_connect_to_a_silent_server_times_out_without_leaking) {
    aio_test::run([&]() -> aio::task<> {
        // Accepts and never answers the startup message; ends when the client hangs up.
        auto silent = co_await aio::net::start_server(
            [](aio::net::stream s) -> aio::task<> {
                while (!(co_await s.read(4096)).empty()) {
                }
            },
            "127.0.0.1", 0);
        const std::string dsn =
            "postgresql://postgres@127.0.0.1:" + std::to_string(silent.port()) + "/postgres";
        { auto warm = co_await aio::pg::connect(m_dsn); }
        co_await aio::sleep(10ms);
        const int before = aio_test::open_fds();
        for (int i = 0; i < 3; ++i)
            EXPECT_THROW(co_await aio::pg::connect(dsn, {.timeout = 50ms}), aio::timeout_error);
        co_await aio::sleep(50ms); // the silent server sees the hang-ups and closes its ends
        EXPECT_EQ(aio_test::open_fds(), before);
        silent.close();
        co_await silent.wait_closed();
    });
}
