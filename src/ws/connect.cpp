// The client side of the opening handshake (RFC 6455 §4.1): connect() and
// client_session::ws_connect().

#include "ws/handshake.hpp"
#include "ws/ws_state.hpp"

#include <aio/core/error.hpp>
#include <aio/core/timeout.hpp>
#include <aio/http/client.hpp>
#include <aio/http/errors.hpp>
#include <aio/http/parser.hpp>
#include <aio/http/response.hpp>
#include <aio/http/url.hpp>
#include <aio/net/connection.hpp>
#include <aio/ws/connect.hpp>

#include <optional>
#include <random>
#include <utility>
#include <vector>

namespace aio::ws {

namespace {

std::string random_key() {
    std::random_device rd;
    std::string raw(16, '\0');
    for (std::size_t i = 0; i < 16; i += 4) {
        const std::uint32_t v = rd();
        for (std::size_t j = 0; j < 4; ++j)
            raw[i + j] = static_cast<char>(v >> (8 * j));
    }
    return detail::base64_encode(raw);
}

struct client_plan {
    std::string url_text;
    std::string host;
    std::uint16_t port = 0;
    bool tls = false;
    std::string request;
    std::string key;
    std::vector<std::string> protocols;
};

task<websocket> handshake(client_plan plan, options opts) {
    net::connect_options co;
    std::optional<net::tls_context> default_ctx;
    if (plan.tls) {
        if (opts.tls) {
            co.tls = opts.tls;
        } else {
            default_ctx.emplace(net::tls_context::client());
            co.tls = *default_ctx;
        }
        co.server_hostname = plan.host;
    }
    net::stream s = co_await net::open_connection(plan.host, plan.port, co);
    co_await s.write(plan.request);
    http::response_parser parser;
    parser.set_request_method("GET");
    std::string buf;
    http::parse_result pr;
    for (;;) {
        pr = parser.parse(buf);
        if (pr.status != http::parse_status::need_more)
            break;
        std::string more = co_await s.read(16 * 1024);
        if (more.empty())
            throw handshake_error("aio::ws::connect: " + plan.url_text +
                                  " closed the connection before answering the handshake");
        buf += more;
    }
    if (pr.status == http::parse_status::error)
        throw handshake_error("aio::ws::connect: " + plan.url_text +
                              " sent a malformed answer: " + parser.error().message());
    const http::response_head& head = parser.head();
    auto fail = [&](const std::string& why) {
        return handshake_error("aio::ws::connect: " + plan.url_text + ": " + why, head.status);
    };
    if (head.status != 101)
        throw fail("answered " + std::to_string(head.status) + " " + std::string(head.reason) +
                   " instead of 101 Switching Protocols");
    const auto upgrade = head.headers.get("upgrade");
    if (!upgrade || !http::has_token(*upgrade, "websocket"))
        throw fail("the 101 answer lacks Upgrade: websocket");
    const auto conn = head.headers.get("connection");
    if (!conn || !http::has_token(*conn, "upgrade"))
        throw fail("the 101 answer lacks Connection: Upgrade");
    const auto acc = head.headers.get("sec-websocket-accept");
    if (!acc || *acc != detail::accept_key(plan.key))
        throw fail("wrong Sec-WebSocket-Accept");
    detail::ws_setup setup;
    setup.client = true;
    setup.opts = opts;
    if (const auto proto = head.headers.get("sec-websocket-protocol")) {
        bool offered = false;
        for (const std::string& p : plan.protocols)
            offered = offered || p == *proto;
        if (!offered)
            throw fail("the server chose the subprotocol '" + std::string(*proto) +
                       "', which was not offered");
        setup.subprotocol = std::string(*proto);
    }
    const std::vector<std::string_view> exts = head.headers.get_all("sec-websocket-extensions");
    if (!exts.empty()) {
        std::string all;
        for (std::string_view e : exts)
            all += (all.empty() ? "" : ", ") + std::string(e);
        if (!opts.compression)
            throw fail("the server accepted an extension that was not offered: " + all);
        std::string why;
        setup.deflate = detail::deflate_check_response(all, why);
        if (!setup.deflate)
            throw fail(why);
    }
    setup.buffered = buf.substr(pr.consumed);
    co_return websocket(std::make_shared<detail::ws_state>(std::move(s), std::move(setup)));
}

} // namespace

task<websocket> connect(std::string url_text, options opts, http::headers extra_headers) {
    client_plan plan;
    plan.url_text = url_text;
    const http::url u(url_text);
    const std::string_view scheme = u.scheme();
    if (scheme == "wss" || scheme == "https")
        plan.tls = true;
    else if (scheme != "ws" && scheme != "http")
        throw http::invalid_url("aio::ws::connect: the scheme must be ws or wss: " + url_text);
    plan.host = std::string(u.hostname());
    plan.port = u.effective_port();
    plan.key = random_key();
    plan.protocols = detail::split_list(opts.subprotocols ? opts.subprotocols : "");
    const std::string origin = opts.origin ? opts.origin : "";
    opts.subprotocols = "";
    opts.origin = "";
    // append() rather than operator+: GCC 12 warns falsely (-Wrestrict) on the chains.
    std::string& r = plan.request;
    r.append("GET ").append(u.target()).append(" HTTP/1.1\r\nHost: ").append(u.host());
    if (u.effective_port() != (plan.tls ? 443 : 80))
        r.append(":").append(std::to_string(u.effective_port()));
    r.append("\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ")
        .append(plan.key)
        .append("\r\nSec-WebSocket-Version: 13\r\n");
    if (!origin.empty())
        r.append("Origin: ").append(origin).append("\r\n");
    if (!plan.protocols.empty()) {
        r.append("Sec-WebSocket-Protocol: ");
        for (std::size_t i = 0; i < plan.protocols.size(); ++i)
            r.append(i ? ", " : "").append(plan.protocols[i]);
        r.append("\r\n");
    }
    if (opts.compression)
        r.append("Sec-WebSocket-Extensions: ").append(detail::deflate_offer()).append("\r\n");
    for (const auto& f : extra_headers)
        r.append(f.name).append(": ").append(f.value).append("\r\n");
    r.append("\r\n");
    if (opts.open_timeout.count() > 0)
        co_return co_await aio::wait_for(handshake(std::move(plan), opts), opts.open_timeout);
    co_return co_await handshake(std::move(plan), opts);
}

} // namespace aio::ws

namespace aio::http {

task<ws::websocket> client_session::ws_connect(std::string url) {
    return ws_connect(std::move(url), ws::options{});
}

task<ws::websocket> client_session::ws_connect(std::string url_text, ws::options o) {
    http::headers extra = m_default_headers;
    // The cookie jar knows http(s) URLs: ws:// shares cookies with http:// (RFC 6455 §4.1).
    std::string cookie_url = url_text;
    if (cookie_url.rfind("ws", 0) == 0)
        cookie_url.replace(0, 2, "http");
    std::string cookies;
    try {
        cookies = cookies_for(cookie_url);
    } catch (const std::exception&) {
        // a malformed URL: connect() reports it
    }
    if (!cookies.empty())
        extra.set("Cookie", cookies);
    return ws::connect(std::move(url_text), o, std::move(extra));
}

} // namespace aio::http
