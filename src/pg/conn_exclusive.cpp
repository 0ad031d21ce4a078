// Exclusive use of a connection (scripts, COPY): the pump hands the connection to one owner
// out of pipeline mode and takes it back, draining what an abandoned owner left (see
// conn_state.hpp for the design).
#include "pg/conn_state.hpp"

#include <aio/core/detail/promise_base.hpp>

#include <memory>

namespace aio::pg::detail {

task<void> conn_state::acquire_exclusive() {
    if (broken())
        throw_broken();
    aio::detail::check_cancelled();
    auto r = std::make_shared<request>();
    r->m_kind = request::kind::exclusive;
    submit(r);
    request_awaiter a;
    a.m_req = r.get();
    a.m_state = this;
    co_await a;
    if (r->m_error)
        std::rethrow_exception(r->m_error);
}

void conn_state::release_exclusive(bool clean) noexcept {
    if (!m_exclusive)
        return;
    m_exclusive = false;
    if (broken()) {
        if (m_pump_done)
            close_conn(); // the pump left it to us
        return;
    }
    if (clean) {
        if (PQenterPipelineMode(m_conn) != 1) {
            set_broken(make_conn_error(m_conn, "enter pipeline mode"));
            return;
        }
    } else {
        // The server may still be running the statement: stop it, then drop its results.
        m_drain = true;
        send_cancel();
    }
    poke();
}

task<void> conn_state::wait_socket(bool read, bool write) {
    if (broken())
        throw_broken();
    socket_wait w(m_fd, read, write);
    m_owner_wait = &w;
    try {
        co_await w;
    } catch (...) {
        m_owner_wait = nullptr;
        throw;
    }
    m_owner_wait = nullptr;
    if (broken())
        throw_broken(); // closed meanwhile (close_soon interrupted the wait)
}

task<void> conn_state::drain() {
    // Out of pipeline mode: read and drop what an abandoned script or COPY still gets.
    for (;;) {
        if (broken())
            co_return; // closed meanwhile: nothing to drain for
        if (PQconsumeInput(m_conn) == 0)
            break;
        if (PQisBusy(m_conn)) {
            socket_wait w(m_fd, true, false);
            m_wait = &w;
            co_await w;
            m_wait = nullptr;
            continue;
        }
        PGresult* res = PQgetResult(m_conn);
        if (!res) {
            m_drain = false;
            if (PQenterPipelineMode(m_conn) != 1)
                set_broken(make_conn_error(m_conn, "enter pipeline mode"));
            co_return;
        }
        const auto st = PQresultStatus(res);
        PQclear(res);
        if (st == PGRES_COPY_IN) {
            PQputCopyEnd(m_conn, "aio::pg: COPY abandoned");
            PQflush(m_conn);
        } else if (st == PGRES_COPY_OUT) {
            char* buf = nullptr;
            int n;
            while ((n = PQgetCopyData(m_conn, &buf, 1)) > 0)
                PQfreemem(buf);
            if (n == 0) {
                socket_wait w(m_fd, true, false);
                m_wait = &w;
                co_await w;
                m_wait = nullptr;
            }
        }
        sync_fd();
    }
    sync_fd();
    set_broken(make_conn_error(m_conn, "connection lost"));
}

} // namespace aio::pg::detail
