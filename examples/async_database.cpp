// The practical guide's AsyncDatabase, made runnable: __aenter__ opens a (simulated)
// connection, __aexit__ closes it. With aio::with the close runs whether the body returns
// or throws, as with Python's `async with`.
// Times are scaled down from the Python original: 1 s -> 100 ms.
#include <aio/aio.hpp>

#include <exception>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

using namespace std::chrono_literals;

class Connection {
  public:
    aio::task<std::vector<std::string>> query(std::string sql) {
        std::cout << "Query: " << sql << "\n";
        co_await aio::sleep(50ms); // the round trip to the server
        if (sql.find("FROM users") == std::string::npos) {
            throw std::invalid_argument("no such table in: " + sql);
        }
        co_return std::vector<std::string>{"alice", "bob", "carol"};
    }
    aio::task<> close() {
        co_await aio::sleep(10ms);
        std::cout << "Connection closed\n";
    }
};

aio::task<Connection> create_connection() {
    std::cout << "Connecting...\n";
    co_await aio::sleep(50ms);
    co_return Connection();
}

class AsyncDatabase {
  public:
    aio::task<AsyncDatabase&> enter() { // __aenter__
        m_connection = co_await create_connection();
        co_return *this;
    }
    aio::task<> exit(std::exception_ptr) { // __aexit__
        co_await m_connection.close();
    }
    aio::task<std::vector<std::string>> query(std::string sql) {
        return m_connection.query(std::move(sql));
    }

  private:
    Connection m_connection;
};

aio::task<> amain() {
    co_await aio::with(AsyncDatabase(), [](AsyncDatabase& db) -> aio::task<> {
        std::vector<std::string> data = co_await db.query("SELECT * FROM users");
        std::cout << "Got " << data.size() << " rows\n";
    });

    // The connection is closed on the way out of an exception too.
    try {
        co_await aio::with(AsyncDatabase(), [](AsyncDatabase& db) -> aio::task<> {
            co_await db.query("SELECT * FROM nowhere");
        });
    } catch (const std::invalid_argument& e) {
        std::cout << "Caught error: " << e.what() << "\n";
    }
}

int main() {
    aio::run(amain());
}
