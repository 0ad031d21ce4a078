// aio::http::client_session: requests, redirects, retries and the cookie jar.
#include "http/client_detail.hpp"
#include "http/headers_access.hpp"
#include "http/syntax.hpp"

#include <aio/core/error.hpp>
#include <aio/core/timeout.hpp>
#include <aio/net/connection.hpp>

namespace aio::http {
namespace {

bool idempotent(std::string_view m) {
    return m == "GET" || m == "HEAD" || m == "OPTIONS" || m == "PUT" || m == "DELETE" ||
           m == "TRACE";
}

bool is_redirect(int status) {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

// Only http and https URLs with a host are requested.
void check_url(const url& u, std::string_view text) {
    if (u.scheme() != "http" && u.scheme() != "https")
        throw invalid_url("aio: invalid URL \"" + std::string(text) +
                          "\": the client supports only http and https");
    if (u.host().empty())
        throw invalid_url("aio: invalid URL \"" + std::string(text) + "\": no host");
}

// The server closed an idle keep-alive connection before answering (retry once).
struct stale_connection {};

} // namespace

request_body json_body(const nlohmann::json& j) {
    return request_body(j.dump(), "application/json");
}

request_body form_body(std::vector<std::pair<std::string, std::string>> fields) {
    std::string out;
    for (const auto& [k, v] : fields) {
        if (!out.empty())
            out += '&';
        out += percent_encode(k);
        out += '=';
        out += percent_encode(v);
    }
    return request_body(std::move(out), "application/x-www-form-urlencoded");
}

struct client_session::state {
    detail::cookie_jar jar;
};

client_session::client_session(client_options options)
    : m_options(options), m_pool(std::make_shared<detail::client_pool>(options)),
      m_state(std::make_unique<state>()) {}

client_session::~client_session() {
    m_pool->close();
}

void client_session::close() noexcept {
    m_pool->close();
}

std::size_t client_session::open_connections() const noexcept {
    return m_pool->in_use() + m_pool->idle();
}

std::size_t client_session::idle_connections() const noexcept {
    return m_pool->idle();
}

std::string client_session::cookies_for(std::string_view text) const {
    return m_state->jar.header_for(url(text));
}

task<client_response> client_session::get(std::string u, request_options o) {
    return request("GET", std::move(u), o);
}
task<client_response> client_session::head(std::string u, request_options o) {
    return request("HEAD", std::move(u), o);
}
task<client_response> client_session::del(std::string u, request_options o) {
    return request("DELETE", std::move(u), o);
}
task<client_response> client_session::post(std::string u, request_body b, request_options o) {
    return request("POST", std::move(u), o, std::move(b));
}
task<client_response> client_session::put(std::string u, request_body b, request_options o) {
    return request("PUT", std::move(u), o, std::move(b));
}
task<client_response> client_session::patch(std::string u, request_body b, request_options o) {
    return request("PATCH", std::move(u), o, std::move(b));
}

task<client_response> client_session::request(std::string method,
                                              std::string text,
                                              request_options options,
                                              request_body body) {
    // Everything the options point to is copied before the first suspension.
    if (!detail::is_token(method))
        throw invalid_header_error("aio: invalid HTTP method \"" + method + "\": not a token");
    url u(text);
    check_url(u, text);
    if (options.params && !options.params->empty()) {
        std::string q(u.query());
        if (!q.empty())
            q += '&';
        q += options.params->str();
        u.set_query(q);
    }
    if (u.has_fragment())
        u = u.without_fragment();
    headers hdrs = m_default_headers;
    if (options.headers)
        for (const auto& e : *options.headers)
            hdrs.set(e.name, e.value);
    // The library's own defaults: literals, valid without a check.
    if (!hdrs.contains("user-agent"))
        detail::headers_access::append_valid(hdrs, "User-Agent", "aiocpp");
    if (!hdrs.contains("accept"))
        detail::headers_access::append_valid(hdrs, "Accept", "*/*");
    if (m_options.auto_decompress && !hdrs.contains("accept-encoding"))
        detail::headers_access::append_valid(hdrs, "Accept-Encoding", detail::accepted_encodings());
    const int max_redirects =
        options.max_redirects < 0 ? m_options.max_redirects : options.max_redirects;
    std::optional<detail::steady::time_point> deadline;
    if (m_options.total_timeout.count() > 0)
        deadline = detail::steady::now() + m_options.total_timeout;
    if (m_options.total_timeout.count() > 0)
        co_return co_await aio::timeout(m_options.total_timeout,
                                        follow(std::move(method), std::move(u), std::move(hdrs),
                                               std::move(body), options.allow_redirects,
                                               max_redirects, deadline));
    co_return co_await follow(std::move(method), std::move(u), std::move(hdrs), std::move(body),
                              options.allow_redirects, max_redirects, deadline);
}

task<client_response> client_session::follow(std::string method,
                                             url u,
                                             headers hdrs,
                                             request_body body,
                                             bool allow_redirects,
                                             int max_redirects,
                                             std::optional<time_point> deadline) {
    std::vector<std::string> history;
    for (int redirects = 0;; ++redirects) {
        client_response r = co_await send_with_retry(method, u, hdrs, body, deadline);
        for (auto v : r.headers.get_all("set-cookie"))
            m_state->jar.store(u, v);
        const auto location = r.headers.get("location");
        if (!allow_redirects || !is_redirect(r.status) || !location) {
            // r.url is u's text already (send_once)
            r.history = std::move(history);
            co_return r;
        }
        if (redirects >= max_redirects)
            throw too_many_redirects("aio: more than " + std::to_string(max_redirects) +
                                     " redirects, the last to " + u.str());
        url next = u.resolve(*location);
        check_url(next, next.str());
        next = next.without_fragment();
        // A small redirect body is read so that the connection can be reused; a large one
        // closes it (when r is destroyed).
        if (r.headers.get("content-length") && r.headers.get("content-length")->size() < 6)
            co_await r.read();
        if (r.status == 303 || ((r.status == 301 || r.status == 302) && method != "HEAD")) {
            if (method != "HEAD")
                method = "GET";
            body = request_body();
            hdrs.remove("content-type");
            hdrs.remove("content-length");
        }
        if (next.origin() != u.origin()) {
            // Credentials are for the host they were given to.
            hdrs.remove("authorization");
            hdrs.remove("cookie");
        }
        history.push_back(u.str());
        u = std::move(next);
    }
}

task<client_response> client_session::send_with_retry(const std::string& method,
                                                      const url& u,
                                                      const headers& hdrs,
                                                      const request_body& body,
                                                      std::optional<time_point> deadline) {
    for (int attempt = 0;; ++attempt) {
        try {
            co_return co_await send_once(method, u, hdrs, body, deadline, attempt == 0);
        } catch (const stale_connection&) {
        }
        if (attempt > 0 || !idempotent(method))
            throw error("aio: HTTP connection closed by the server before a response to " + method +
                        " " + u.str());
    }
}

task<client_response> client_session::send_once(const std::string& method,
                                                const url& u,
                                                const headers& given,
                                                const request_body& body,
                                                std::optional<time_point> deadline,
                                                bool may_reuse) {
    const std::string key = u.origin();
    auto reader = std::make_unique<detail::body_reader>();
    reader->slot = co_await m_pool->acquire(key);
    reader->sock_read = m_options.sock_read_timeout;
    reader->deadline = deadline;
    reader->max_body = m_options.max_body_size;
    bool reused = false;
    if (may_reuse)
        reader->s = m_pool->take_idle(key);
    if (reader->s) {
        reused = true;
    } else {
        m_pool->make_room();
        const std::string host(u.hostname());
        net::connect_options co{};
        co.timeout = m_options.connect_timeout;
        if (u.scheme() == "https") {
            co.tls = m_pool->tls();
            co.server_hostname = host;
        }
        reader->s = co_await net::open_connection(host, u.effective_port(), co);
    }
    headers cookie; // the jar's, unless the caller set one (validated: from the network)
    const std::string cookies = m_state->jar.header_for(u);
    if (!cookies.empty() && !given.contains("cookie"))
        cookie.set("Cookie", cookies);
    const std::string wire = detail::write_request(method, u, given, cookie, body);
    try {
        co_await reader->s.write(wire);
    } catch (const io_error&) {
        if (reused)
            throw stale_connection{};
        throw;
    }

    // Constructing a parser allocates its header arrays (max_headers entries): reuse one.
    detail::parser_lease lease(m_pool);
    response_parser& parser = *lease.parser;
    parser.set_request_method(method);
    int status = 0;
    std::string reason;
    headers fields;
    for (;;) {
        const parse_result pr = parser.parse(reader->buf);
        if (pr.status == parse_status::error)
            throw protocol_error(parser.error());
        if (pr.status == parse_status::complete) {
            const response_head& h = parser.head();
            if (h.status >= 100 && h.status < 200 && h.status != 101) {
                reader->buf.erase(0, pr.consumed);
                parser.reset();
                parser.set_request_method(method);
                continue;
            }
            status = h.status;
            reason = std::string(h.reason);
            fields = headers(h.headers);
            reader->framing = h.framing;
            reader->remaining = h.content_length;
            reader->keep_alive = h.keep_alive && !h.upgrade;
            reader->buf.erase(0, pr.consumed);
            break;
        }
        std::string more;
        try {
            more = co_await reader->read_socket();
        } catch (const io_error&) {
            if (reused && reader->buf.empty())
                throw stale_connection{};
            throw;
        }
        if (more.empty()) {
            if (reused && reader->buf.empty())
                throw stale_connection{};
            throw error("aio: HTTP connection closed before the response head from " + key);
        }
        reader->buf += more;
    }
    const bool no_body = reader->framing == body_framing::none;
    // No body bytes (HEAD, 204, 304, Content-Length: 0): nothing to decode, whatever
    // Content-Encoding says (a HEAD answer names the encoding the GET's body would have).
    const bool empty =
        no_body || (reader->framing == body_framing::content_length && reader->remaining == 0);
    if (m_options.auto_decompress && !empty)
        if (auto enc = fields.get("content-encoding"))
            reader->decoder = detail::make_decoder(*enc);
    std::string url_text = u.str(); // the body reader's (for its errors) and the response's
    reader->url = url_text;
    reader->status = status;
    client_response out(std::move(reader));
    out.url = std::move(url_text);
    out.status = status;
    out.reason = std::move(reason);
    out.headers = std::move(fields);
    if (no_body)
        co_await out.read_some(); // no body: hands the connection back now
    co_return out;
}

} // namespace aio::http
