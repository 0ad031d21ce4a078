// One server connection: read a head (under a deadline), run the middleware chain and the
// handler, drain the body, write the response; repeat while keep-alive allows. Requests on a
// connection are served one after the other, so pipelined requests are answered in order.

#include "http/body_source.hpp"
#include "http/headers_access.hpp"
#include "http/server_state.hpp"

#include <aio/core/error.hpp>
#include <aio/core/event_loop.hpp>
#include <aio/core/gather.hpp>
#include <aio/core/timeout.hpp>
#include <aio/http/chunked.hpp>
#include <aio/http/url.hpp>

#include <chrono>
#include <memory>
#include <span>
#include <utility>

namespace aio::http {

namespace {

using steady = std::chrono::steady_clock;

std::chrono::milliseconds left(steady::time_point deadline) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now());
}

// Decodes a query component: '+' is a space (HTML forms), then %XX escapes. A broken escape
// is the client's mistake: 400, not the handler's 500.
std::string decode_query(std::string_view s) {
    std::string plus(s);
    for (char& c : plus)
        if (c == '+')
            c = ' ';
    try {
        return percent_decode(plus);
    } catch (const invalid_url&) {
        throw http_exception(400, "400: invalid percent-encoding in the query");
    }
}

} // namespace

std::string_view request::param(std::string_view name) const noexcept {
    for (const auto& [k, v] : params)
        if (k == name)
            return v;
    return {};
}

std::optional<std::string> request::query(std::string_view name) const {
    std::string_view q = raw_query;
    while (!q.empty()) {
        const auto amp = q.find('&');
        const std::string_view pair = q.substr(0, amp);
        const auto eq = pair.find('=');
        if (decode_query(pair.substr(0, eq)) == name)
            return eq == std::string_view::npos ? std::string() : decode_query(pair.substr(eq + 1));
        if (amp == std::string_view::npos)
            break;
        q.remove_prefix(amp + 1);
    }
    return std::nullopt;
}

task<std::string> request::read() {
    if (!m_body) {
        if (!m_conn)
            co_return std::string();
        m_body = co_await m_conn->read_body();
    }
    co_return *m_body;
}

task<std::string> request::text() {
    return read();
}

request& upgraded_connection::req() const noexcept {
    return m_req;
}

net::stream& upgraded_connection::stream() const noexcept {
    return m_c.m_s;
}

std::string upgraded_connection::take_buffered() {
    return std::exchange(m_c.m_buf, std::string());
}

bool upgraded_connection::server_closing() const noexcept {
    return m_c.m_st->closing;
}

void upgraded_connection::on_server_close(std::function<void()> f) {
    m_c.m_on_server_close = std::move(f);
}

