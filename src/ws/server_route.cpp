// The server side of the opening handshake (RFC 6455 §4.2): server::websocket() routes (via
// the http server's upgrade hook, request::upgrade) and accept() on a raw stream.

#include "ws/handshake.hpp"
#include "ws/ws_state.hpp"

#include <aio/core/error.hpp>
#include <aio/core/event_loop.hpp>
#include <aio/http/headers.hpp>
#include <aio/http/parser.hpp>
#include <aio/http/request.hpp>
#include <aio/http/response.hpp>
#include <aio/http/server.hpp>
#include <aio/ws/connect.hpp>

#include <memory>
#include <utility>
#include <vector>

namespace aio::ws {

namespace detail {

namespace {

struct route_config {
    http::websocket_handler handler;
    options opts;
    std::vector<std::string> subprotocols;
};

struct handshake_outcome {
    bool ok = false;
    http::response resp;
    ws_setup setup;
};

std::string joined(const http::headers& h, std::string_view name) {
    std::string out;
    for (std::string_view v : h.get_all(name)) {
        if (!out.empty())
            out += ", ";
        out += v;
    }
    return out;
}

handshake_outcome refuse(int status, const std::string& why) {
    handshake_outcome o;
    o.resp = http::response::text(status, std::to_string(status) + ": " + why);
    if (status == 426) {
        o.resp.headers.set("Upgrade", "websocket");
        o.resp.headers.set("Sec-WebSocket-Version", "13");
    }
    return o;
}

// Checks a handshake request and builds the 101 answer (or the refusal).
handshake_outcome check_handshake(std::string_view method,
                                  http::http_version version,
                                  const http::headers& h,
                                  const options& opts,
                                  const std::vector<std::string>& subprotocols) {
    const auto upgrade = h.get("upgrade");
    if (!upgrade || !http::has_token(*upgrade, "websocket"))
        return refuse(426, "this resource speaks WebSocket (send Upgrade: websocket)");
    if (method != "GET")
        return refuse(400, "a WebSocket handshake must be a GET");
    if (version.major != 1 || version.minor < 1)
        return refuse(400, "a WebSocket handshake needs HTTP/1.1");
    const auto conn = h.get("connection");
    if (!conn || !http::has_token(*conn, "upgrade"))
        return refuse(400, "a WebSocket handshake needs Connection: Upgrade");
    const auto version_field = h.get("sec-websocket-version");
    if (!version_field || *version_field != "13")
        return refuse(426, "unsupported Sec-WebSocket-Version (this server speaks 13)");
    const auto key = h.get("sec-websocket-key");
    if (!key || !is_valid_key(*key))
        return refuse(400, "missing or malformed Sec-WebSocket-Key");

    handshake_outcome o;
    o.ok = true;
    o.setup.client = false;
    o.setup.opts = opts;
    o.resp.status = 101;
    o.resp.headers.set("Upgrade", "websocket");
    o.resp.headers.set("Connection", "Upgrade");
    o.resp.headers.set("Sec-WebSocket-Accept", accept_key(*key));
    if (!subprotocols.empty()) {
        const std::vector<std::string> offered = split_list(joined(h, "sec-websocket-protocol"));
        for (const std::string& mine : subprotocols) {
            bool found = false;
            for (const std::string& theirs : offered)
                found = found || theirs == mine;
            if (found) {
                o.setup.subprotocol = mine;
                o.resp.headers.set("Sec-WebSocket-Protocol", mine);
                break;
            }
        }
    }
    if (opts.compression) {
        if (auto acc = deflate_accept(joined(h, "sec-websocket-extensions"))) {
            o.setup.deflate = acc->first;
            o.resp.headers.set("Sec-WebSocket-Extensions", acc->second);
        }
    }
    return o;
}

task<void>
run_session(std::shared_ptr<route_config> cfg, ws_setup setup, http::upgraded_connection& uc) {
    setup.buffered = uc.take_buffered();
    auto st = std::make_shared<ws_state>(&uc.stream(), std::move(setup));
    websocket ws(st);
    uc.on_server_close([w = std::weak_ptr<ws_state>(st)] {
        if (auto s = w.lock())
            s->going_away();
    });
    if (uc.server_closing())
        st->going_away();
    st->start_keepalive();
    bool failed = false, cancelled = false;
    std::string what;
    try {
        co_await cfg->handler(uc.req(), ws);
    } catch (const cancelled_error&) {
        cancelled = true;
    } catch (const ws::error&) {
        // the peer's doing (a protocol violation, a vanished peer): already closed
    } catch (const std::exception& e) {
        failed = true;
        what = e.what();
    }
    uc.on_server_close(nullptr);
    if (cancelled) {
        st->cancel_background();
        st->abort();
        throw cancelled_error();
    }
    if (failed)
        get_running_loop().report("aio::ws: the handler of " + uc.req().target +
                                  " failed: " + what + "; closed with 1011");
    if (st->m_phase != ws_state::phase::closed) {
        try {
            co_await st->close(failed ? close_code::internal_error : close_code::normal,
                               failed ? "internal error" : "");
        } catch (const cancelled_error&) {
            cancelled = true;
        } catch (const std::exception&) {
        }
    }
    if (cancelled) {
        st->cancel_background();
        throw cancelled_error();
    }
    co_await st->stop_background();
}

task<http::response> websocket_route(std::shared_ptr<route_config> cfg, http::request& req) {
    handshake_outcome o =
        check_handshake(req.method, req.version, req.headers, cfg->opts, cfg->subprotocols);
    if (o.ok) {
        req.upgrade([cfg, setup = std::move(o.setup)](http::upgraded_connection& uc) {
            return run_session(cfg, setup, uc);
        });
    }
    co_return std::move(o.resp);
}

std::string serialize_head(const http::response& r) {
    std::string out = "HTTP/1.1 " + std::to_string(r.status) + " " +
                      std::string(http::reason_phrase(r.status)) + "\r\n";
    for (const auto& f : r.headers)
        out.append(f.name).append(": ").append(f.value).append("\r\n");
    if (r.status != 101)
        out += "Content-Length: " + std::to_string(r.body.size()) + "\r\nConnection: close\r\n";
    out += "\r\n";
    if (r.status != 101)
        out += r.body;
    return out;
}

} // namespace

} // namespace detail

task<websocket> accept(net::stream s, options opts) {
    std::vector<std::string> protos =
        detail::split_list(opts.subprotocols ? opts.subprotocols : "");
    opts.subprotocols = "";
    opts.origin = "";
    http::request_parser parser;
    std::string buf;
    http::parse_result pr;
    for (;;) {
        pr = parser.parse(buf);
        if (pr.status != http::parse_status::need_more)
            break;
        std::string more = co_await s.read(16 * 1024);
        if (more.empty()) {
            co_await s.close();
            throw handshake_error("aio::ws::accept: the peer closed before sending a request");
        }
        buf += more;
    }
    if (pr.status == http::parse_status::error) {
        const std::string why = parser.error().message();
        co_await s.write(detail::serialize_head(http::response::text(400, "400: " + why)));
        co_await s.close();
        throw handshake_error("aio::ws::accept: malformed request: " + why, 400);
    }
    const http::request_head& head = parser.head();
    const http::headers hdrs(head.headers);
    detail::handshake_outcome o =
        detail::check_handshake(head.method, head.version, hdrs, opts, protos);
    co_await s.write(detail::serialize_head(o.resp));
    if (!o.ok) {
        co_await s.close();
        throw handshake_error("aio::ws::accept: not a valid WebSocket handshake: " + o.resp.body,
                              o.resp.status);
    }
    o.setup.buffered = buf.substr(pr.consumed);
    co_return websocket(std::make_shared<detail::ws_state>(std::move(s), std::move(o.setup)));
}

} // namespace aio::ws

namespace aio::http {

void server::websocket(std::string_view pattern, websocket_handler h) {
    websocket(pattern, std::move(h), ws::options{});
}

void server::websocket(std::string_view pattern, websocket_handler h, const ws::options& o) {
    auto cfg = std::make_shared<ws::detail::route_config>();
    cfg->handler = std::move(h);
    cfg->opts = o;
    cfg->subprotocols = ws::detail::split_list(o.subprotocols ? o.subprotocols : "");
    cfg->opts.subprotocols = ""; // copied above: the route may outlive the caller's string
    cfg->opts.origin = "";
    route("GET", pattern, [cfg](request& req) { return ws::detail::websocket_route(cfg, req); });
}

} // namespace aio::http
