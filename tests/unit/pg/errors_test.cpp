// aio::pg::error: SQLSTATE, message, detail, query; violations told apart.
#include "pg_fixture.hpp"

TEST_F(pg_errors, carry_sqlstate_message_detail_hint_and_query) {
    aio_test::run([&]() -> aio::task<> {
        auto db = co_await aio::pg::connect(m_dsn);
        try {
            co_await db.fetch("SELECT * FROM nowhere WHERE id = $1", 1);
            ADD_FAILURE() << "no error";
        } catch (const aio::pg::error& e) {
            EXPECT_EQ(e.sqlstate(), "42P01");
            EXPECT_EQ(e.message(), "relation \"nowhere\" does not exist");
            EXPECT_EQ(e.query(), "SELECT * FROM nowhere WHERE id = $1");
            const std::string what = e.what();
            EXPECT_NE(what.find("42P01"), std::string::npos) << what;
            EXPECT_NE(what.find("nowhere"), std::string::npos) << what;
        }
        try {
            co_await db.execute(
                "DO $$ BEGIN RAISE EXCEPTION 'boom' USING DETAIL = 'd', HINT = 'h', "
                "ERRCODE = 'P0001'; END $$");
            ADD_FAILURE() << "no error";
        } catch (const aio::pg::error& e) {
            EXPECT_EQ(e.sqlstate(), "P0001");
            EXPECT_EQ(e.message(), "boom");
            EXPECT_EQ(e.detail(), "d");
            EXPECT_EQ(e.hint(), "h");
        }
    });
}

TEST_F(pg_errors, unique_and_foreign_key_violations_are_distinguishable) {
    aio_test::run([&]() -> aio::task<> {
        auto db = co_await aio::pg::connect(m_dsn);
        co_await db.execute("CREATE TEMP TABLE parent(id int PRIMARY KEY, name text UNIQUE); "
                            "CREATE TEMP TABLE child(pid int REFERENCES parent(id))");
        co_await db.execute("INSERT INTO parent VALUES ($1, $2)", 1, "ann");
        bool unique = false, fk = false;
        try {
            co_await db.execute("INSERT INTO parent VALUES ($1, $2)", 2, "ann");
        } catch (const aio::pg::unique_violation& e) {
            unique = e.is_unique_violation() && !e.is_foreign_key_violation();
            EXPECT_NE(e.detail().find("(name)=(ann)"), std::string::npos) << e.detail();
        }
        try {
            co_await db.execute("INSERT INTO child VALUES ($1)", 42);
        } catch (const aio::pg::foreign_key_violation& e) {
            fk = e.is_foreign_key_violation();
        }
        EXPECT_TRUE(unique);
        EXPECT_TRUE(fk);
    });
}

TEST_F(pg_errors, a_refused_connection_is_a_connection_error_with_libpq_reason) {
    aio_test::run([&]() -> aio::task<> {
        // A port nobody listens on: the server's, once it is closed, is not stable; port 1 is.
        try {
            co_await aio::pg::connect("postgresql://postgres@127.0.0.1:1/postgres");
            ADD_FAILURE() << "connected";
        } catch (const aio::pg::connection_error& e) {
            EXPECT_NE(std::string(e.what()).find("refused"), std::string::npos) << e.what();
        }
        EXPECT_THROW(co_await aio::pg::connect(m_dsn + "?user=nobody_here"),
                     aio::pg::connection_error);
        EXPECT_THROW(co_await aio::pg::connect("not a dsn ==="), aio::pg::connection_error);
    });
}