namespace detail {

connection::connection(std::shared_ptr<server_state> st, net::stream s)
    : m_st(std::move(st)), m_s(std::move(s)) {
    m_st->connections.insert(this);
}

connection::~connection() {
    m_st->connections.erase(this);
}

void connection::close_if_idle() noexcept {
    if (m_upgraded) {
        // An upgraded connection (WebSocket) belongs to its protocol now: tell it once.
        std::function<void()> f = std::move(m_on_server_close);
        m_on_server_close = nullptr;
        if (f)
            f();
        return;
    }
    // Only a connection waiting for the first byte of a next request: the read in flight
    // returns "" (EOF) and run() ends. Busy ones see `closing` after their response.
    if (m_idle && m_buf.empty())
        m_s.abort();
}

task<bool> connection::read_more(std::chrono::milliseconds limit) {
    // read_into a buffer of the connection's own, then append to m_buf: no std::string and
    // no copy out of the stream's buffer per read (the stream's buffer, which read() would
    // have filled, stays unallocated, so the memory per connection is the same). Not into
    // m_buf's tail: std::string::resize would zero-fill it first.
    if (!m_rbuf)
        m_rbuf = std::make_unique_for_overwrite<char[]>(read_chunk);
    const std::size_t n =
        co_await aio::wait_for(m_s.read_into(std::span<char>(m_rbuf.get(), read_chunk)), limit);
    m_buf.append(m_rbuf.get(), n);
    co_return n > 0;
}

task<std::string> connection::read_body() {
    if (m_body == body_state::none)
        co_return std::string();
    if (m_body != body_state::unread)
        throw invalid_state_error("aio::http::request::read: the body was already consumed");
    m_body = body_state::broken; // until it is read whole
    const server_options& o = m_st->opts;
    if (m_expect_continue && !m_sent_continue) {
        m_sent_continue = true;
        co_await m_s.write("HTTP/1.1 100 Continue\r\n\r\n");
    }
    std::string body;
    bool timed_out = false;
    try {
        if (m_framing == body_framing::content_length) {
            if (m_length > o.max_body_size)
                throw http_exception(413, "413: request body too large");
            const std::size_t n = static_cast<std::size_t>(m_length);
            while (m_buf.size() < n)
                if (!co_await read_more(o.body_timeout))
                    throw http_exception(400, "400: request body ended early");
            body.assign(m_buf, 0, n);
            m_buf.erase(0, n);
        } else if (m_framing == body_framing::chunked) {
            chunked_decoder dec;
            for (;;) {
                const chunk_result r = dec.decode_into(m_buf, body);
                m_buf.erase(0, r.consumed);
                if (r.status == chunk_status::done)
                    break;
                if (r.status == chunk_status::error)
                    throw http_exception(400, "400: " + dec.error().message());
                if (body.size() > o.max_body_size)
                    throw http_exception(413, "413: request body too large");
                if (!co_await read_more(o.body_timeout))
                    throw http_exception(400, "400: request body ended early");
            }
            if (body.size() > o.max_body_size)
                throw http_exception(413, "413: request body too large");
        }
    } catch (const timeout_error&) {
        timed_out = true;
    }
    if (timed_out)
        throw http_exception(408, "408: request body timed out");
    m_body = body_state::done;
    co_return body;
}

task<std::uint64_t>
connection::send(const response& r, bool head_request, bool keep_alive, bool http10) {
    write_context ctx;
    ctx.head_request = head_request;
    ctx.keep_alive = keep_alive;
    ctx.http10 = http10;
    ctx.date = m_st->date.get();
    serialize_response(r, ctx, m_wbuf);
    co_await m_s.write(m_wbuf);
    if (m_wbuf.capacity() > wbuf_keep)
        std::string().swap(m_wbuf); // a big body: do not keep its memory while idle
    const bool no_body = r.status < 200 || r.status == 204 || r.status == 304;
    if (no_body || head_request)
        co_return 0;
    if (!r.source)
        co_return r.body.size();
    co_return co_await send_streamed(r, http10);
}
// Serves one request; false when the connection must close.
task<bool> connection::serve_one(request_parser& parser, bool first) {
    const server_options& o = m_st->opts;
    parser.reset();
    // The first request's head must be complete within header_timeout of the connection's
    // start; a later one within header_timeout of its first byte (after the idle wait).
    steady::time_point deadline = steady::now() + o.header_timeout;
    // Waiting for a next request (keep-alive idle), or for the first one.
    if (m_buf.empty()) {
        if (m_st->closing)
            co_return false;
        m_idle = true;
        bool got = false, timed_out = false;
        try {
            got = co_await read_more(first ? left(deadline) : o.keep_alive_timeout);
        } catch (const timeout_error&) {
            timed_out = true;
        }
        m_idle = false;
        if (timed_out || !got)
            co_return false; // nothing was asked: close without an answer
    }
    if (!first)
        deadline = steady::now() + o.header_timeout;
    parse_result pr;
    for (;;) {
        pr = parser.parse(m_buf);
        if (pr.status != parse_status::need_more)
            break;
        bool got = false, timed_out = false;
        try {
            got = co_await read_more(left(deadline));
        } catch (const timeout_error&) {
            timed_out = true;
        }
        if (timed_out) {
            co_await send(response::text(408, "408: request head timed out"), false, false, false);
            co_return false;
        }
        if (!got)
            co_return false; // the client went away mid-head
    }
    if (pr.status == parse_status::error) {
        const parse_error e = parser.error();
        co_await send(response::text(http_status(e.code),
                                     std::to_string(http_status(e.code)) + ": " + e.message()),
                      false, false, false);
        co_return false;
    }

    const steady::time_point started = steady::now();
    // Copy the head out of the buffer; the body (or the next request) starts at `consumed`.
    const request_head& h = parser.head();
    request req(this);
    req.method = std::string(h.method);
    req.target = std::string(h.target);
    req.version = h.version;
    req.headers = std::move(m_spare_headers);
    headers_access::assign_parsed(req.headers, h.headers);
    req.keep_alive = h.keep_alive;
    m_framing = h.framing;
    m_length = h.content_length;
    m_expect_continue = h.expect_continue;
    m_sent_continue = false;
    m_body = h.framing == body_framing::none ? body_state::none : body_state::unread;
    m_buf.erase(0, pr.consumed);
    parser.reset();

    const bool head_request = req.method == "HEAD";
    const bool http10 = req.version.minor == 0;
    bool bad_target = false;
    {
        std::string_view t = req.target;
        const auto q = t.find('?');
        if (q != std::string_view::npos)
            req.raw_query = std::string(t.substr(q + 1));
        std::string_view p = t.substr(0, q);
        const auto scheme = p.find("://");
        if (p.empty() || p.front() != '/') {
            if (scheme != std::string_view::npos) {
                const auto slash = p.find('/', scheme + 3);
                p = slash == std::string_view::npos ? std::string_view("/") : p.substr(slash);
            }
        }
        try {
            req.path = percent_decode(p);
        } catch (const invalid_url&) {
            bad_target = true;
        }
    }
    if (bad_target) {
        co_await send(response::text(400, "400: invalid percent-encoding in the target"),
                      head_request, false, http10);
        co_return false;
    }
    if (m_framing == body_framing::content_length && m_length > o.max_body_size) {
        // Refused before reading it (and before any 100 Continue): the body is not drained.
        co_await send(response::text(413, "413: request body too large"), head_request, false,
                      http10);
        co_return false;
    }

    response resp;
    std::string failure;
    try {
        resp = co_await next_handler(m_st.get(), 0)(req);
    } catch (const http_exception& e) {
        resp = response::text(e.status(), e.what());
    } catch (const cancelled_error&) {
        throw;
    } catch (const std::exception& e) {
        failure = e.what();
    } catch (...) {
        failure = "unknown exception";
    }
    if (failure.empty() && resp.status == 101 && req.m_upgrade && !head_request) {
        co_await run_upgrade(req, resp);
        co_return false;
    }
    if (failure.empty() && (resp.status < 100 || resp.status > 599 || resp.status == 101)) {
        failure = "invalid status " + std::to_string(resp.status);
    }
    if (!failure.empty()) {
        get_running_loop().report("aio::http::server: handler of " + req.method + " " + req.target +
                                  " failed: " + failure);
        resp = response::text(500, "500: Internal Server Error");
    }

    // The body the handler left unread is read (and dropped) so the next request can be
    // parsed; unless the client waits for 100 Continue that was never sent.
    if (m_body == body_state::unread) {
        if (m_expect_continue && !m_sent_continue) {
            m_body = body_state::broken;
        } else {
            try {
                (void)co_await read_body();
            } catch (const cancelled_error&) {
                throw;
            } catch (const std::exception&) {
                m_body = body_state::broken;
            }
        }
    }
    bool keep = req.keep_alive && !m_st->closing && m_body != body_state::broken;
    if (auto c = resp.headers.get("connection"); c && has_token(*c, "close"))
        keep = false;
    if (resp.source && http10 && !resp.source->length())
        keep = false; // a close-delimited body
    const std::uint64_t bytes = co_await send(resp, head_request, keep, http10);
    if (m_st->access_log) {
        std::string peer = "-";
        try {
            peer = m_s.peer_address().host();
        } catch (const std::exception&) {
        }
        const double secs = std::chrono::duration<double>(steady::now() - started).count();
        m_st->access_log(access_log_line(peer, req, resp.status, bytes, secs));
    }
    m_spare_headers = std::move(req.headers);
    co_return keep;
}

// The 101 head (no body, no framing, the handler's Connection/Upgrade fields kept), then the
// upgrade handler owns the connection until it returns; the connection closes after it.
task<void> connection::run_upgrade(request& req, const response& resp) {
    std::string head = "HTTP/1.1 101 Switching Protocols\r\n";
    for (const auto& f : resp.headers) {
        if (iequals(f.name, "content-length") || iequals(f.name, "transfer-encoding") ||
            iequals(f.name, "date"))
            continue;
        head.append(f.name).append(": ").append(f.value).append("\r\n");
    }
    head.append("Date: ").append(m_st->date.get()).append("\r\n\r\n");
    co_await m_s.write(head);
    m_upgraded = true;
    upgrade_handler h = std::move(req.m_upgrade);
    upgraded_connection uc(*this, req);
    try {
        co_await h(uc);
    } catch (const cancelled_error&) {
        m_upgraded = false;
        throw;
    } catch (const std::exception& e) {
        get_running_loop().report("aio::http::server: upgrade handler of " + req.target +
                                  " failed: " + e.what());
    }
    m_upgraded = false;
    m_on_server_close = nullptr;
}

task<void> connection::run() {
    request_parser parser(m_st->opts.limits);
    bool first = true;
    try {
        while (co_await serve_one(parser, first))
            first = false;
    } catch (const cancelled_error&) {
        throw;
    } catch (const std::exception&) {
        // The peer reset the connection or stopped reading: nothing to answer.
        m_s.abort();
        co_return;
    }
    co_await m_s.close();
}

} // namespace detail
} // namespace aio::http
