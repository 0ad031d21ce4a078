// aio::pg::connection: one PostgreSQL session over libpq's non-blocking API (asyncpg's
// Connection).
#pragma once

#include <aio/core/generator.hpp>
#include <aio/core/task.hpp>
#include <aio/pg/errors.hpp>
#include <aio/pg/params.hpp>
#include <aio/pg/row.hpp>

#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>

namespace aio::pg {

namespace detail {
class conn_state; // src/pg/conn_state.hpp
}

/// Options of aio::pg::connect. Trivially destructible (GCC 12 destroys owning members of
/// an aggregate temporary twice inside a co_await; docs/design/core.md).
struct connect_options {
    /// Bound on the whole connect (DNS, TCP, TLS, authentication); 0: none. A DSN's own
    /// connect_timeout applies too.
    std::chrono::milliseconds timeout{30000};
    /// Prepared statements kept per connection (asyncpg's statement_cache_size). Beyond it
    /// the least recently used one is evicted and DEALLOCATEd on the server (pipelined with
    /// the query that evicted it: no round trip of its own). 0: never prepare; queries then
    /// use the unnamed statement, parsed on every call.
    std::uint32_t statement_cache_size = 100;
};
static_assert(std::is_trivially_destructible_v<connect_options>);

/// A LISTEN notification (NOTIFY channel, 'payload').
struct notification {
    std::string channel;
    std::string payload;
    int sender_pid = 0;
};

class connection;

/// A transaction as an async context manager (asyncpg's `async with conn.transaction()`):
/// enter() sends BEGIN, or SAVEPOINT when the connection is already in a transaction of
/// this driver's; exit() sends COMMIT / RELEASE SAVEPOINT when the body returned, ROLLBACK /
/// ROLLBACK TO SAVEPOINT when it threw or was cancelled (aio::with runs exit shielded, so
/// the rollback is sent even then). When the connection was lost meanwhile exit() does
/// nothing: the server has rolled back already.
///
///     co_await aio::with(db.transaction(), [&](aio::pg::transaction&) -> aio::task<> {
///         co_await db.execute("UPDATE accounts SET balance = balance - $1 WHERE id = $2", 10, 1);
///         co_await db.execute("UPDATE accounts SET balance = balance + $1 WHERE id = $2", 10, 2);
///     });
///
/// Also usable by hand: start(), then commit() or rollback().
class transaction {
  public:
    explicit transaction(std::shared_ptr<detail::conn_state> s) noexcept : m_state(std::move(s)) {}
    [[nodiscard]] task<transaction&> enter();
    [[nodiscard]] task<void> exit(std::exception_ptr e);
    [[nodiscard]] task<void> start();
    [[nodiscard]] task<void> commit();
    [[nodiscard]] task<void> rollback();
    /// 1 for the outermost transaction, 2 for a savepoint inside it...; 0 before start().
    int depth() const noexcept { return m_depth; }

  private:
    task<void> finish(bool commit);
    std::shared_ptr<detail::conn_state> m_state;
    int m_depth = 0;
    bool m_open = false;
};

/// One connection to PostgreSQL, made by aio::pg::connect. Loop thread only (the loop it
/// was made on). Move-only.
///
/// Queries take `$1..$n` parameters bound from C++ values (integers, floating point, bool,
/// strings, aio::pg::bytes, std::chrono::system_clock::time_point, std::chrono::sys_days,
/// std::optional (NULL when empty), std::nullopt, nlohmann::json with <aio/pg/json.hpp>).
/// Rows come back in binary format and are read with row.get<T>.
///
/// Concurrency: several tasks may query one connection at once; their queries are
/// pipelined (libpq pipeline mode: sent without waiting for the previous answers, answered
/// in order), so N concurrent queries cost one round trip, not N. Each query is its own
/// implicit transaction unless a transaction() is open, which then covers every query on
/// the connection.
///
/// Errors: aio::pg::error (with SQLSTATE, detail, query), unique_violation,
/// foreign_key_violation, connection_error (the connection is then closed), decode_error.
///
/// Cancellation: a cancelled (or timed-out) query stops waiting at once; if the server is
/// still running it, a cancel request is sent (from a pool thread: libpq 15's PQcancel
/// blocks) and its answer is read and dropped, so the connection stays usable. Beware that
/// a cancel request stops whatever the backend runs when it arrives, and queries pipelined
/// behind the cancelled one on the same connection may be hit.
///
/// Lifetime: destroying the connection closes it (its queries must have finished). The
/// socket waits on the loop's backend: no thread per connection or query.
///
///     auto db = co_await aio::pg::connect("postgresql://app@127.0.0.1:5432/app");
///     auto rows = co_await db.fetch("SELECT id, name FROM users WHERE id > $1", 10);
///     long n = co_await db.fetchval<long>("SELECT count(*) FROM users");
///     co_await db.execute("INSERT INTO users(name) VALUES ($1)", "ann");
class connection {
  public:
    connection() noexcept = default;
    explicit connection(std::shared_ptr<detail::conn_state> s) noexcept;
    connection(connection&&) noexcept = default;
    connection& operator=(connection&& o) noexcept;
    ~connection();

