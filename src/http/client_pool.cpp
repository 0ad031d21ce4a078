// The http client's connection pool, the body reader and client_response.
#include "http/client_detail.hpp"

#include <aio/core/error.hpp>
#include <aio/core/timeout.hpp>

#include <algorithm>

namespace aio::http::detail {

pool_slot::pool_slot(std::shared_ptr<client_pool> p, std::string k) noexcept
    : pool(std::move(p)), key(std::move(k)) {}

pool_slot& pool_slot::operator=(pool_slot&& o) noexcept {
    if (this != &o) {
        release();
        pool = std::move(o.pool);
        key = std::move(o.key);
    }
    return *this;
}

pool_slot::~pool_slot() {
    release();
}

void pool_slot::release() noexcept {
    if (pool) {
        pool->release(key);
        pool.reset();
    }
}

client_pool::client_pool(const client_options& o)
    : m_options(o), m_total(o.limit == 0 ? std::size_t(1) << 30 : o.limit) {
    m_parsers.reserve(max_spare_parsers); // so put_parser never allocates
}

std::unique_ptr<response_parser> client_pool::take_parser() {
    if (m_parsers.empty())
        return std::make_unique<response_parser>();
    std::unique_ptr<response_parser> p = std::move(m_parsers.back());
    m_parsers.pop_back();
    p->reset();
    return p;
}

void client_pool::put_parser(std::unique_ptr<response_parser> p) noexcept {
    if (p && m_parsers.size() < max_spare_parsers)
        m_parsers.push_back(std::move(p));
}

task<pool_slot> client_pool::acquire(std::string key) {
    if (m_options.limit_per_host != 0) {
        auto& sem = m_per_host[key];
        if (!sem)
            sem = std::make_unique<semaphore>(m_options.limit_per_host);
        semaphore* host = sem.get(); // never erased: the pointer stays valid
        co_await host->acquire();
        try {
            co_await m_total.acquire();
        } catch (...) {
            host->release();
            throw;
        }
    } else {
        co_await m_total.acquire();
    }
    ++m_in_use;
    co_return pool_slot(shared_from_this(), std::move(key));
}

void client_pool::release(const std::string& key) noexcept {
    --m_in_use;
    m_total.release();
    if (m_options.limit_per_host != 0) {
        auto it = m_per_host.find(key);
        if (it != m_per_host.end())
            it->second->release();
    }
}

void client_pool::expire() noexcept {
    const auto now = steady::now();
    std::erase_if(m_idle, [&](idle_conn& c) {
        if (now - c.since < m_options.keepalive_timeout)
            return false;
        c.s.abort();
        return true;
    });
}

net::stream client_pool::take_idle(const std::string& key) {
    expire();
    // The most recently used connection first: the least likely to have been closed.
    for (auto it = m_idle.rbegin(); it != m_idle.rend(); ++it) {
        if (it->key == key) {
            net::stream s = std::move(it->s);
            m_idle.erase(std::next(it).base());
            if (!s.is_closing())
                return s;
            return take_idle(key);
        }
    }
    return {};
}

void client_pool::make_room() {
    expire();
    const std::size_t limit = m_options.limit == 0 ? std::size_t(-1) : m_options.limit;
    while (!m_idle.empty() && m_in_use + m_idle.size() > limit) {
        m_idle.front().s.abort();
        m_idle.pop_front();
    }
}

void client_pool::put_idle(const std::string& key, net::stream s) {
    if (m_closed || m_options.keepalive_timeout.count() == 0) {
        s.abort();
        return;
    }
    m_idle.push_back({key, std::move(s), steady::now()});
}

void client_pool::close() noexcept {
    m_closed = true;
    for (auto& c : m_idle)
        c.s.abort();
    m_idle.clear();
}

net::tls_context& client_pool::tls() {
    if (!m_tls) {
        m_tls = net::tls_context::client();
        if (m_options.ca_file)
            m_tls->load_verify_locations(m_options.ca_file);
    }
    return *m_tls;
}

task<std::string> body_reader::read_socket() {
    std::chrono::milliseconds bound = sock_read;
    if (deadline) {
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline - steady::now());
        if (left.count() <= 0)
            throw timeout_error("aio: HTTP request timed out (total_timeout)");
        if (bound.count() == 0 || left < bound)
            bound = left;
    }
    if (bound.count() == 0)
        co_return co_await s.read(64 * 1024);
    co_return co_await aio::timeout(bound, s.read(64 * 1024));
}

