// aio::net::datagram_endpoint. The state is reference counted (endpoint object + every
// running call); calls in flight are linked so close() can cancel their operations, and
// the fd is closed when the last of them has completed (and a Unix socket file we bound is
// removed then).
#include "net/primitives.hpp"
#include "net/socket_file.hpp"

#include <aio/net/datagram.hpp>
#include <aio/net/errors.hpp>
#include <aio/net/resolve.hpp>

#include <memory>

#include <sys/socket.h>
#include <sys/uio.h>

namespace aio::net {

namespace detail {

class datagram_state {
  public:
    /// A call in flight (lives in the calling frame).
    struct call {
        call* m_prev = nullptr;
        call* m_next = nullptr;
        op_awaiter* m_op = nullptr;
    };

    void add_ref() noexcept { ++m_refs; }
    void release() noexcept {
        if (--m_refs == 0)
            delete this;
    }
    void enter(call* c) noexcept {
        c->m_next = m_calls;
        if (m_calls)
            m_calls->m_prev = c;
        m_calls = c;
    }
    void leave(call* c) noexcept {
        (c->m_prev ? c->m_prev->m_next : m_calls) = c->m_next;
        if (c->m_next)
            c->m_next->m_prev = c->m_prev;
        maybe_release();
    }
    void close() noexcept {
        if (m_closed)
            return;
        m_closed = true;
        for (call* c = m_calls; c; c = c->m_next) {
            if (c->m_op)
                c->m_op->cancel_op();
        }
        maybe_release();
    }
    void maybe_release() noexcept {
        if (m_closed && !m_calls && m_fd) {
            m_fd.reset();
            m_file.remove();
            changed.wake_all();
        }
    }
    void check_open(const char* fn) const {
        if (m_closed) {
            throw invalid_state_error(std::string("aio::net::datagram_endpoint::") + fn +
                                      ": the endpoint is closed");
        }
    }

    unique_fd m_fd;
    socket_file m_file; // the Unix socket file bound by open (none for UDP, abstract names)
    std::optional<address> m_remote;
    std::unique_ptr<char[]> m_buf;
    std::size_t m_buf_size = 0;
    call* m_calls = nullptr;
    unsigned m_refs = 1;
    bool m_closed = false;
    bool m_receiving = false;
    broadcast_list changed;
};

namespace {

class ref {
  public:
    explicit ref(datagram_state* s) : m_s(s) { m_s->add_ref(); }
    ref(ref&& o) noexcept : m_s(std::exchange(o.m_s, nullptr)) {}
    ~ref() {
        if (m_s)
            m_s->release();
    }
    datagram_state* get() const noexcept { return m_s; }

  private:
    datagram_state* m_s;
};

/// Runs one operation as a tracked call; returns the kernel result.
class tracked {
  public:
    tracked(datagram_state* s, op_awaiter* op) : m_s(s) {
        m_call.m_op = op;
        s->enter(&m_call);
    }
    ~tracked() { m_s->leave(&m_call); }
    tracked(const tracked&) = delete;
    tracked& operator=(const tracked&) = delete;