    /// All rows of a query.
    template <class... A> [[nodiscard]] task<result> fetch(std::string sql, const A&... args) {
        return query(std::move(sql), detail::encode_all(args...));
    }
    /// The first row, or nullopt when there is none.
    template <class... A>
    [[nodiscard]] task<std::optional<row>> fetchrow(std::string sql, const A&... args) {
        return first_row(query(std::move(sql), detail::encode_all(args...)));
    }
    /// The first column of the first row as T (decode_error when there is no row, unless T
    /// is std::optional: nullopt then).
    template <class T, class... A>
    [[nodiscard]] task<T> fetchval(std::string sql, const A&... args) {
        return first_value<T>(query(std::move(sql), detail::encode_all(args...)));
    }
    /// Runs a command; returns its tag ("INSERT 0 1"). Without arguments the text may hold
    /// several statements separated by semicolons (simple query protocol, as asyncpg).
    template <class... A>
    [[nodiscard]] task<std::string> execute(std::string sql, const A&... args) {
        if constexpr (sizeof...(A) == 0)
            return execute_script(std::move(sql));
        else
            return command_tag(query(std::move(sql), detail::encode_all(args...)));
    }
    /// A transaction context manager (see aio::pg::transaction).
    [[nodiscard]] pg::transaction transaction() const;
    /// Notifications on `channel` (LISTEN, sent when the generator first runs), as they
    /// arrive; ends only with the connection (connection_error) or by cancellation.
    /// Notifications that arrive while no listen() generator waits for their channel are
    /// queued (up to 10,000 per connection, then the oldest are dropped).
    [[nodiscard]] generator<notification> listen(std::string channel);
    /// COPY ... FROM STDIN: sends `data` (in the COPY's format, e.g. tab-separated lines)
    /// and returns the number of rows copied. `chunks` yields the data in pieces, so a
    /// large copy streams without being held in memory at once.
    [[nodiscard]] task<std::uint64_t> copy_in(std::string sql, generator<std::string> chunks);
    /// COPY ... TO STDOUT: the data as it arrives, one chunk (a row, for the text and CSV
    /// formats) at a time. The connection serves nothing else until the generator ends.
    [[nodiscard]] generator<std::string> copy_out(std::string sql);

    /// Closes the connection (sends Terminate). Idempotent.
    [[nodiscard]] task<void> close();
    bool is_closed() const noexcept;
    /// No query waiting or running.
    bool is_idle() const noexcept;
    /// The server process serving this connection (pg_backend_pid()).
    int backend_pid() const noexcept;
    /// The server's version number, e.g. 150018.
    int server_version() const noexcept;

    /// The type-erased query every call above funnels into.
    [[nodiscard]] task<result> query(std::string sql, detail::params p);
    std::shared_ptr<detail::conn_state> const& state() const noexcept { return m_state; }

  private:
    static task<std::optional<row>> first_row(task<result> q);
    static task<std::string> command_tag(task<result> q);
    task<std::string> execute_script(std::string sql);
    template <class T> static task<T> first_value(task<result> q) {
        result r = co_await std::move(q);
        if (r.empty()) {
            if constexpr (detail::is_optional<T>::value)
                co_return std::nullopt;
            else
                throw decode_error("aio::pg: fetchval: the query returned no rows");
        }
        co_return r[0].get<T>(0);
    }

    std::shared_ptr<detail::conn_state> m_state;
};

/// Connects (asyncpg.connect): `dsn` is a URI ("postgresql://user:pw@host:port/db?sslmode=
/// require") or key=value pairs ("host=127.0.0.1 port=5432 dbname=app"), as libpq reads
/// them (TLS through sslmode). Throws connection_error with libpq's reason;
/// aio::timeout_error after options.timeout.
[[nodiscard]] task<connection> connect(std::string dsn, connect_options options = {});

} // namespace aio::pg
