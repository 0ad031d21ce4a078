// DNS resolution with c-ares, driven by the loop.
//
// Each resolve() owns a c-ares channel for its duration (no global state, nothing left open
// afterwards). c-ares reports the sockets it wants watched through ARES_OPT_SOCK_STATE_CB;
// the coroutine waits on all of them at once (poll operations of the backend, plus a timer
// for ares_timeout) with a poll_group, then lets ares_process_fd handle what is ready. A
// socket that c-ares is done with (state callback with no interest) is forgotten by the
// backend before c-ares closes it, so a reused fd number starts clean (epoll).
#include "net/primitives.hpp"

#include <aio/core/detail/loop_core.hpp>
#include <aio/core/event_loop.hpp>
#include <aio/net/errors.hpp>
#include <aio/net/resolve.hpp>

#include <algorithm>
#include <mutex>

#include <ares.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>

namespace aio::net {

namespace detail {
namespace {

using aio::detail::clock;
using aio::detail::timer_node;

/// Waits until any of several poll operations completes or a deadline passes; then cancels
/// the others and resumes once every operation has completed (so none outlives the frame).
class poll_group : public parking, public timer_node {
  public:
    struct item : io_op {
        poll_group* m_group = nullptr;
        int m_revents = 0;
    };

    explicit poll_group(std::size_t n) : m_items(n) {}
    item& at(std::size_t i) noexcept { return m_items[i]; }
    std::size_t size() const noexcept { return m_items.size(); }
    void set_timeout(clock::duration d) noexcept { m_timeout = d; }
    bool timed_out() const noexcept { return m_expired; }

    bool await_ready() const noexcept { return false; }
    bool await_suspend(std::coroutine_handle<> h) {
        if (!begin_park(h, &on_cancel))
            return false;
        m_backend = &loop_backend();
        for (item& it : m_items) {
            it.m_group = this;
            it.m_complete = &on_complete;
            ++m_outstanding;
            m_backend->submit(it);
        }
        m_deadline = aio::detail::t_loop->now() + m_timeout;
        m_fire = &on_timer;
        aio::detail::t_loop->add_timer(*this);
        return true;
    }
    void await_resume() const { throw_if_cancelled(); }

  private:
    void trigger() noexcept {
        if (m_triggered)
            return;
        m_triggered = true;
        if (armed())
            aio::detail::t_loop->cancel_timer(*this);
        for (item& it : m_items) {
            if (!it.m_revents)
                m_backend->cancel(it);
        }
    }
    void maybe_wake() noexcept {
        if (m_outstanding == 0 && m_triggered && !m_woken) {
            m_woken = true;
            wake();
        }
    }
    static void on_complete(io_op* op) noexcept {
        auto* it = static_cast<item*>(op);
        poll_group* g = it->m_group;
        --g->m_outstanding;
        it->m_revents = it->m_result > 0 ? it->m_result : 0;
        if (it->m_result > 0 && !g->m_triggered)
            g->trigger();
        if (it->m_result <= 0 && it->m_result != -ECANCELED && !g->m_triggered)
            g->trigger();
        g->maybe_wake();
    }
    static void on_timer(timer_node* t) noexcept {
        auto* g = static_cast<poll_group*>(t);
        g->m_expired = true;
        g->trigger();
        g->maybe_wake();
    }
    static void on_cancel(parking* p) noexcept {
        auto* g = static_cast<poll_group*>(p);
        g->m_cancelled = true;
        g->trigger();
        g->maybe_wake();
    }

    std::vector<item> m_items;
    aio::detail::backend* m_backend = nullptr;
    clock::duration m_timeout{};
    std::size_t m_outstanding = 0;
    bool m_triggered = false;
    bool m_expired = false;
    bool m_woken = false;
};

struct query {
    struct watched {
        int fd;
        bool read;
        bool write;
    };
    std::vector<watched> socks;
    std::vector<address> out;
    std::uint16_t port = 0;
    bool done = false;
    int status = ARES_SUCCESS;
};

void sock_state(void* data, ares_socket_t fd, int readable, int writable) {
    auto* q = static_cast<query*>(data);
    auto it = std::find_if(q->socks.begin(), q->socks.end(),
                           [fd](const query::watched& w) { return w.fd == fd; });
    if (!readable && !writable) {
        if (it != q->socks.end())
            q->socks.erase(it);
        // c-ares closes the socket next: drop any backend state for the fd first.
        if (aio::detail::t_loop)
            get_running_loop().io().forget_fd(fd);
        return;
    }
    if (it == q->socks.end()) {
        q->socks.push_back({fd, readable != 0, writable != 0});
    } else {
        it->read = readable != 0;
        it->write = writable != 0;
    }
}

void on_addrinfo(void* arg, int status, int /*timeouts*/, ares_addrinfo* res) {
    auto* q = static_cast<query*>(arg);
    q->done = true;
    q->status = status;
    if (!res)
        return;
    for (ares_addrinfo_node* n = res->nodes; n; n = n->ai_next) {
        address a = address::from_sockaddr(n->ai_addr, n->ai_addrlen).with_port(q->port);
        if (std::find(q->out.begin(), q->out.end(), a) == q->out.end())
            q->out.push_back(a);
    }
    ::ares_freeaddrinfo(res);
}

struct channel {
    ares_channel ch = nullptr;
    ~channel() {
        if (ch)
            ::ares_destroy(ch);
    }
};

bool is_invalid_tld(std::string_view host) {
    if (!host.empty() && host.back() == '.')
        host.remove_suffix(1);
    auto lower_eq = [](std::string_view a, std::string_view b) {
        return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                          [](char x, char y) { return (x | 0x20) == (y | 0x20); });
    };
    return lower_eq(host, "invalid") ||
           (host.size() > 8 && lower_eq(host.substr(host.size() - 8), ".invalid"));
}

bool is_localhost(std::string_view host) {
    if (!host.empty() && host.back() == '.')
        host.remove_suffix(1);
    return host == "localhost" || (host.size() > 10 && host.ends_with(".localhost"));
}

int af_of(address_family f) {
    switch (f) {
    case address_family::ipv4:
        return AF_INET;
    case address_family::ipv6:
        return AF_INET6;
    default:
        return AF_UNSPEC;
    }
}

} // namespace
} // namespace detail

