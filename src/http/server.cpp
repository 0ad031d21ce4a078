// aio::http::server: routes, middleware chain, listening and graceful shutdown.
// The per-connection protocol is in connection.cpp; design in docs/design/http.md.

#include "http/server_state.hpp"

#include <aio/core/error.hpp>
#include <aio/core/event_loop.hpp>
#include <aio/core/task_handle.hpp>
#include <aio/core/timeout.hpp>
#include <aio/http/url.hpp>
#include <aio/os/signal.hpp>

#include <csignal>
#include <stdexcept>

namespace aio::http {

namespace detail {

namespace {

task<response> ready(response r) {
    co_return r;
}

// Splits the raw path "/a/b%20c" into its segments after the first '/' ("a", "b%20c").
std::vector<std::string_view> split_path(std::string_view raw) {
    std::vector<std::string_view> out;
    if (!raw.empty() && raw.front() == '/')
        raw.remove_prefix(1);
    for (;;) {
        const auto slash = raw.find('/');
        out.push_back(raw.substr(0, slash));
        if (slash == std::string_view::npos)
            break;
        raw.remove_prefix(slash + 1);
    }
    return out;
}

// The raw path of a request-target: origin-form "/p?q", absolute-form "http://h/p?q", "*".
std::string_view raw_path(std::string_view target) {
    if (target.empty() || target.front() != '/') {
        const auto scheme = target.find("://");
        if (scheme == std::string_view::npos)
            return target; // "*" or authority-form: matched literally (no route has them)
        const auto slash = target.find('/', scheme + 3);
        if (slash == std::string_view::npos)
            return "/";
        target.remove_prefix(slash);
    }
    return target.substr(0, target.find('?'));
}

// A literal route segment against a raw one: decoded only if it holds an escape.
bool segment_equals(std::string_view raw_segment, const std::string& literal) {
    if (raw_segment.find('%') == std::string_view::npos)
        return raw_segment == literal;
    return percent_decode(raw_segment) == literal;
}

// Walks the raw path's segments (split_path's, without building the list) along the route's.
bool match(const route_entry& r,
           std::string_view raw,
           std::vector<std::pair<std::string, std::string>>* params) {
    std::string_view rest = raw;
    if (!rest.empty() && rest.front() == '/')
        rest.remove_prefix(1);
    bool more = true; // a segment is left (an empty path has one, "")
    for (const auto& p : r.segments) {
        if (p.k == route_segment::kind::tail) {
            // The rest of the raw path, slashes included.
            if (params)
                params->emplace_back(p.text, percent_decode(rest));
            return true;
        }
        if (!more)
            return false;
        const auto slash = rest.find('/');
        const std::string_view seg = rest.substr(0, slash);
        if (slash == std::string_view::npos) {
            more = false;
            rest = {};
        } else {
            rest.remove_prefix(slash + 1);
        }
        if (p.k == route_segment::kind::param) {
            if (seg.empty())
                return false;
            if (params)
                params->emplace_back(p.text, percent_decode(seg));
        } else if (!segment_equals(seg, p.text)) {
            return false;
        }
    }
    return !more;
}

// Adds a route's method to an Allow list (GET brings HEAD, which the server answers for it).
void add_allowed(std::string& allow, const std::string& method) {
    if (allow.find(method) != std::string::npos)
        return;
    if (!allow.empty())
        allow += ", ";
    allow += method;
    if (method == "GET" && allow.find("HEAD") == std::string::npos)
        allow += ", HEAD";
}

} // namespace

task<response> server_state::dispatch(request& req) const {
    const std::string_view raw = raw_path(req.target);
    std::string allow;
    if (raw.empty() || raw.front() != '/') {
        // Asterisk-form (`OPTIONS *`, about the server as a whole) and authority-form
        // (CONNECT: this is not a proxy) name no resource, so no route matches them, not even
        // a catch-all: `OPTIONS *` gets 200 with every method the routes accept, the rest 404.
        if (req.target != "*")
            return ready(response::text(404, "404: Not Found"));
        for (const auto& r : routes)
            add_allowed(allow, r.method);
        response r = response::empty(200);
        if (!allow.empty())
            r.headers.set("Allow", allow);
        return ready(std::move(r));
    }
    const route_entry* get_route = nullptr;
    for (const auto& r : routes) {
        if (!match(r, raw, nullptr))
            continue;
        if (r.method == req.method) {
            req.params.clear();
            match(r, raw, &req.params);
            return r.h(req);
        }
        if (req.method == "HEAD" && r.method == "GET" && !get_route)
            get_route = &r;
        add_allowed(allow, r.method);
    }
    if (get_route) {
        req.params.clear();
        match(*get_route, raw, &req.params);
        return get_route->h(req);
    }
    if (allow.empty())
        return ready(response::text(404, "404: Not Found"));
    response r = response::text(405, "405: Method Not Allowed");
    r.headers.set("Allow", allow);
    return ready(std::move(r));
}

void server_state::close() noexcept {
    closing = true;
    if (listening)
        listener.close();
    // A copy: close_if_idle() aborts a stream, and should that ever resume the connection's
    // task synchronously, the connection would leave the set while it is iterated.
    const std::vector<connection*> open(connections.begin(), connections.end());
    for (connection* c : open)
        if (connections.count(c) != 0)
            c->close_if_idle();
}

} // namespace detail

task<response> next_handler::operator()(request& req) const {
    if (m_i < m_s->middlewares.size())
        return m_s->middlewares[m_i](req, next_handler(m_s, m_i + 1));
    return m_s->dispatch(req);
}

server::server(server_options options) : m_s(std::make_shared<detail::server_state>(options)) {}

server::~server() {
    if (m_s)
        m_s->close();
}

server::server(server&&) noexcept = default;
server& server::operator=(server&& o) noexcept {
    if (this != &o) {
        if (m_s)
            m_s->close();
        m_s = std::move(o.m_s);
    }
    return *this;
}

void server::route(std::string_view method, std::string_view pattern, handler h) {
    if (pattern.empty() || pattern.front() != '/')
        throw std::invalid_argument("aio::http::server::route: pattern must start with '/': " +
                                    std::string(pattern));
    detail::route_entry e;
    e.method = std::string(method);
    e.h = std::move(h);
    const std::vector<std::string_view> parts = detail::split_path(pattern);
    for (std::size_t i = 0; i < parts.size(); ++i) {
        const std::string_view p = parts[i];
        detail::route_segment s;
        if (!p.empty() && p.front() == '{') {
            if (p.size() < 3 || p.back() != '}')
                throw std::invalid_argument("aio::http::server::route: bad parameter in " +
                                            std::string(pattern));
            std::string_view name = p.substr(1, p.size() - 2);
            s.k = detail::route_segment::kind::param;
            if (name.size() > 3 && name.substr(name.size() - 3) == "...") {
                if (i + 1 != parts.size())
                    throw std::invalid_argument(
                        "aio::http::server::route: {name...} must be last in " +
                        std::string(pattern));
                name.remove_suffix(3);
                s.k = detail::route_segment::kind::tail;
            }
            s.text = std::string(name);
        } else {
            if (p.find_first_of("{}") != std::string_view::npos)
                throw std::invalid_argument("aio::http::server::route: stray brace in " +
                                            std::string(pattern));
            s.text = std::string(p);
        }
        e.segments.push_back(std::move(s));
    }
    m_s->routes.push_back(std::move(e));
}

void server::use(middleware m) {
    m_s->middlewares.push_back(std::move(m));
}

void server::access_log(std::function<void(std::string_view)> sink) {
    m_s->access_log = std::move(sink);
}

namespace {
task<void> serve_connection(std::shared_ptr<detail::server_state> st, net::stream s) {
    detail::connection c(std::move(st), std::move(s));
    co_await c.run();
}
} // namespace

task<void> server::listen(std::string host, std::uint16_t port, listen_options options) {
    if (m_s->listening)
        throw invalid_state_error("aio::http::server::listen: already listening");
    net::server_options o;
    o.backlog = options.backlog;
    o.reuse_address = options.reuse_address;
    o.reuse_port = options.reuse_port;
    o.max_connections = options.max_connections;
    o.tls_handshake_timeout = options.tls_handshake_timeout;
    if (options.tls) {
        if (options.tls->alpn_protocols().empty()) {
            const std::vector<std::string> alpn{"http/1.1"};
            // The context is shared by its copies: set on the caller's (documented).
            const_cast<net::tls_context&>(*options.tls).set_alpn_protocols(alpn);
        }
        o.tls = options.tls;
    }
    std::shared_ptr<detail::server_state> st = m_s;
    st->listener = co_await net::start_server(
        [st](net::stream s) { return serve_connection(st, std::move(s)); }, std::move(host), port,
        o);
    st->listening = true;
}

std::uint16_t server::port() const noexcept {
    return m_s && m_s->listening ? m_s->listener.port() : 0;
}

task<void> server::serve_forever() {
    std::shared_ptr<detail::server_state> st = m_s;
    if (!st || !st->listening)
        throw invalid_state_error("aio::http::server::serve_forever: call listen() first");
    if (st->closing)
        co_return;
    bool cancelled = false;
    try {
        co_await st->listener.serve_forever();
    } catch (const cancelled_error&) {
        cancelled = true;
    }
    if (cancelled) {
        st->close();
        throw cancelled_error();
    }
}

void server::close() noexcept {
    if (m_s)
        m_s->close();
}

task<void> server::shutdown(std::chrono::milliseconds deadline) {
    std::shared_ptr<detail::server_state> st = m_s;
    if (!st)
        co_return;
    st->close();
    if (!st->listening)
        co_return;
    bool late = false;
    try {
        co_await aio::wait_for(st->listener.wait_closed(), deadline);
    } catch (const timeout_error&) {
        late = true;
    }
    if (late) {
        st->listener.abort_clients();
        co_await st->listener.wait_closed();
    }
}

std::size_t server::connections() const noexcept {
    return m_s ? m_s->connections.size() : 0;
}

namespace {

task<int> wait_for_stop_signal() {
    co_return co_await aio::signal_received(SIGINT, SIGTERM);
}

// Serves; once the server is closed (by the signal's shutdown, or by other means) the
// signal wait is cancelled, so serve_until_signal returns in both cases.
task<void> serve_then_stop(server* app, task_handle<int> waiter) {
    try {
        co_await app->serve_forever();
    } catch (const cancelled_error&) {
    }
    waiter.cancel();
}

} // namespace

task<int> server::serve_until_signal(run_app_options options) {
    std::shared_ptr<detail::server_state> st = m_s;
    if (!st || !st->listening)
        throw invalid_state_error("aio::http::server::serve_until_signal: call listen() first");
    auto waiter = create_task(wait_for_stop_signal(), "http: wait for SIGINT/SIGTERM");
    auto serving = create_task(serve_then_stop(this, waiter), "http: serve");
    int sig = 0;
    bool interrupted = false;
    try {
        sig = co_await waiter;
    } catch (const cancelled_error&) {
        interrupted = !waiter.cancelled(); // this task was cancelled, not the waiter
    }
    if (interrupted) {
        st->close();
        waiter.cancel();
        serving.cancel();
        throw cancelled_error();
    }
    co_await shutdown(options.shutdown_timeout);
    co_await serving;
    co_return sig;
}

namespace {
task<int> run_app(server* app,
                  std::string host,
                  std::uint16_t port,
                  run_app_options options,
                  std::function<void(std::uint16_t)> on_ready) {
    co_await app->listen(std::move(host), port);
    if (on_ready)
        on_ready(app->port());
    (void)co_await app->serve_until_signal(options);
    co_return 0;
}
} // namespace

int server::run(std::string host,
                std::uint16_t port,
                run_app_options options,
                std::function<void(std::uint16_t)> on_ready) {
    return aio::run(run_app(this, std::move(host), port, options, std::move(on_ready)));
}

} // namespace aio::http
