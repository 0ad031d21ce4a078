// aio::net::stream.
//
// Design (see also docs/design/net.md):
// * A stream is a pointer to a reference-counted stream_state. The stream object holds one
//   reference; every running call (read, write, close, ...) holds one; the background
//   flusher holds one. So the state, its buffers and its transport outlive every operation
//   that uses them, whatever the user does with the stream object meanwhile.
// * Reading: one reader at a time (m_reading). Bytes come from the transport into
//   m_in; read_line/read_until scan only the bytes not scanned before and stop reading once
//   the limit is passed (asyncio's readuntil rules), so the buffer is bounded by the limit
//   plus one read.
// * Writing: when nothing is queued the writer sends straight from the caller's buffer
//   ("inline"), like asyncio's write() trying send() first. What the kernel does not take
//   is queued in m_pending once it fits under the high-water mark, and a background task
//   (the flusher, a root task) sends it: m_pending becomes m_sending, so appends never move
//   memory that a send in flight reads. A write that would take the queue above the
//   high-water mark waits (m_changed) until the queue drained to the low-water mark.
// * Closing: abort() interrupts every call in flight (cancel_io / cancelling the flusher);
//   each call, when it leaves, calls maybe_release(), and the last one releases the
//   transport. close() drains, interrupts a pending reader, closes the transport
//   gracefully, and falls back to abort() if it is cancelled.
#include "net/fd_transport.hpp"
#include "net/stream_ops.hpp"
#include "net/stream_state.hpp"

#include <aio/core/shield.hpp>
#include <aio/core/task_handle.hpp>

#include <algorithm>
#include <cstring>
#include <new>
#include <optional>
#include <string>
#include <type_traits>

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

namespace aio::net {

namespace detail {

void stream_core::destroy(stream_core* s) noexcept {
    delete static_cast<stream_state*>(s);
}

void throw_empty_stream(const char* fn) {
    throw invalid_state_error(std::string("aio::net::stream::") + fn +
                              ": empty stream (default-constructed or moved from)");
}

stream_state::stream_state(std::unique_ptr<transport> t, const stream_options& opts, bool tcp)
    : m_t(std::move(t)), m_limit(opts.limit),
      m_low(opts.low_water ? opts.low_water : opts.high_water / 4), m_linger(opts.linger),
      m_tcp(tcp) {
    m_high = opts.high_water;
    set_fd_transport();
    m_send.m_owner = this;
    m_send.m_complete = &on_sent;
    m_reader.m_owner = this;
    m_reader.m_complete = &on_read;
    m_send.m_shutdown = &on_loop_shutdown;
    m_linger_timer.m_owner = this;
    m_linger_timer.m_fire = &on_linger_timeout;
}

stream_state::~stream_state() {
    aio::detail::loop_core::forget_detached(&m_send);
}

void stream_state::throw_not_writable(const char* fn) const {
    if (m_write_error)
        std::rethrow_exception(m_write_error);
    if (m_closing) {
        throw invalid_state_error(std::string("aio::net::stream::") + fn +
                                  ": the stream is closed");
    }
    throw invalid_state_error(std::string("aio::net::stream::") + fn +
                              ": write_eof() was called; the stream cannot send any more");
}

void stream_state::set_fd_transport() noexcept {
    m_fd_t = m_t ? m_t->as_fd() : nullptr;
    if (m_fd_t) {
        // The fds are filled in at each use: a pipe's write_eof() closes its fd.
        m_send.m_kind = m_fd_t->write_kind();
        m_reader.m_kind = m_fd_t->read_kind();
        m_reader.m_drains = m_fd_t->short_read_drains();
    }
    m_send_direct =
        m_fd_t && aio::detail::t_loop && !aio::detail::t_loop->io_backend().can_try_now();
}

} // namespace detail

using detail::need_state;
using detail::state_ref;

stream::stream(stream&& o) noexcept : m_s(std::exchange(o.m_s, nullptr)) {}

stream& stream::operator=(stream&& o) noexcept {
    if (this != &o) {
        stream old(std::move(*this));
        m_s = std::exchange(o.m_s, nullptr);
    }
    return *this;
}

stream::stream(detail::stream_state* s) noexcept : m_s(s) {}

detail::stream_state* stream::state() const noexcept {
    return static_cast<detail::stream_state*>(m_s);
}

stream::~stream() {
    if (m_s) {
        state()->linger();
        m_s->release();
    }
}

stream stream::from_fd(int fd, stream_options opts) {
    detail::unique_fd guard(fd);
    struct stat st {};
    if (fd < 0 || ::fstat(fd, &st) < 0) {
        detail::throw_io_error(fd < 0 ? EBADF : errno,
                               "aio::net::stream::from_fd(" + std::to_string(fd) + ")");
    }
    if (opts.limit == 0 || opts.high_water == 0 || opts.low_water > opts.high_water ||
        opts.linger.count() < 0) {
        throw invalid_argument_error(
            "aio::net::stream_options: limit and high_water must be > 0, low_water <= "
            "high_water and linger >= 0");
    }
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags >= 0 && !(flags & O_NONBLOCK))
        ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    const bool sock = S_ISSOCK(st.st_mode);
    bool tcp = false;       // an IP stream socket (set_nodelay applies)
    bool plain_tcp = false; // and TCP itself, not SCTP or MPTCP (see fd_transport)
    if (sock) {
        int domain = 0, type = 0, protocol = 0;
        socklen_t len = sizeof domain;
        ::getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len);
        len = sizeof type;
        ::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len);
        len = sizeof protocol;
        ::getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &protocol, &len);
        tcp = (domain == AF_INET || domain == AF_INET6) && type == SOCK_STREAM;
        plain_tcp = tcp && protocol == IPPROTO_TCP;
    }
    auto t = detail::make_fd_transport(fd, sock, plain_tcp);
    guard.release();
    return stream(new detail::stream_state(std::move(t), opts, tcp));
}

