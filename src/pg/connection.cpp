// aio::pg::connection's public face: connect, queries, transactions, LISTEN, COPY.
#include "pg/conn_state.hpp"

#include <aio/core/detail/loop_core.hpp>
#include <aio/core/timeout.hpp>

namespace aio::pg {

using detail::conn_state;
using detail::request;

// ---- connect ----

namespace {

struct pgconn_guard {
    PGconn* c = nullptr;
    int fd = -1;
    ~pgconn_guard() {
        if (c) {
            detail::forget_fd(fd);
            PQfinish(c);
        }
    }
};

task<connection> connect_impl(std::string dsn, connect_options o) {
    pgconn_guard g;
    g.c = PQconnectStart(dsn.c_str());
    if (!g.c)
        throw connection_error("aio::pg: out of memory starting a connection");
    if (PQstatus(g.c) == CONNECTION_BAD)
        std::rethrow_exception(detail::make_conn_error(g.c, "connect"));
    PostgresPollingStatusType st = PGRES_POLLING_WRITING;
    for (;;) {
        // libpq may move to another socket (next host, retry without TLS): the backend
        // forgets the old number each step.
        detail::forget_fd(g.fd);
        g.fd = PQsocket(g.c);
        if (st == PGRES_POLLING_OK)
            break;
        if (st == PGRES_POLLING_FAILED || g.fd < 0)
            std::rethrow_exception(detail::make_conn_error(g.c, "connect"));
        detail::socket_wait w(g.fd, st == PGRES_POLLING_READING, st != PGRES_POLLING_READING);
        co_await w;
        st = PQconnectPoll(g.c);
    }
    // Server notices (e.g. "there is no transaction in progress") are not errors: libpq
    // would print them on stderr.
    PQsetNoticeProcessor(
        g.c, [](void*, const char*) {}, nullptr);
    if (PQsetnonblocking(g.c, 1) != 0 || PQenterPipelineMode(g.c) != 1)
        std::rethrow_exception(detail::make_conn_error(g.c, "connect"));
    auto s = std::make_shared<conn_state>(std::exchange(g.c, nullptr), o);
    s->start();
    co_return connection(std::move(s));
}

} // namespace

task<connection> connect(std::string dsn, connect_options options) {
    if (options.timeout.count() > 0)
        co_return co_await wait_for(connect_impl(std::move(dsn), options), options.timeout);
    co_return co_await connect_impl(std::move(dsn), options);
}

// ---- connection ----

connection::connection(std::shared_ptr<conn_state> s) noexcept : m_state(std::move(s)) {}

connection& connection::operator=(connection&& o) noexcept {
    if (this != &o) {
        if (m_state)
            m_state->close_soon();
        m_state = std::move(o.m_state);
    }
    return *this;
}

connection::~connection() {
    if (m_state)
        m_state->close_soon();
}

bool connection::is_closed() const noexcept {
    return !m_state || m_state->broken();
}

bool connection::is_idle() const noexcept {
    return m_state && m_state->idle();
}

int connection::backend_pid() const noexcept {
    return m_state && m_state->m_conn ? PQbackendPID(m_state->m_conn) : 0;
}

int connection::server_version() const noexcept {
    return m_state && m_state->m_conn ? PQserverVersion(m_state->m_conn) : 0;
}

namespace detail {

namespace {
bool in_failed_transaction(const std::exception_ptr& e) {
    try {
        if (e)
            std::rethrow_exception(e);
    } catch (const error& x) {
        return x.sqlstate() == "25P02";
    } catch (...) {
    }
    return false;
}

/// Queues one request for `sql` and waits for its answer.
task<std::shared_ptr<request>> run_once(conn_state* s, std::string sql, params p) {
    auto r = std::make_shared<request>();
    r->m_sql = std::move(sql);
    r->m_params = std::move(p);
    s->submit(r);
    detail::request_awaiter a;
    a.m_req = r.get();
    a.m_state = s;
    co_await a;
    co_return r;
}
} // namespace

task<result> run_query(std::shared_ptr<conn_state> s, std::string sql, params p) {
    if (!s || s->broken())
        s ? s->throw_broken() : throw connection_error("aio::pg: the connection is closed");
    aio::detail::check_cancelled(); // do not send what nobody will wait for
    auto r = co_await run_once(s.get(), std::move(sql), std::move(p));
    // A cached statement whose plan went stale (the schema changed under it: 0A000,
    // "cached plan must not change result type") has been dropped from the cache; outside
    // a transaction the query is prepared afresh and run once more, as asyncpg does. Inside
    // one the transaction is aborted already, so the error is the caller's to see.
    if (r->m_error && r->m_stale && !s->broken() && s->m_tx_depth == 0 &&
        PQtransactionStatus(s->m_conn) != PQTRANS_INERROR) {
        auto again = co_await run_once(s.get(), std::move(r->m_sql), std::move(r->m_params));
        // 25P02: a transaction block of the caller's own (BEGIN by hand) was aborted by
        // the first failure; that one is the error to report.
        if (!in_failed_transaction(again->m_error))
            r = std::move(again);
    }
    if (r->m_error)
        std::rethrow_exception(r->m_error);
    PGresult* res = std::exchange(r->m_result, nullptr);
    if (!res)
        throw error("aio::pg: the server sent no result", {}, {}, {}, r->m_sql);
    // Owned here until result_data holds it (its constructor allocates and may throw).
    std::unique_ptr<PGresult, void (*)(PGresult*)> own(res, &PQclear);
    auto data = std::make_shared<const detail::result_data>(res);
    own.release();
    co_return result(std::move(data));
}

} // namespace detail

namespace {
using detail::run_query;

/// Gives an exclusive connection back when the task leaves: clean (pipeline mode again)
/// after done(), otherwise the pump drains what the server still sends.
struct exclusive_guard {
    std::shared_ptr<conn_state> s;
    bool clean = false;
    ~exclusive_guard() {
        if (s)
            s->release_exclusive(clean);
    }
};

/// Reads the results of a query sent out of pipeline mode until libpq's NULL; the last
/// one is returned, the first error thrown (after the rest were read).
task<PGresult*> simple_results(conn_state& s, const std::string& sql, bool stop_at_copy) {
    PGresult* last = nullptr;
    std::exception_ptr err;
    for (;;) {
        if (PQisBusy(s.m_conn)) {
            const int f = PQflush(s.m_conn);
            if (f < 0)
                std::rethrow_exception(detail::make_conn_error(s.m_conn, "send"));
            co_await s.wait_socket(true, f > 0);
            if (PQconsumeInput(s.m_conn) == 0) {
                s.sync_fd();
                if (last)
                    PQclear(last);
                auto e = detail::make_conn_error(s.m_conn, "connection lost");
                s.set_broken(e);
                std::rethrow_exception(e);
            }
            continue;
        }
        PGresult* r = PQgetResult(s.m_conn);
        if (!r)
            break;
        const auto st = PQresultStatus(r);
        if (st == PGRES_FATAL_ERROR) {
            if (!err)
                err = detail::make_error(r, sql);
            PQclear(r);
            continue;
        }
        if (last)
            PQclear(last);
        last = r;
        if (stop_at_copy && (st == PGRES_COPY_IN || st == PGRES_COPY_OUT))
            break;
    }
    if (err) {
        if (last)
            PQclear(last);
        std::rethrow_exception(err);
    }
    co_return last;
}

} // namespace

task<result> connection::query(std::string sql, detail::params p) {
    return run_query(m_state, std::move(sql), std::move(p));
}

task<std::optional<row>> connection::first_row(task<result> q) {
    result r = co_await std::move(q);
    if (r.empty())
        co_return std::nullopt;
    co_return r[0];
}

task<std::string> connection::command_tag(task<result> q) {
    result r = co_await std::move(q);
    co_return std::string(r.command_tag());
}

namespace {
task<std::string> script(std::shared_ptr<conn_state> s, std::string sql) {
    if (!s)
        throw connection_error("aio::pg: the connection is closed");
    co_await s->acquire_exclusive();
    exclusive_guard g{s};
    if (PQsendQuery(s->m_conn, sql.c_str()) != 1)
        std::rethrow_exception(detail::make_conn_error(s->m_conn, "send"));
    PGresult* last = co_await simple_results(*s, sql, true);
    const auto st = last ? PQresultStatus(last) : PGRES_EMPTY_QUERY;
    std::string tag = last ? PQcmdStatus(last) : "";
    if (last)
        PQclear(last);
    if (st == PGRES_COPY_IN || st == PGRES_COPY_OUT)
        throw error("aio::pg: execute() cannot run COPY FROM STDIN / TO STDOUT; use copy_in() "
                    "or copy_out()",
                    {}, {}, {}, sql); // the guard's drain ends the COPY
    g.clean = true;
    co_return tag;
}
} // namespace

task<std::string> connection::execute_script(std::string sql) {
    return script(m_state, std::move(sql));
}

task<void> connection::close() {
    if (m_state)
        m_state->close_soon();
    co_return;
}

pg::transaction connection::transaction() const {
    return pg::transaction(m_state);
}

// ---- LISTEN ----

namespace {
std::string quote_ident(const std::string& s) {
    std::string q = "\"";
    for (char c : s) {
        if (c == '"')
            q.push_back('"');
        q.push_back(c);
    }
    q.push_back('"');
    return q;
}

struct subscription {
    std::shared_ptr<conn_state> s;
    std::string channel;
    ~subscription() { s->unsubscribe(channel); }
};
} // namespace

namespace {
generator<notification> listen_impl(std::shared_ptr<conn_state> s, std::string channel) {
    if (!s)
        throw connection_error("aio::pg: the connection is closed");
    s->subscribe(channel);
    subscription sub{s, channel};
    co_await run_query(s, "LISTEN " + quote_ident(channel), detail::params());
    for (;;)
        co_yield co_await s->next_notification(channel);
}
} // namespace

// Not coroutines themselves: the generators hold the state, not `this` (the connection
// handle may move or go away before the generator first runs).
generator<notification> connection::listen(std::string channel) {
    return listen_impl(m_state, std::move(channel));
}

// ---- COPY ----

namespace {
/// PQputCopyData, waiting while libpq's buffer is full.
task<void> put_copy(conn_state& s, const char* data, int n) {
    for (;;) {
        const int r = PQputCopyData(s.m_conn, data, n);
        if (r < 0)
            std::rethrow_exception(detail::make_conn_error(s.m_conn, "COPY"));
        if (r == 1)
            co_return;
        co_await s.wait_socket(false, true);
    }
}

/// Sends a COPY statement (the connection held exclusively) and reads up to its start;
/// false if the statement was not a COPY in the wanted direction (it then ran to its end).
static task<bool> start_copy(conn_state& s, const std::string& sql, ExecStatusType want) {
    if (PQsendQuery(s.m_conn, sql.c_str()) != 1)
        std::rethrow_exception(detail::make_conn_error(s.m_conn, "send"));
    PGresult* start = co_await simple_results(s, sql, true);
    const bool copying = start && PQresultStatus(start) == want;
    if (start)
        PQclear(start);
    co_return copying;
}

task<std::uint64_t>
copy_in_impl(std::shared_ptr<conn_state> s, std::string sql, generator<std::string> chunks) {
    if (!s)
        throw connection_error("aio::pg: the connection is closed");
    co_await s->acquire_exclusive();
    exclusive_guard g{s};
    if (!co_await start_copy(*s, sql, PGRES_COPY_IN)) {
        g.clean = true; // the statement ran to its end
        throw error("aio::pg: copy_in() needs a COPY ... FROM STDIN statement", {}, {}, {}, sql);
    }
    std::exception_ptr producer_error;
    try {
        while (auto chunk = co_await chunks.next()) {
            std::string_view v = *chunk;
            while (!v.empty()) {
                const std::size_t n = std::min<std::size_t>(v.size(), 1 << 20);
                co_await put_copy(*s, v.data(), static_cast<int>(n));
                v.remove_prefix(n);
            }
            const int f = PQflush(s->m_conn);
            if (f > 0)
                co_await s->wait_socket(true, true);
            else if (f < 0)
                std::rethrow_exception(detail::make_conn_error(s->m_conn, "COPY"));
        }
    } catch (const cancelled_error&) {
        throw; // the guard's drain aborts the COPY
    } catch (...) {
        producer_error = std::current_exception();
    }
    // A failing producer aborts the COPY (the server rolls back every row of it).
    if (PQputCopyEnd(s->m_conn, producer_error ? "aio::pg: the data source failed" : nullptr) < 0)
        std::rethrow_exception(detail::make_conn_error(s->m_conn, "COPY"));
    for (;;) {
        const int f = PQflush(s->m_conn);
        if (f < 0)
            std::rethrow_exception(detail::make_conn_error(s->m_conn, "COPY"));
        if (f == 0)
            break;
        co_await s->wait_socket(true, true);
        PQconsumeInput(s->m_conn);
    }
    PGresult* end = nullptr;
    try {
        end = co_await simple_results(*s, sql, false);
    } catch (...) {
        g.clean = s->m_exclusive; // every result was read
        if (producer_error)
            std::rethrow_exception(producer_error);
        throw;
    }
    g.clean = true;
    std::uint64_t n = 0;
    if (end) {
        n = std::strtoull(PQcmdTuples(end), nullptr, 10);
        PQclear(end);
    }
    if (producer_error)
        std::rethrow_exception(producer_error);
    co_return n;
}
} // namespace

task<std::uint64_t> connection::copy_in(std::string sql, generator<std::string> chunks) {
    return copy_in_impl(m_state, std::move(sql), std::move(chunks));
}

namespace {
generator<std::string> copy_out_impl(std::shared_ptr<conn_state> s, std::string sql) {
    if (!s)
        throw connection_error("aio::pg: the connection is closed");
    co_await s->acquire_exclusive();
    exclusive_guard g{s};
    if (!co_await start_copy(*s, sql, PGRES_COPY_OUT)) {
        g.clean = true;
        throw error("aio::pg: copy_out() needs a COPY ... TO STDOUT statement", {}, {}, {}, sql);
    }
    for (;;) {
        char* buf = nullptr;
        const int n = PQgetCopyData(s->m_conn, &buf, 1);
        if (n > 0) {
            std::string chunk(buf, static_cast<std::size_t>(n));
            PQfreemem(buf);
            co_yield std::move(chunk);
            continue;
        }
        if (n == 0) {
            co_await s->wait_socket(true, false);
            if (PQconsumeInput(s->m_conn) == 0) {
                auto e = detail::make_conn_error(s->m_conn, "connection lost");
                s->set_broken(e);
                std::rethrow_exception(e);
            }
            continue;
        }
        if (n == -2)
            std::rethrow_exception(detail::make_conn_error(s->m_conn, "COPY"));
        break; // -1: done; the final result follows
    }
    PGresult* end = co_await simple_results(*s, sql, false);
    if (end)
        PQclear(end);
    g.clean = true;
}
} // namespace

generator<std::string> connection::copy_out(std::string sql) {
    return copy_out_impl(m_state, std::move(sql));
}

// ---- transaction ----

task<transaction&> transaction::enter() {
    co_await start();
    co_return *this;
}

task<void> transaction::start() {
    if (m_open)
        throw invalid_state_error("aio::pg: the transaction is already started");
    if (!m_state || m_state->broken())
        m_state ? m_state->throw_broken()
                : throw connection_error("aio::pg: the connection is closed");
    const int depth = m_state->m_tx_depth + 1;
    // The SQL is built before the co_await: GCC 12 mishandles temporaries of a
    // conditional expression inside a co_await's operand.
    std::string sql =
        depth == 1 ? std::string("BEGIN") : "SAVEPOINT aio_sp_" + std::to_string(depth);
    co_await run_query(m_state, std::move(sql), detail::params());
    m_state->m_tx_depth = depth;
    m_depth = depth;
    m_open = true;
}

task<void> transaction::finish(bool commit) {
    if (!m_open)
        throw invalid_state_error("aio::pg: the transaction is not open");
    m_open = false;
    if (m_state->m_tx_depth == m_depth)
        m_state->m_tx_depth = m_depth - 1;
    if (m_state->broken())
        co_return; // the server rolled back with the session
    const std::string sp = "aio_sp_" + std::to_string(m_depth);
    if (m_depth == 1) {
        std::string sql = commit ? "COMMIT" : "ROLLBACK";
        co_await run_query(m_state, std::move(sql), detail::params());
    } else if (commit) {
        co_await run_query(m_state, "RELEASE SAVEPOINT " + sp, detail::params());
    } else {
        co_await run_query(m_state, "ROLLBACK TO SAVEPOINT " + sp, detail::params());
        co_await run_query(m_state, "RELEASE SAVEPOINT " + sp, detail::params());
    }
}

task<void> transaction::commit() {
    return finish(true);
}

task<void> transaction::rollback() {
    return finish(false);
}

task<void> transaction::exit(std::exception_ptr e) {
    if (!m_open)
        co_return;
    try {
        co_await finish(!e);
    } catch (const connection_error&) {
        if (e)
            co_return; // lost with the body's error: the body's error tells
        throw;
    }
}

} // namespace aio::pg
