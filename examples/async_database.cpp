// The practical guide's AsyncDatabase, made real with aio::pg: __aenter__ opens a
// PostgreSQL connection, __aexit__ closes it. With aio::with the close runs whether the
// body returns or throws, as with Python's `async with`.
//
// The server: the DSN given as the first argument or in $AIO_PG_DSN (the example then
// creates a table `users` there if it is missing), else a throw-away PostgreSQL started
// for the run (initdb in a temporary directory; needs the Debian package postgresql).
#include "support/pg_server.hpp" // the throw-away server (tests/support)

#include <aio/aio.hpp>

#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

aio::task<> setup(std::string dsn) {
    auto db = co_await aio::pg::connect(dsn);
    co_await db.execute("CREATE TABLE IF NOT EXISTS users(id serial PRIMARY KEY, name text)");
    if (co_await db.fetchval<long>("SELECT count(*) FROM users") == 0) {
        static const char* const names[] = {"alice", "bob", "carol"}; // no initializer_list
        for (const char* name : names)                                // across co_await (GCC 12)
            co_await db.execute("INSERT INTO users(name) VALUES ($1)", name);
    }
}

class AsyncDatabase {
  public:
    explicit AsyncDatabase(std::string dsn) : m_dsn(std::move(dsn)) {}

    aio::task<AsyncDatabase&> enter() { // __aenter__
        std::cout << "Connecting...\n";
        m_connection = co_await aio::pg::connect(m_dsn);
        co_return *this;
    }
    aio::task<> exit(std::exception_ptr) { // __aexit__
        co_await m_connection.close();
        std::cout << "Connection closed\n";
    }
    aio::task<std::vector<std::string>> query(std::string sql) {
        std::cout << "Query: " << sql << "\n";
        std::vector<std::string> names;
        for (auto& row : co_await m_connection.fetch(sql))
            names.push_back(row.get<std::string>("name"));
        co_return names;
    }

  private:
    std::string m_dsn;
    aio::pg::connection m_connection;
};

aio::task<> amain(std::string dsn) {
    co_await setup(dsn);

    co_await aio::with(AsyncDatabase(dsn), [](AsyncDatabase& db) -> aio::task<> {
        std::vector<std::string> data = co_await db.query("SELECT * FROM users");
        std::cout << "Got " << data.size() << " rows\n";
    });

    // The connection is closed on the way out of an exception too.
    try {
        co_await aio::with(AsyncDatabase(dsn), [](AsyncDatabase& db) -> aio::task<> {
            co_await db.query("SELECT * FROM nowhere");
        });
    } catch (const aio::pg::error& e) {
        if (e.sqlstate() != "42P01") // undefined_table
            throw;
        std::cout << "Caught error: no such table in: " << e.query() << "\n";
    }
}

int main(int argc, char** argv) {
    std::string dsn = argc > 1 ? argv[1] : "";
    if (dsn.empty() && std::getenv("AIO_PG_DSN"))
        dsn = std::getenv("AIO_PG_DSN");
    aio_test::pg_server server;
    if (dsn.empty()) {
        std::string why;
        if (!server.start(&why)) {
            std::cerr << "async_database: no DSN given and no throw-away server: " << why << "\n";
            return 1;
        }
        dsn = server.dsn();
    }
    aio::run(amain(dsn));
}