task<std::string> stream::read(std::size_t n) {
    return detail::do_read(state_ref(need_state(m_s, "read")), n);
}
task<std::string> stream::read_all() {
    return detail::do_read_all(state_ref(need_state(m_s, "read_all")));
}
task<std::string> stream::read_exactly(std::size_t n) {
    return detail::do_read_exactly(state_ref(need_state(m_s, "read_exactly")), n);
}
task<std::string> stream::read_line() {
    return detail::do_read_until(state_ref(need_state(m_s, "read_line")), "\n", 0, true);
}
task<std::string> stream::read_until(std::string_view separator, std::size_t limit) {
    return detail::do_read_until(state_ref(need_state(m_s, "read_until")), std::string(separator),
                                 limit, false);
}

task<void> stream::drain() {
    return detail::do_drain(state_ref(need_state(m_s, "drain")));
}
task<void> stream::write_eof() {
    return detail::do_write_eof(state_ref(need_state(m_s, "write_eof")));
}
task<void> stream::close() {
    return detail::do_close(state_ref(need_state(m_s, "close")));
}
void stream::abort() noexcept {
    if (m_s)
        state()->abort();
}
task<void> stream::wait_closed() {
    return detail::wait_released(state_ref(need_state(m_s, "wait_closed")));
}

bool stream::is_closing() const noexcept {
    return m_s && m_s->m_closing;
}
bool stream::at_eof() const noexcept {
    // A closing stream reads as EOF at once (fill), as asyncio's does (bpo-35065).
    return !m_s || ((m_s->m_eof || m_s->m_closing) && m_s->m_in.size() == 0);
}
std::size_t stream::buffered() const noexcept {
    return m_s ? m_s->m_in.size() : 0;
}
std::size_t stream::write_buffer_size() const noexcept {
    return m_s ? m_s->write_queued() : 0;
}

void stream::set_write_buffer_limits(std::size_t high, std::size_t low) {
    detail::stream_state* s = need_state(m_s, "set_write_buffer_limits");
    if (low == 0)
        low = high / 4;
    if (high == 0 || low > high) {
        throw invalid_argument_error("aio::net::stream::set_write_buffer_limits: need 0 < low <= "
                                     "high, got high=" +
                                     std::to_string(high) + " low=" + std::to_string(low));
    }
    s->m_high = high;
    s->m_low = low;
    s->changed();
}

int stream::native_handle() const noexcept {
    const detail::stream_state* s = state();
    return s && s->m_t ? s->m_t->native_handle() : -1;
}

namespace {
address sock_name(const stream& s, bool peer, const char* fn) {
    const int fd = s.native_handle();
    std::optional<address> a =
        fd < 0 ? (errno = EBADF, std::nullopt) : detail::socket_address(fd, peer);
    if (!a)
        detail::throw_io_error(errno, std::string("aio::net::stream::") + fn);
    return *a;
}
} // namespace

address stream::peer_address() const {
    return sock_name(*this, true, "peer_address");
}
address stream::local_address() const {
    return sock_name(*this, false, "local_address");
}

void stream::set_nodelay(bool on) {
    const int fd = native_handle();
    const int v = on ? 1 : 0;
    if (fd < 0 || !state()->m_tcp) {
        detail::throw_io_error(fd < 0 ? EBADF : EOPNOTSUPP,
                               "aio::net::stream::set_nodelay: not a TCP stream");
    }
    if (::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, sizeof v) < 0) {
        detail::throw_io_error(errno, "aio::net::stream::set_nodelay");
    }
}

} // namespace aio::net