task<std::vector<address>> resolve(std::string host, std::uint16_t port, address_family family) {
    using namespace detail;
    if (host.empty()) {
        throw invalid_argument_error("aio::net::resolve: the host name is empty");
    }
    address numeric;
    if (address::try_parse(host, port, numeric)) {
        if (family != address_family::unspecified && numeric.family() != family) {
            throw dns_error(std::error_code(ARES_ENODATA, dns_category()), host);
        }
        co_return std::vector<address>{numeric};
    }
    if (is_invalid_tld(host)) {
        // RFC 6761: ".invalid" never resolves; answer without asking anyone.
        throw dns_error(std::error_code(ARES_ENOTFOUND, dns_category()), host);
    }

    static std::once_flag once;
    std::call_once(once, [] { ::ares_library_init(ARES_LIB_INIT_ALL); });

    query q;
    q.port = port;
    channel ch;
    {
        ares_options opts{};
        char lookups[] = "fb"; // /etc/hosts first, then DNS
        opts.sock_state_cb = &sock_state;
        opts.sock_state_cb_data = &q;
        opts.lookups = lookups;
        opts.timeout = 3000; // ms per try (as glibc's 5 s x 2, a bit shorter)
        opts.tries = 2;
        const int mask =
            ARES_OPT_SOCK_STATE_CB | ARES_OPT_LOOKUPS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES;
        const int st = ::ares_init_options(&ch.ch, &opts, mask);
        if (st != ARES_SUCCESS) {
            ch.ch = nullptr;
            throw dns_error(std::error_code(st, dns_category()), host);
        }
    }
    ares_addrinfo_hints hints{};
    hints.ai_family = af_of(family);
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = ARES_AI_NUMERICSERV;
    const std::string service = std::to_string(port);
    ::ares_getaddrinfo(ch.ch, host.c_str(), service.c_str(), &hints, &on_addrinfo, &q);

    while (!q.done) {
        std::size_t n = 0;
        for (const auto& w : q.socks)
            n += (w.read ? 1 : 0) + (w.write ? 1 : 0);
        poll_group group(n);
        std::size_t i = 0;
        for (const auto& w : q.socks) {
            if (w.read) {
                auto& it = group.at(i++);
                it.m_kind = op_kind::poll;
                it.m_fd = w.fd;
                it.m_len = POLLIN;
            }
            if (w.write) {
                auto& it = group.at(i++);
                it.m_kind = op_kind::poll;
                it.m_fd = w.fd;
                it.m_len = POLLOUT;
            }
        }
        timeval tv{};
        timeval max{1, 0};
        ::ares_timeout(ch.ch, &max, &tv);
        group.set_timeout(std::chrono::seconds(tv.tv_sec) + std::chrono::microseconds(tv.tv_usec));
        co_await group; // cancellation: ops and timer are gone when this throws
        bool any = false;
        for (std::size_t k = 0; k < group.size() && !q.done; ++k) {
            const auto& it = group.at(k);
            if (!it.m_revents)
                continue;
            any = true;
            const bool rd = it.m_len == POLLIN;
            ::ares_process_fd(ch.ch, rd ? it.m_fd : ARES_SOCKET_BAD,
                              rd ? ARES_SOCKET_BAD : it.m_fd);
        }
        if (!any && !q.done)
            ::ares_process_fd(ch.ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
    }

    if (q.status != ARES_SUCCESS || q.out.empty()) {
        if (is_localhost(host)) {
            // RFC 6761: "localhost" is the loopback even when /etc/hosts forgets it.
            std::vector<address> lo;
            if (family != address_family::ipv4)
                lo.push_back(address::parse("::1", port));
            if (family != address_family::ipv6)
                lo.push_back(address::parse("127.0.0.1", port));
            co_return lo;
        }
        throw dns_error(
            std::error_code(q.status != ARES_SUCCESS ? q.status : ARES_ENODATA, dns_category()),
            host);
    }
    co_return q.out;
}

} // namespace aio::net
