// aio::pg::pool: a pool of connections (asyncpg's Pool).
#pragma once

#include <aio/core/task.hpp>
#include <aio/pg/connection.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <type_traits>

namespace aio::pg {

namespace detail {
class pool_state; // src/pg/pool.cpp
}

/// Options of aio::pg::pool. Trivially destructible (GCC 12, see connect_options).
struct pool_options {
    /// Connections opened by the first acquire() and kept open.
    std::size_t min_size = 0;
    /// Connections open at most; acquire() waits (FIFO) while all are leased.
    std::size_t max_size = 10;
    /// Bound on acquire()'s wait (0: none): aio::timeout_error after it.
    std::chrono::milliseconds acquire_timeout{0};
    /// Bound on getting a leased-back busy connection idle again (its cancelled query
    /// ending) before the pool gives up on it and closes it.
    std::chrono::milliseconds reset_timeout{10000};
    /// An idle connection unused for longer than this is closed, as long as more than
    /// min_size connections are open (asyncpg's max_inactive_connection_lifetime);
    /// 0: never.
    std::chrono::milliseconds max_idle{300000};
    connect_options connect{};
};
static_assert(std::is_trivially_destructible_v<pool_options>);

/// A connection taken from a pool: use it as a pointer (`lease->fetch(...)`). Destroying
/// the lease gives the connection back; one that is broken is closed (the pool opens a new
/// one when needed); one still busy (a query abandoned by cancellation) or inside a
/// transaction goes back only once it is idle again (after a cancel request and, if
/// needed, ROLLBACK), from a task of the pool's. Move-only.
class lease {
  public:
    lease() noexcept = default;
    lease(std::shared_ptr<detail::pool_state> pool, connection c) noexcept;
    lease(lease&&) noexcept = default;
    lease& operator=(lease&& o) noexcept;
    ~lease();
    connection* operator->() noexcept { return &m_conn; }
    connection& operator*() noexcept { return m_conn; }
    /// Gives the connection back now (as the destructor does).
    void release() noexcept;

  private:
    std::shared_ptr<detail::pool_state> m_pool;
    connection m_conn;
};

/// A pool of connections to one DSN. Loop thread only (connections belong to the loop
/// that opened them). Nothing is opened before the first acquire().
///
/// acquire() returns an idle connection, opens a new one while fewer than max_size are
/// open, else waits (FIFO) for a lease to come back; with acquire_timeout (or the
/// acquire(d) overload) the wait is bounded (aio::timeout_error). A connection that fails
/// to open throws connection_error and frees its slot.
///
///     aio::pg::pool pool("postgresql://app@127.0.0.1/app", {.max_size = 10});
///     auto c = co_await pool.acquire();
///     co_await c->execute("UPDATE counters SET n = n + 1");
///     // c's destructor gives the connection back
///
/// Destroying the pool closes its idle connections; leased ones close when their lease
/// ends. close() also waits for the connections being made idle.
class pool {
  public:
    explicit pool(std::string dsn, pool_options options = {});
    pool(pool&&) noexcept = default;
    pool& operator=(pool&&) noexcept = default;
    ~pool();

    [[nodiscard]] task<lease> acquire();
    [[nodiscard]] task<lease> acquire(std::chrono::milliseconds timeout);

    /// Conveniences: acquire, run one query, give the connection back.
    template <class... A> [[nodiscard]] task<result> fetch(std::string sql, const A&... args) {
        return query(std::move(sql), detail::encode_all(args...));
    }
    template <class... A>
    [[nodiscard]] task<std::string> execute(std::string sql, const A&... args) {
        return execute_impl(std::move(sql), detail::encode_all(args...));
    }
    template <class T, class... A>
    [[nodiscard]] task<T> fetchval(std::string sql, const A&... args) {
        return fetchval_impl<T>(this, std::move(sql), detail::encode_all(args...));
    }

    /// Closes idle connections and waits for leased-back busy ones to finish; later
    /// acquire() calls throw aio::invalid_state_error.
    [[nodiscard]] task<void> close();
    /// Connections open (idle + leased + being made idle), and idle ones.
    std::size_t size() const noexcept;
    std::size_t idle() const noexcept;

    task<result> query(std::string sql, detail::params p);

  private:
    task<std::string> execute_impl(std::string sql, detail::params p);
    template <class T> static task<T> fetchval_impl(pool* self, std::string sql, detail::params p) {
        result r = co_await self->query(std::move(sql), std::move(p));
        if (r.empty()) {
            if constexpr (detail::is_optional<T>::value)
                co_return std::nullopt;
            else
                throw decode_error("aio::pg: fetchval: the query returned no rows");
        }
        co_return r[0].get<T>(0);
    }
    std::shared_ptr<detail::pool_state> m_state;
};

} // namespace aio::pg
