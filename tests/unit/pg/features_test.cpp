// LISTEN/NOTIFY as an async generator; COPY in and out as streams.
#include "pg_fixture.hpp"

using namespace std::chrono_literals;

TEST_F(pg_listen, delivers_notifications_in_order_as_a_generator) {
    aio_test::run([&]() -> aio::task<> {
        auto listener = co_await aio::pg::connect(m_dsn);
        auto sender = co_await aio::pg::connect(m_dsn);
        auto gen = listener.listen("jobs");
        auto first = aio::create_task(gen.next()); // sends LISTEN, then waits
        // Bounded wait until LISTEN is in place (500 x 10 ms).
        for (int i = 0; i < 500 && (co_await sender.fetchval<long>(
                                       "SELECT count(*) FROM pg_stat_activity WHERE query LIKE "
                                       "'LISTEN%'")) == 0;
             ++i)
            co_await aio::sleep(10ms);
        co_await sender.execute("SELECT pg_notify($1, $2)", "jobs", "a");
        co_await sender.execute("SELECT pg_notify($1, $2)", "other", "ignored");
        co_await sender.execute("SELECT pg_notify($1, $2)", "jobs", "b");
        auto n1 = co_await aio::wait_for(first, 30s);
        AIO_CO_ASSERT(n1);
        EXPECT_EQ(n1->channel, "jobs");
        EXPECT_EQ(n1->payload, "a");
        EXPECT_EQ(n1->sender_pid, sender.backend_pid());
        auto n2 = co_await aio::wait_for(gen.next(), 30s);
        AIO_CO_ASSERT(n2);
        EXPECT_EQ(n2->payload, "b");
        // Queries still run on the listening connection.
        EXPECT_EQ(co_await listener.fetchval<int>("SELECT 1"), 1);
    });
}

namespace {
aio::generator<std::string> lines(int n) {
    for (int i = 1; i <= n; ++i) {
        if (i % 100 == 0)
            co_await aio::sleep(0s);
        co_yield std::to_string(i) + "\tname " + std::to_string(i) + "\n";
    }
}
aio::generator<std::string> bad_data() {
    co_yield "1\tok\n";
    co_yield "not-a-number\tx\n";
}
aio::generator<std::string> failing() {
    co_yield "1\tx\n";
    throw std::runtime_error("source broke");
}
} // namespace

TEST_F(pg_copy, copies_in_from_a_generator_and_out_as_a_stream) {
    aio_test::run([&]() -> aio::task<> {
        auto db = co_await aio::pg::connect(m_dsn);
        co_await db.execute("CREATE TEMP TABLE items(id int, name text)");
        auto n = co_await db.copy_in("COPY items FROM STDIN", lines(5000));
        EXPECT_EQ(n, 5000u);
        EXPECT_EQ(co_await db.fetchval<long>("SELECT sum(id) FROM items"), 5000L * 5001 / 2);
        auto out =
            db.copy_out("COPY (SELECT id, name FROM items WHERE id <= 3 ORDER BY id) TO STDOUT");
        std::vector<std::string> got;
        while (auto chunk = co_await out.next())
            got.push_back(*chunk);
        EXPECT_EQ(got, (std::vector<std::string>{"1\tname 1\n", "2\tname 2\n", "3\tname 3\n"}));
        // A source that fails aborts the COPY: no row of it stays.
        EXPECT_THROW(co_await db.copy_in("COPY items FROM STDIN", failing()), std::runtime_error);
        EXPECT_EQ(co_await db.fetchval<long>("SELECT count(*) FROM items"), 5000);
        // Bad data is the server's error; the connection is still usable.
        EXPECT_THROW(co_await db.copy_in("COPY items FROM STDIN", bad_data()), aio::pg::error);
        EXPECT_EQ(co_await db.copy_in("COPY items FROM STDIN", lines(0)), 0u);
        // A COPY TO abandoned half-way: the rest is drained, the connection serves on.
        {
            auto big = db.copy_out("COPY items TO STDOUT");
            EXPECT_TRUE(co_await big.next());
        }
        EXPECT_EQ(co_await aio::wait_for(db.fetchval<long>("SELECT count(*) FROM items"), 30s),
                  5000);
    });
}