  private:
    datagram_state* m_s;
    datagram_state::call m_call;
};

task<void> do_send(ref r, std::string_view data, std::optional<address> to, const char* fn) {
    datagram_state* s = r.get();
    s->check_open(fn);
    iovec iov{const_cast<char*>(data.data()), data.size()};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    if (to) {
        msg.msg_name = to->data();
        msg.msg_namelen = static_cast<socklen_t>(to->size());
    }
    op_awaiter op(op_kind::sendmsg, s->m_fd.get(), &msg);
    int res;
    {
        tracked t(s, &op);
        res = co_await op;
    }
    if (op.cancel_requested())
        throw cancelled_error();
    if (res < 0) {
        if (s->m_closed)
            s->check_open(fn);
        throw_io_error(-res, std::string("aio::net::datagram_endpoint::") + fn +
                                 (to ? " to " + to->to_string() : std::string()));
    }
}

task<std::pair<std::string, address>> do_receive(ref r, const char* fn) {
    datagram_state* s = r.get();
    s->check_open(fn);
    if (s->m_receiving) {
        throw invalid_state_error(std::string("aio::net::datagram_endpoint::") + fn +
                                  ": another task is already receiving");
    }
    s->m_receiving = true;
    struct done {
        datagram_state* s;
        ~done() { s->m_receiving = false; }
    } d{s};
    address from;
    iovec iov{s->m_buf.get(), s->m_buf_size};
    msghdr msg{};
    msg.msg_name = from.data();
    msg.msg_namelen = static_cast<socklen_t>(address::capacity);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    op_awaiter op(op_kind::recvmsg, s->m_fd.get(), &msg);
    int res;
    {
        tracked t(s, &op);
        res = co_await op;
    }
    if (res >= 0) {
        // A datagram that arrived as we were cancelled is still returned (not lost).
        from.set_size(msg.msg_namelen);
        co_return std::pair<std::string, address>(
            std::string(s->m_buf.get(), static_cast<std::size_t>(res)), from);
    }
    if (op.cancel_requested())
        throw cancelled_error();
    if (s->m_closed)
        s->check_open(fn);
    throw_io_error(-res, std::string("aio::net::datagram_endpoint::") + fn);
}

task<std::string> do_receive_data(ref r) {
    auto [data, from] = co_await do_receive(std::move(r), "receive");
    co_return std::move(data);
}

task<void> do_wait_closed(ref r) {
    datagram_state* s = r.get();
    while (!s->m_closed || s->m_fd)
        co_await s->changed.wait();
}

datagram_state* need(datagram_state* s, const char* fn) {
    if (!s) {
        throw invalid_state_error(std::string("aio::net::datagram_endpoint::") + fn +
                                  ": empty endpoint (default-constructed or moved from)");
    }
    return s;
}

int af(const address& a) noexcept {
    return static_cast<const sockaddr*>(a.data())->sa_family;
}

} // namespace
} // namespace detail

datagram_endpoint::datagram_endpoint(datagram_endpoint&& o) noexcept
    : m_s(std::exchange(o.m_s, nullptr)) {}
datagram_endpoint& datagram_endpoint::operator=(datagram_endpoint&& o) noexcept {
    if (this != &o) {
        datagram_endpoint old(std::move(*this));
        m_s = std::exchange(o.m_s, nullptr);
    }
    return *this;
}
datagram_endpoint::~datagram_endpoint() {
    if (m_s) {
        m_s->close();
        m_s->release();
    }
}

task<void> datagram_endpoint::send_to(std::string_view data, address to) {
    return detail::do_send(detail::ref(detail::need(m_s, "send_to")), data, to, "send_to");
}
task<void> datagram_endpoint::send(std::string_view data) {
    detail::datagram_state* s = detail::need(m_s, "send");
    if (!s->m_remote) {
        throw invalid_state_error("aio::net::datagram_endpoint::send: not connected (give "
                                  "remote_host, or use send_to)");
    }
    return detail::do_send(detail::ref(s), data, std::nullopt, "send");
}
task<std::pair<std::string, address>> datagram_endpoint::receive_from() {
    return detail::do_receive(detail::ref(detail::need(m_s, "receive_from")), "receive_from");
}
task<std::string> datagram_endpoint::receive() {
    return detail::do_receive_data(detail::ref(detail::need(m_s, "receive")));
}
address datagram_endpoint::local_address() const {
    detail::datagram_state* s = detail::need(m_s, "local_address");
    std::optional<address> a =
        s->m_fd ? detail::socket_address(s->m_fd.get(), false) : (errno = EBADF, std::nullopt);
    if (!a)
        detail::throw_io_error(errno, "aio::net::datagram_endpoint::local_address");
    return *a;
}
std::optional<address> datagram_endpoint::remote_address() const {
    return m_s ? m_s->m_remote : std::nullopt;
}
void datagram_endpoint::close() noexcept {
    if (m_s)
        m_s->close();
}
task<void> datagram_endpoint::wait_closed() {
    return detail::do_wait_closed(detail::ref(detail::need(m_s, "wait_closed")));
}
int datagram_endpoint::native_handle() const noexcept {
    return m_s ? m_s->m_fd.get() : -1;
}

namespace {
constexpr const char* open_who = "aio::net::open_datagram_endpoint";

/// The state of a new endpoint owning `fd`.
datagram_endpoint make_endpoint(detail::unique_fd fd,
                                std::optional<address> remote,
                                std::size_t max_datagram,
                                detail::socket_file file = {}) {
    auto* s = new detail::datagram_state;
    datagram_endpoint ep(s);
    s->m_fd = std::move(fd);
    s->m_file = std::move(file);
    s->m_remote = remote;
    s->m_buf_size = max_datagram;
    s->m_buf.reset(new char[max_datagram]);
    return ep;
}

/// A Unix-domain name as the kernel wants it: '@' first spells the abstract namespace.
std::string unix_name(std::string_view path) {
    std::string name(path);
    if (!name.empty() && name.front() == '@')
        name.front() = '\0';
    return name;
}

/// The AF_UNIX/SOCK_DGRAM endpoint. Synchronous: binding and connecting a Unix socket never
/// block.
datagram_endpoint open_unix(const datagram_options& o, std::string local, std::string remote) {
    if (!o.local_host.empty() || !o.remote_host.empty()) {
        throw invalid_argument_error(std::string(open_who) +
                                     ": give either host addresses (UDP) or paths (Unix), "
                                     "not both");
    }
    local = unix_name(local);
    remote = unix_name(remote);
    // Both built first: a path too long for sun_path throws before any socket exists.
    const std::optional<address> la =
        local.empty() ? std::nullopt : std::optional(address::unix_domain(local));
    const std::optional<address> ra =
        remote.empty() ? std::nullopt : std::optional(address::unix_domain(remote));
    detail::unique_fd fd = detail::open_socket(AF_UNIX, SOCK_DGRAM, open_who);
    detail::socket_file file;
    if (la) {
        detail::socket_file::remove_stale(local);
        if (::bind(fd.get(), static_cast<const sockaddr*>(la->data()),
                   static_cast<socklen_t>(la->size())) < 0) {
            detail::throw_io_error(errno, std::string(open_who) + ": bind to " + la->to_string());
        }
        file.remember(local);
    }
    // From here on a failure removes the file we just created (file's owner is this frame).
    struct unlink_on_failure {
        detail::socket_file* f;
        ~unlink_on_failure() {
            if (f)
                f->remove();
        }
    } guard{&file};
    if (ra && ::connect(fd.get(), static_cast<const sockaddr*>(ra->data()),
                        static_cast<socklen_t>(ra->size())) < 0) {
        detail::throw_io_error(errno, std::string(open_who) + ": connect to " + ra->to_string());
    }
    guard.f = nullptr;
    return make_endpoint(std::move(fd), ra, o.max_datagram, std::move(file));
}

task<datagram_endpoint> open_endpoint(datagram_options o,
                                      std::string local_host,
                                      std::string remote_host,
                                      std::string local_path,
                                      std::string remote_path) {
    constexpr const char* who = open_who;
    if (o.max_datagram == 0) {
        throw invalid_argument_error(std::string(who) + ": max_datagram must be > 0");
    }
    if (!local_path.empty() || !remote_path.empty() || o.family == address_family::unix_domain) {
        co_return open_unix(o, std::move(local_path), std::move(remote_path));
    }
    if (o.local_host.empty() && o.remote_host.empty()) {
        throw invalid_argument_error(std::string(who) +
                                     ": give a local address, a remote address or both");
    }
    std::optional<address> remote;
    std::optional<address> local;
    address_family fam = o.family;
    if (!o.remote_host.empty()) {
        // Named results: GCC 12 double-destroys a temporary co_await result used in place.
        std::vector<address> found = co_await resolve(remote_host, o.remote_port, fam);
        remote = found.front();
        fam = remote->family();
    }
    if (!o.local_host.empty()) {
        std::vector<address> found = co_await resolve(local_host, o.local_port, fam);
        local = found.front();
        fam = local->family();
    }
    const int family = detail::af(local ? *local : *remote);
    detail::unique_fd fd = detail::open_socket(family, SOCK_DGRAM, who);
    const int one = 1;
    if (o.reuse_port && ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0) {
        detail::throw_io_error(errno, std::string(who) + ": SO_REUSEPORT");
    }
    if (o.allow_broadcast &&
        ::setsockopt(fd.get(), SOL_SOCKET, SO_BROADCAST, &one, sizeof one) < 0) {
        detail::throw_io_error(errno, std::string(who) + ": SO_BROADCAST");
    }
    if (local && ::bind(fd.get(), static_cast<const sockaddr*>(local->data()),
                        static_cast<socklen_t>(local->size())) < 0) {
        detail::throw_io_error(errno, std::string(who) + ": bind to " + local->to_string());
    }
    if (remote && ::connect(fd.get(), static_cast<const sockaddr*>(remote->data()),
                            static_cast<socklen_t>(remote->size())) < 0) {
        detail::throw_io_error(errno, std::string(who) + ": connect to " + remote->to_string());
    }
    co_return make_endpoint(std::move(fd), remote, o.max_datagram);
}
} // namespace

task<datagram_endpoint> open_datagram_endpoint(datagram_options options) {
    // The texts are copied now, so only the call itself needs them alive.
    return open_endpoint(options, std::string(options.local_host), std::string(options.remote_host),
                         std::string(options.local_path), std::string(options.remote_path));
}

} // namespace aio::net
