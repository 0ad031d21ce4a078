// The connection's request queue and its pump (see conn_state.hpp for the design).
#include "pg/conn_state.hpp"

#include <aio/core/detail/loop_core.hpp>
#include <aio/core/error.hpp>
#include <aio/threads/thread_pool.hpp>

#include <algorithm>
#include <cstring>

namespace aio::pg::detail {

// ---- request_awaiter ----

bool request_awaiter::await_ready() const noexcept {
    return m_req->m_done;
}

namespace {
void on_request_cancel(aio::detail::parking* p) noexcept {
    auto* a = static_cast<request_awaiter*>(p);
    a->m_state->abandon(a->m_req);
    a->wake_cancelled();
}
} // namespace

bool request_awaiter::await_suspend(std::coroutine_handle<> h) {
    if (!begin_park(h, &on_request_cancel)) {
        m_state->abandon(m_req);
        return false;
    }
    m_req->m_waiter = this;
    return true;
}

// ---- conn_state ----

conn_state::conn_state(PGconn* c, const connect_options& o) noexcept
    : m_conn(c), m_fd(PQsocket(c)), m_options(o), m_cache(o.statement_cache_size) {}

conn_state::~conn_state() {
    if (m_conn) {
        forget_fd(m_fd);
        PQfinish(m_conn);
    }
}

void conn_state::start() {
    m_pump = create_task(pump(shared_from_this()), "aio::pg pump");
}

void conn_state::sync_fd() noexcept {
    const int fd = m_conn ? PQsocket(m_conn) : -1;
    if (fd != m_fd) {
        forget_fd(m_fd); // libpq closed it (the connection was lost)
        m_fd = fd;
    }
}

void conn_state::poke() noexcept {
    if (m_wait)
        m_wait->interrupt();
    if (m_owner_wait && broken())
        m_owner_wait->interrupt(); // the exclusive owner stops waiting for a closed connection
    m_wake_pump.set();
}

[[noreturn]] void conn_state::throw_broken() const {
    if (m_broken_error)
        std::rethrow_exception(m_broken_error);
    throw connection_error("aio::pg: the connection is closed");
}

void conn_state::set_broken(std::exception_ptr e) noexcept {
    if (!m_broken) {
        m_broken = true;
        m_broken_error = e;
    }
    sync_fd();
    auto q = std::move(m_queue);
    m_queue.clear();
    m_inflight = 0;
    for (auto& r : q) {
        if (!r->m_error)
            r->m_error = m_broken_error;
        r->m_done = true;
        if (r->m_waiter)
            r->m_waiter->wake();
    }
    while (!m_notify_waiters.empty()) {
        m_notify_waiters.front()->wake();
        m_notify_waiters.pop_front();
    }
    poke();
}

void conn_state::close_soon() noexcept {
    m_closing = true;
    set_broken(std::make_exception_ptr(connection_error("aio::pg: the connection is closed")));
}

void conn_state::submit(const std::shared_ptr<request>& r) {
    if (broken())
        throw_broken();
    m_queue.push_back(r);
    if (m_cancels > 0)
        return; // sent when the cancel request has been taken (cancel_on_pool pokes)
    if (m_exclusive || m_drain || r->m_kind == request::kind::exclusive) {
        poke(); // the pump sends it (or grants the connection) when it can
        return;
    }
    send_ready();
    if (broken())
        return;
    const int f = PQflush(m_conn);
    sync_fd();
    if (f < 0)
        set_broken(make_conn_error(m_conn, "send"));
    else if (f > 0)
        poke(); // the pump waits for the socket to take the rest
}

void conn_state::send_one(request& r) {
    const params& p = r.m_params;
    const int n = static_cast<int>(p.size());
    // The pointers into the buffer are made now: it does not move once built.
    const char* values_small[16];
    std::unique_ptr<const char*[]> values_big;
    const char** values = values_small;
    if (n > 16) {
        values_big = std::make_unique<const char*[]>(n);
        values = values_big.get();
    }
    for (int i = 0; i < n; ++i)
        values[i] = p.m_len[i] < 0 ? nullptr : p.m_buf.data() + p.m_off[i];
    const Oid* types = reinterpret_cast<const Oid*>(p.m_oid.data());
    static_assert(sizeof(Oid) == sizeof(unsigned));

    statement_cache::lookup st;
    if (m_cache.capacity() > 0 && !r.m_internal) {
        m_key.assign(r.m_sql);
        m_key.push_back('\0');
        for (unsigned t : p.m_oid) {
            m_key += std::to_string(t);
            m_key.push_back(',');
        }
        st = m_cache.get(m_key);
        // Ahead of r, which is queued last. Not inside a transaction of the driver's: a
        // DEALLOCATE that fails there (the user dropped the statement with DEALLOCATE ALL)
        // would abort the caller's transaction; they wait until it ends.
        if (m_tx_depth == 0)
            send_deallocations();
    }
    const std::string* name = st.name;
    const bool prepare = st.prepare;
    bool ok = true;
    if (name) {
        if (prepare)
            ok = PQsendPrepare(m_conn, name->c_str(), r.m_sql.c_str(), n, types) == 1;
        ok = ok && PQsendQueryPrepared(m_conn, name->c_str(), n, values, p.m_len.data(),
                                       p.m_fmt.data(), 1) == 1;
        r.m_statement = *name;
        r.m_prepared = prepare;
    } else {
        ok = PQsendQueryParams(m_conn, r.m_sql.c_str(), n, types, values, p.m_len.data(),
                               p.m_fmt.data(), 1) == 1;
    }
    ok = ok && PQpipelineSync(m_conn) == 1;
    r.m_sent = true;
    if (!ok)
        set_broken(make_conn_error(m_conn, "send"));
}

void conn_state::send_ready() {
    // Nothing new goes out while a cancel request is on its way: it could stop it. Once the
    // server has taken the request, a backend that is idle by then ignores it.
    while (!broken() && !m_exclusive && !m_drain && m_cancels == 0 && m_inflight < m_queue.size()) {
        request& r = *m_queue[m_inflight];
        if (r.m_kind == request::kind::exclusive) {
            if (m_inflight != 0)
                return; // after the pipelined ones have been answered
            if (PQexitPipelineMode(m_conn) != 1) {
                set_broken(make_conn_error(m_conn, "leave pipeline mode"));
                return;
            }
            auto granted = m_queue.front();
            m_queue.pop_front();
            m_exclusive = true;
            granted->m_done = true;
            if (granted->m_waiter)
                granted->m_waiter->wake();
            return;
        }
        ++m_inflight; // before send_one: a failure there clears the queue
        send_one(r);
    }
}

void conn_state::send_deallocations() {
    // Statements evicted from the cache (or gone stale) are dropped on the server in the
    // same flush as the query being sent (the last one counted in m_inflight), just ahead
    // of it: no round trip of their own, and gone before anything after it runs. Each is a
    // request of the driver's with its own Sync, so its failure touches no user query.
    if (m_cache.evicted().empty())
        return;
    auto names = std::move(m_cache.evicted());
    m_cache.evicted().clear();
    for (auto& name : names) {
        if (broken())
            break;
        auto d = std::make_shared<request>();
        d->m_internal = true;
        d->m_abandoned = true; // nobody awaits it
        d->m_sql = "DEALLOCATE " + name;
        m_queue.insert(m_queue.begin() + static_cast<std::ptrdiff_t>(m_inflight - 1), d);
        ++m_inflight;
        send_one(*d);
    }
}

void conn_state::complete_head() {
    auto r = std::move(m_queue.front());
    m_queue.pop_front();
    --m_inflight;
    r->m_done = true;
    if (r->m_waiter)
        r->m_waiter->wake();
    // An abandoned request that becomes the head now is not cancelled: the server has most
    // likely run it already (it was pipelined), and a late cancel request would hit
    // whatever runs next. Its answer is read and dropped.
}

bool conn_state::collect() {
    bool progressed = false;
    int nulls = 0;
    while (m_inflight > 0 && !broken()) {
        if (PQisBusy(m_conn))
            break;
        PGresult* res = PQgetResult(m_conn);
        if (!res) {
            // Ends one query's results in pipeline mode; two in a row: nothing is coming.
            if (++nulls > 2)
                break;
            continue;
        }
        nulls = 0;
        request& head = *m_queue.front();
        switch (PQresultStatus(res)) {
        case PGRES_PIPELINE_SYNC:
            PQclear(res);
            complete_head();
            progressed = true;
            break;
        case PGRES_FATAL_ERROR: {
            if (!head.m_error) {
                head.m_error = make_error(res, head.m_sql);
                // A statement whose Parse failed, or whose plan went stale (the schema
                // changed under it), is prepared afresh next time; the stale one is
                // deallocated.
                const char* state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
                const bool stale = state && std::strcmp(state, "0A000") == 0;
                const bool gone = state && std::strcmp(state, "26000") == 0;
                if (!head.m_statement.empty() &&
                    ((head.m_prepared && !head.m_result) || stale || gone))
                    m_cache.forget(head.m_statement, stale);
                head.m_stale = stale && !head.m_statement.empty();
                // A DEALLOCATE refused in an aborted transaction is sent again later.
                if (head.m_internal && state && std::strcmp(state, "25P02") == 0)
                    m_cache.evicted().push_back(head.m_sql.substr(11));
            }
            PQclear(res);
            break;
        }
        case PGRES_TUPLES_OK:
        case PGRES_COMMAND_OK:
            if (head.m_result)
                PQclear(head.m_result);
            head.m_result = res;
            break;
        default:
            PQclear(res);
            break;
        }
    }
    sync_fd();
    if (!broken() && PQstatus(m_conn) == CONNECTION_BAD)
        set_broken(make_conn_error(m_conn, "connection lost"));
    return progressed;
}

void conn_state::take_notifications() {
    while (PGnotify* n = PQnotifies(m_conn)) {
        if (m_channels.count(n->relname)) {
            if (m_notifications.size() >= 10000)
                m_notifications.pop_front();
            m_notifications.push_back(notification{n->relname, n->extra, n->be_pid});
        }
        PQfreemem(n);
    }
    if (!m_notifications.empty()) {
        while (!m_notify_waiters.empty()) {
            m_notify_waiters.front()->wake();
            m_notify_waiters.pop_front();
        }
    }
}

void conn_state::abandon(request* r) noexcept {
    r->m_waiter = nullptr;
    r->m_abandoned = true;
    if (r->m_done)
        return;
    auto it = std::find_if(m_queue.begin(), m_queue.end(),
                           [r](const std::shared_ptr<request>& q) { return q.get() == r; });
    if (it == m_queue.end())
        return;
    if (!r->m_sent) {
        m_queue.erase(it); // never sent: forget it
        return;
    }
    if (it == m_queue.begin() && !r->m_cancel_sent) {
        r->m_cancel_sent = true;
        send_cancel();
    }
}

namespace {
task<void> cancel_on_pool(PGcancel* c, std::weak_ptr<conn_state> w) {
    // PQcancel opens a connection of its own and blocks until the server has taken the
    // request (it waits for the server to close that connection): a pool thread does it
    // (libpq 15 has no non-blocking cancel; 17 adds one).
    co_await shield(to_thread([c] {
        char err[256];
        (void)PQcancel(c, err, sizeof err);
        PQfreeCancel(c);
    }));
    if (auto s = w.lock()) {
        --s->m_cancels;
        s->poke();
    }
}
} // namespace

void conn_state::send_cancel() noexcept {
    if (broken())
        return;
    PGcancel* c = PQgetCancel(m_conn);
    if (!c)
        return;
    try {
        ++m_cancels;
        spawn(cancel_on_pool(c, weak_from_this()), "aio::pg cancel");
    } catch (...) {
        --m_cancels;
        PQfreeCancel(c);
    }
}

// ---- the pump ----

task<void> pump(std::shared_ptr<conn_state> s) {
    try {
        while (!s->m_closing && !s->broken()) {
            if (s->m_exclusive) {
                s->m_wake_pump.clear();
                co_await s->m_wake_pump.wait();
                continue;
            }
            if (s->m_drain) {
                co_await s->drain();
                continue;
            }
            s->send_ready();
            if (s->broken() || s->m_exclusive)
                continue;
            const int f = PQflush(s->m_conn);
            s->sync_fd();
            if (f < 0) {
                s->set_broken(make_conn_error(s->m_conn, "send"));
                break;
            }
            if (s->collect())
                continue;
            if (s->broken())
                break;
            s->m_wake_pump.clear();
            socket_wait w(s->m_fd, true, f > 0);
            s->m_wait = &w;
            co_await w;
            s->m_wait = nullptr;
            if (w.readable() || w.error()) {
                if (PQconsumeInput(s->m_conn) == 0) {
                    s->sync_fd();
                    s->set_broken(make_conn_error(s->m_conn, "connection lost"));
                    break;
                }
                s->take_notifications();
            }
        }
    } catch (...) {
        // Cancelled: the connection is being closed (or the loop is ending).
    }
    s->m_wait = nullptr;
    s->m_pump_done = true;
    if (!s->m_broken)
        s->set_broken(
            std::make_exception_ptr(connection_error("aio::pg: the connection is closed")));
    // A task using the connection exclusively still holds libpq: release_exclusive closes.
    if (!s->m_exclusive)
        s->close_conn();
    // The state holds the handle, the handle this frame, this frame the state: break the
    // cycle (the frame goes away when this task ends).
    s->m_pump = {};
}

void conn_state::close_conn() noexcept {
    if (m_conn) {
        forget_fd(m_fd);
        PQfinish(m_conn);
        m_conn = nullptr;
        m_fd = -1;
    }
}

// ---- errors ----

std::exception_ptr make_error(const PGresult* r, const std::string& query) {
    auto field = [r](int code) {
        const char* v = PQresultErrorField(r, code);
        return std::string(v ? v : "");
    };
    std::string state = field(PG_DIAG_SQLSTATE);
    std::string message = field(PG_DIAG_MESSAGE_PRIMARY);
    if (message.empty()) {
        message = PQresultErrorMessage(r);
        while (!message.empty() && (message.back() == '\n' || message.back() == ' '))
            message.pop_back();
    }
    std::string detail = field(PG_DIAG_MESSAGE_DETAIL);
    std::string hint = field(PG_DIAG_MESSAGE_HINT);
    if (state == "23505")
        return std::make_exception_ptr(unique_violation(message, state, detail, hint, query));
    if (state == "23503")
        return std::make_exception_ptr(foreign_key_violation(message, state, detail, hint, query));
    if (state.empty() || state.compare(0, 2, "08") == 0 || state == "57P01" || state == "57P02" ||
        state == "57P03")
        return std::make_exception_ptr(connection_error(message, state, detail, hint, query));
    return std::make_exception_ptr(error(message, state, detail, hint, query));
}

std::exception_ptr make_conn_error(PGconn* c, const std::string& what) {
    std::string m = c ? PQerrorMessage(c) : "";
    while (!m.empty() && (m.back() == '\n' || m.back() == ' '))
        m.pop_back();
    if (m.empty())
        m = what;
    return std::make_exception_ptr(connection_error(m));
}

} // namespace aio::pg::detail