task<std::string> body_reader::read_raw() {
    if (broken)
        throw invalid_state_error("aio: HTTP response body unavailable: its connection failed");
    while (!done) {
        switch (framing) {
        case body_framing::none:
            done = true;
            break;
        case body_framing::content_length: {
            if (remaining == 0) {
                done = true;
                break;
            }
            if (buf.empty()) {
                buf = co_await read_socket();
                if (buf.empty()) {
                    keep_alive = false;
                    throw error("aio: HTTP connection closed before the end of the body (" +
                                std::to_string(remaining) + " bytes missing)");
                }
            }
            const std::size_t n =
                static_cast<std::size_t>(std::min<std::uint64_t>(remaining, buf.size()));
            std::string out = buf.substr(0, n);
            buf.erase(0, n);
            remaining -= n;
            if (remaining == 0)
                done = true;
            co_return out;
        }
        case body_framing::chunked: {
            if (!buf.empty()) {
                const chunk_result r = chunked.decode(buf);
                if (r.status == chunk_status::error)
                    throw protocol_error(chunked.error());
                std::string out(r.data);
                buf.erase(0, r.consumed);
                if (r.status == chunk_status::done) {
                    done = true;
                    break;
                }
                if (!out.empty())
                    co_return out;
                if (r.status == chunk_status::data)
                    continue;
            }
            std::string more = co_await read_socket();
            if (more.empty()) {
                keep_alive = false;
                throw error("aio: HTTP connection closed inside a chunked body");
            }
            buf += more;
            break;
        }
        case body_framing::until_close: {
            keep_alive = false;
            // (No co_await inside a conditional expression: GCC 12 miscompiles it.)
            std::string out = std::move(buf);
            buf.clear();
            if (out.empty())
                out = co_await read_socket();
            if (out.empty()) {
                done = true;
                break;
            }
            co_return out;
        }
        }
    }
    finish();
    co_return std::string();
}

task<std::string> body_reader::read_some() {
    try {
        for (;;) {
            std::string raw = co_await read_raw();
            std::string out;
            if (!decoder) {
                out = std::move(raw);
            } else if (raw.empty()) {
                auto d = std::move(decoder);
                d->finish();
            } else {
                out = decoder->feed(raw);
                if (out.empty())
                    continue;
            }
            total += out.size();
            if (max_body != 0 && total > max_body)
                throw body_too_large("aio: HTTP response body larger than max_body_size (" +
                                     std::to_string(max_body) + " bytes) from " + url);
            co_return out;
        }
    } catch (...) {
        fail();
        throw;
    }
}

void body_reader::finish() noexcept {
    if (s && keep_alive && buf.empty() && slot.pool && !slot.pool->closed()) {
        auto pool = slot.pool;
        const std::string key = slot.key;
        slot.release();
        try {
            pool->put_idle(key, std::move(s));
        } catch (...) { // out of memory: the stream closes in its destructor
        }
    } else if (s) {
        s.abort();
    }
    slot.release();
}

void body_reader::fail() noexcept {
    broken = true;
    if (s)
        s.abort();
    slot.release();
}

} // namespace aio::http::detail

namespace aio::http {

client_response::client_response(std::unique_ptr<detail::body_reader> body) noexcept
    : m_body(std::move(body)) {}
client_response::client_response(client_response&&) noexcept = default;
client_response& client_response::operator=(client_response&&) noexcept = default;

client_response::~client_response() {
    // A body not read to its end: the connection cannot carry another request.
    if (m_body && !m_body->done)
        m_body->fail();
}

task<std::string> client_response::read_some() {
    if (!m_body)
        co_return std::string();
    co_return co_await m_body->read_some();
}

generator<std::string> client_response::content() {
    for (;;) {
        std::string piece = co_await read_some();
        if (piece.empty())
            co_return;
        co_yield std::move(piece);
    }
}

task<std::string> client_response::read() {
    std::string out;
    for (;;) {
        std::string piece = co_await read_some();
        if (piece.empty())
            break;
        out += piece;
    }
    co_return out;
}

task<std::string> client_response::text() {
    co_return co_await read();
}

task<nlohmann::json> client_response::json() {
    std::string body = co_await read();
    co_return nlohmann::json::parse(body);
}

bool client_response::body_done() const noexcept {
    return !m_body || m_body->done;
}

void client_response::raise_for_status() const {
    if (status >= 400)
        throw status_error(status, reason, url);
}

status_error::status_error(int status, const std::string& reason, const std::string& url)
    : error("aio: HTTP " + std::to_string(status) + (reason.empty() ? "" : " ") + reason + " for " +
            url),
      m_status(status) {}

} // namespace aio::http
