// The state behind aio::pg::connection: the PGconn, the queue of requests, the pump task.
//
// Design (docs/design/pg.md): the connection stays in libpq's pipeline mode. A query is a
// `request` appended to m_queue and sent at once (Parse if its statement is not cached
// yet, Bind/Execute, Sync), so queries from concurrent tasks share round trips. One task
// per connection, the pump, reads: it waits for the socket on the loop's backend, feeds
// libpq (PQconsumeInput), takes the results in order (PQgetResult) and hands each to the
// request at the head of the queue, waking its task. The first m_inflight requests of the
// queue are sent; the rest wait behind an exclusive one.
//
// Exclusive requests (a multi-statement script, COPY) need libpq out of pipeline mode:
// when one reaches the head with nothing in flight, the pump leaves pipeline mode and
// hands the connection to the requesting task (m_exclusive), which does its own I/O and
// gives it back (release_exclusive); if it gives it back mid-way (cancellation), the pump
// drains what the server still sends (m_drain) before re-entering pipeline mode.
//
// Ownership: a request is shared by the queue and the task awaiting it; a task that is
// cancelled abandons its request (the pump drops its results; a cancel request goes to the
// server if the request is the one it is running). The state is shared by the connection
// handle, the running queries and the pump; the connection's destructor closes it.
#pragma once

#include "pg/socket_wait.hpp"
#include "pg/statement_cache.hpp"

#include <aio/core/shield.hpp>
#include <aio/core/task.hpp>
#include <aio/core/task_handle.hpp>
#include <aio/pg/connection.hpp>
#include <aio/sync/event.hpp>

#include <deque>
#include <memory>
#include <string>
#include <unordered_map>

#include <libpq-fe.h>

namespace aio::pg::detail {

struct request;

struct request_awaiter : aio::detail::parking {
    request* m_req = nullptr;
    conn_state* m_state = nullptr;
    bool await_ready() const noexcept;
    bool await_suspend(std::coroutine_handle<> h);
    void await_resume() const { throw_if_cancelled(); }
};

struct request {
    enum class kind : std::uint8_t { extended, exclusive };
    kind m_kind = kind::extended;
    std::string m_sql;
    params m_params;
    std::string m_statement; // non-empty: sent as this named (cached) statement
    bool m_prepared = false; // its Parse was sent with it
    bool m_internal = false; // the driver's own (DEALLOCATE): nobody awaits it, never cached
    bool m_stale = false;    // failed because its cached plan went stale (0A000): retry once
    bool m_sent = false;
    bool m_done = false;
    bool m_abandoned = false;
    bool m_cancel_sent = false;
    PGresult* m_result = nullptr;
    std::exception_ptr m_error;
    request_awaiter* m_waiter = nullptr;
    ~request() {
        if (m_result)
            PQclear(m_result);
    }
};

class conn_state : public std::enable_shared_from_this<conn_state> {
  public:
    conn_state(PGconn* c, const connect_options& o) noexcept;
    ~conn_state();

    /// Starts the pump (after connect).
    void start();
    /// Queues `r` and sends it if it can be; the caller then awaits it.
    void submit(const std::shared_ptr<request>& r);
    /// The awaiting task was cancelled.
    void abandon(request* r) noexcept;
    /// Closes: fails every request, stops the pump, which closes the PGconn.
    void close_soon() noexcept;

    /// Waits (queued behind earlier requests) until the connection is out of pipeline
    /// mode and this task alone may use it; release_exclusive() gives it back, `clean`
    /// false when the server may still send results of it (the pump drains them).
    task<void> acquire_exclusive();
    void release_exclusive(bool clean) noexcept;
    /// One wait on the socket by the exclusive owner (cancellable).
    task<void> wait_socket(bool read, bool write);

    /// Throws the connection_error the connection failed with (or "closed").
    [[noreturn]] void throw_broken() const;
    bool broken() const noexcept { return m_broken || !m_conn; }
    bool idle() const noexcept {
        return m_queue.empty() && !m_exclusive && !m_drain && m_cancels == 0;
    }
    /// Sends a cancel request for whatever the server runs now (from a pool thread).
    void send_cancel() noexcept;

    /// Notifications (listen()).
    task<notification> next_notification(const std::string& channel);
    void subscribe(const std::string& channel);
    void unsubscribe(const std::string& channel) noexcept;

    /// Marks the connection lost, failing every request with `e` (a connection_error).
    void set_broken(std::exception_ptr e) noexcept;
    /// After any libpq call: if libpq dropped the socket, the backend forgets it.
    void sync_fd() noexcept;
    /// forget_fd + PQfinish (once).
    void close_conn() noexcept;
    /// Interrupts the pump's wait: it has something new to do.
    void poke() noexcept;

    PGconn* m_conn;
    int m_fd;
    connect_options m_options;
    std::deque<std::shared_ptr<request>> m_queue;
    std::size_t m_inflight = 0;
    bool m_broken = false;
    bool m_closing = false;
    bool m_exclusive = false; // a task owns the connection out of pipeline mode
    bool m_drain = false;     // out of pipeline mode, results of an abandoned exclusive pending
    std::exception_ptr m_broken_error;
    task_handle<void> m_pump;
    socket_wait* m_wait = nullptr;       // the pump's current socket wait
    socket_wait* m_owner_wait = nullptr; // the exclusive owner's current socket wait
    bool m_pump_done = false;
    aio::event m_wake_pump; // the pump waits on it while a task owns the connection
    statement_cache m_cache;
    std::string m_key; // the cache key being built (reused: no allocation per query)
    int m_tx_depth = 0;
    int m_cancels = 0; // cancel requests on their way (nothing new is sent meanwhile)

    std::deque<notification> m_notifications;
    std::unordered_map<std::string, int> m_channels; // LISTENed channel -> generators
    std::deque<aio::detail::parking*> m_notify_waiters;

  private:
    friend task<void> pump(std::shared_ptr<conn_state> s);

    /// One pipelined query on `s` (what connection::query does, without a connection handle,
    /// whose destructor would close the connection).
    task<result> run_query(std::shared_ptr<conn_state> s, std::string sql, params p);
    void send_ready();
    void send_one(request& r);
    void send_deallocations();
    bool collect();
    void take_notifications();
    void complete_head();
    task<void> drain();
};

task<void> pump(std::shared_ptr<conn_state> s);

/// One pipelined query on `s` (what connection::query does, without a connection handle,
/// whose destructor would close the connection).
task<result> run_query(std::shared_ptr<conn_state> s, std::string sql, params p);

/// aio::pg::error (or its subclass by SQLSTATE) from a failed result.
std::exception_ptr make_error(const PGresult* r, const std::string& query);
/// connection_error from the connection's last message.
std::exception_ptr make_conn_error(PGconn* c, const std::string& what);

/// Owns a PGresult, with its columns' type and format read once (row::at runs for every
/// value of a large result: per-value libpq calls are what it costs).
struct result_data {
    struct column {
        unsigned oid;
        bool binary;
    };
    PGresult* m_res;
    int m_nfields;
    std::unique_ptr<column[]> m_columns;
    explicit result_data(PGresult* r)
        : m_res(r), m_nfields(PQnfields(r)), m_columns(std::make_unique<column[]>(m_nfields)) {
        for (int i = 0; i < m_nfields; ++i)
            m_columns[i] = {PQftype(r, i), PQfformat(r, i) == 1};
    }
    ~result_data() { PQclear(m_res); }
    result_data(const result_data&) = delete;
};

} // namespace aio::pg::detail
