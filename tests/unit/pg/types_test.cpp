// Values both ways: parameters bound from C++ types, binary results decoded into them.
#include "pg_fixture.hpp"

#include <chrono>
#include <cmath>
#include <limits>

using namespace std::chrono_literals;

TEST_F(pg_types, round_trips_integers_floats_bools_and_text) {
    aio_test::run([&]() -> aio::task<> {
        auto db = co_await aio::pg::connect(m_dsn);
        auto r = co_await db.fetchrow(
            "SELECT $1::int2, $2::int4, $3::int8, $4::float4, $5::float8, $6::bool, $7::text, "
            "$8::varchar",
            std::int16_t{-32768}, std::int32_t{2147483647},
            std::int64_t{-9223372036854775807LL - 1}, 1.5f, 0.1, true, std::string("héllo"),
            std::string_view("sv"));
        EXPECT_EQ(r->get<short>(0), -32768);
        EXPECT_EQ(r->get<int>(1), 2147483647);
        EXPECT_EQ(r->get<std::int64_t>(2), std::numeric_limits<std::int64_t>::min());
        EXPECT_EQ(r->get<float>(3), 1.5f);
        EXPECT_EQ(r->get<double>(4), 0.1);
        EXPECT_TRUE(r->get<bool>(5));
        EXPECT_EQ(r->get<std::string>(6), "héllo");
        EXPECT_EQ(r->get<std::string_view>(7), "sv");
        // Wider integer types read narrower columns; strings read anything printable.
        EXPECT_EQ(r->get<long long>(0), -32768);
        EXPECT_EQ(r->get<std::string>(1), "2147483647");
        EXPECT_EQ(r->get<std::string>(5), "true");
        EXPECT_EQ(r->get<double>(1), 2147483647.0);
        EXPECT_EQ(co_await db.fetchval<bool>("SELECT $1", false), false);
        EXPECT_TRUE(std::isnan(co_await db.fetchval<double>("SELECT 'NaN'::float8")));
        EXPECT_EQ(co_await db.fetchval<std::string>("SELECT $1::float8", 2.5), "2.5");
    });
}

TEST_F(pg_types, an_integer_that_does_not_fit_is_a_decode_error_naming_the_column) {
    aio_test::run([&]() -> aio::task<> {
        auto db = co_await aio::pg::connect(m_dsn);
        try {
            co_await db.fetchval<int>("SELECT 5000000000::int8 AS big");
            ADD_FAILURE() << "no error";
        } catch (const aio::pg::decode_error& e) {
            EXPECT_NE(std::string(e.what()).find("'big'"), std::string::npos) << e.what();
            EXPECT_NE(std::string(e.what()).find("5000000000"), std::string::npos) << e.what();
        }
        EXPECT_THROW(co_await db.fetchval<int>("SELECT 'x'::text"), aio::pg::decode_error);
        EXPECT_THROW(co_await db.fetchval<std::string>("SELECT '1 day'::interval"),
                     aio::pg::decode_error);
        EXPECT_EQ(co_await db.fetchval<std::string>("SELECT '1 day'::interval::text"), "1 day");
    });
}

TEST_F(pg_types, null_reads_as_an_empty_optional_and_is_an_error_otherwise) {
    aio_test::run([&]() -> aio::task<> {
        auto db = co_await aio::pg::connect(m_dsn);
        auto r = co_await db.fetchrow("SELECT NULL::text AS email, 'x'::text AS name");
        EXPECT_EQ(r->get<std::optional<std::string>>("email"), std::nullopt);
        EXPECT_EQ(r->get<std::optional<std::string>>("name"), "x");
        EXPECT_TRUE(r->is_null(0));
        try {
            (void)r->get<std::string>("email");
            ADD_FAILURE() << "no error";
        } catch (const aio::pg::decode_error& e) {
            EXPECT_NE(std::string(e.what()).find("'email'"), std::string::npos) << e.what();
            EXPECT_NE(std::string(e.what()).find("NULL"), std::string::npos) << e.what();
        }
        // NULL parameters: an empty optional, std::nullopt.
        std::optional<int> none;
        EXPECT_EQ(co_await db.fetchval<std::optional<int>>("SELECT $1::int", none), std::nullopt);
        EXPECT_EQ(co_await db.fetchval<std::optional<int>>("SELECT $1::int", std::optional<int>(4)),
                  4);
        EXPECT_EQ(co_await db.fetchval<std::optional<long>>("SELECT $1::int8", std::nullopt),
                  std::nullopt);
        EXPECT_EQ(co_await db.fetchval<std::optional<int>>("SELECT 1 WHERE false"), std::nullopt);
        EXPECT_THROW(co_await db.fetchval<int>("SELECT 1 WHERE false"), aio::pg::decode_error);
    });
}

TEST_F(pg_types, bytea_round_trips_every_byte_value) {
    aio_test::run([&]() -> aio::task<> {
        auto db = co_await aio::pg::connect(m_dsn);
        aio::pg::bytes all;
        for (int i = 0; i < 256; ++i)
            all.push_back(static_cast<std::byte>(i));
        auto back = co_await db.fetchval<aio::pg::bytes>("SELECT $1::bytea", all);
        EXPECT_EQ(back, all);
        EXPECT_EQ(co_await db.fetchval<long>("SELECT length($1::bytea)", all), 256);
        EXPECT_EQ(co_await db.fetchval<std::string>("SELECT '\\x00ff'::bytea"), "\\x00ff");
    });
}

TEST_F(pg_types, timestamptz_is_a_system_clock_time_point_and_date_sys_days) {
    aio_test::run([&]() -> aio::task<> {
        auto db = co_await aio::pg::connect(m_dsn);
        using namespace std::chrono;
        const system_clock::time_point t =
            sys_days(year(2024) / 2 / 29) + 13h + 14min + 15s + 123456us;
        EXPECT_EQ(co_await db.fetchval<system_clock::time_point>("SELECT $1::timestamptz", t), t);
        co_await db.execute("SET TimeZone = 'America/New_York'"); // binary values ignore it
        EXPECT_EQ(co_await db.fetchval<system_clock::time_point>(
                      "SELECT '2024-02-29 08:14:15.123456-05'::timestamptz"),
                  t);
        EXPECT_EQ(co_await db.fetchval<std::string>("SELECT $1::timestamptz", t),
                  "2024-02-29 13:14:15.123456+00");
        EXPECT_EQ(co_await db.fetchval<system_clock::time_point>(
                      "SELECT '1970-01-01 00:00:00'::timestamp"),
                  system_clock::time_point{});
        const sys_days d = year(1999) / 12 / 31;
        EXPECT_EQ(co_await db.fetchval<sys_days>("SELECT $1::date", d), d);
        EXPECT_EQ(co_await db.fetchval<std::string>("SELECT $1::date + 1", d), "2000-01-01");
        EXPECT_EQ(co_await db.fetchval<system_clock::time_point>("SELECT 'infinity'::timestamptz"),
                  system_clock::time_point::max());
    });
}

TEST_F(pg_types, numeric_reads_as_its_exact_decimal_string) {
    aio_test::run([&]() -> aio::task<> {
        auto db = co_await aio::pg::connect(m_dsn);
        const char* cases[] = {"0",
                               "1",
                               "-1",
                               "12345678901234567890.000120",
                               "-0.5",
                               "0.00001",
                               "10000",
                               "100000000.0000",
                               "3.14159265358979323846264338327950288",
                               "NaN",
                               "Infinity",
                               "-Infinity"};
        for (const char* c : cases) {
            EXPECT_EQ(co_await db.fetchval<std::string>("SELECT $1::numeric", std::string(c)), c);
        }
        EXPECT_EQ(co_await db.fetchval<double>("SELECT 2.5::numeric"), 2.5);
        EXPECT_EQ(co_await db.fetchval<std::string>(
                      "SELECT 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid"),
                  "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
    });
}

TEST_F(pg_types, json_and_jsonb_are_nlohmann_json) {
    aio_test::run([&]() -> aio::task<> {
        auto db = co_await aio::pg::connect(m_dsn);
        nlohmann::json doc = {{"name", "ann"}, {"tags", {1, 2, 3}}, {"ok", true}};
        EXPECT_EQ(co_await db.fetchval<nlohmann::json>("SELECT $1::jsonb", doc), doc);
        EXPECT_EQ(co_await db.fetchval<nlohmann::json>("SELECT $1::json", doc), doc);
        EXPECT_EQ(co_await db.fetchval<nlohmann::json>("SELECT $1::jsonb -> 'tags' -> 1", doc), 2);
        co_await db.execute("CREATE TEMP TABLE docs(j jsonb)");
        co_await db.execute("INSERT INTO docs VALUES ($1)", doc); // type from the column
        EXPECT_EQ(co_await db.fetchval<std::string>("SELECT j ->> 'name' FROM docs"), "ann");
    });
}
