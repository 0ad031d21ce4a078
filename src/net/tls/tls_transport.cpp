#include "net/tls/tls_transport.hpp"

#include "io/sys.hpp"

#include <aio/core/error.hpp>

#include <algorithm>
#include <exception>
#include <system_error>

namespace aio::net::detail {

namespace {
// One TLS record carries at most 16 KiB of plaintext; a read of up to 4 records' worth of
// ciphertext per syscall keeps the syscall count low without a large buffer.
constexpr std::size_t in_buffer_size = 64 * 1024;
// Plaintext encrypted per write_some: bounds m_out (the stream calls again for the rest).
constexpr std::size_t max_plain_per_write = 64 * 1024;

[[noreturn]] void throw_io_cancelled() {
    throw io_error(std::make_error_code(std::errc::operation_canceled),
                   "aio::net::stream: TLS I/O interrupted by abort");
}
/// Takes what the peer sent and nobody read off the socket, without waiting. Closing a
/// socket whose input is not empty makes the kernel reset the connection and drop what it
/// has not transmitted yet, close_notify included. With TLS 1.3 that input is the norm: the
/// server's session tickets arrive after the handshake, and a client that only writes never
/// reads them. Bounded: a peer that keeps sending gets its reset.
void discard_unread_input(int fd) noexcept {
    if (fd < 0)
        return;
    char buf[16 * 1024];
    for (int i = 0; i < 64; ++i) {
        if (aio::detail::sys::recv(fd, buf, sizeof buf, MSG_DONTWAIT) <= 0)
            break;
    }
}

} // namespace

tls_transport::tls_transport(const tls_context& ctx,
                             tls_engine::role role,
                             std::string server_hostname,
                             std::string peer)
    : m_engine(ctx, role, std::move(server_hostname), std::move(peer)),
      m_in(new std::byte[in_buffer_size]) {}

void tls_transport::attach(std::unique_ptr<transport> inner, std::string_view initial) {
    m_inner = std::move(inner);
    if (!initial.empty())
        m_engine.feed(initial.data(), initial.size());
}

tls_transport::~tls_transport() = default;

int tls_transport::native_handle() const noexcept {
    return m_inner ? m_inner->native_handle() : -1;
}

void tls_transport::cancel_io() noexcept {
    ++m_cancel_epoch;
    if (m_inner)
        m_inner->cancel_io();
}

void tls_transport::check_epoch(unsigned epoch) const {
    if (epoch != m_cancel_epoch)
        throw_io_cancelled();
}

task<void> tls_transport::flush() {
    for (int guard = 0; guard < 1 << 30; ++guard) {
        if (m_out_pos == m_out.size()) {
            m_out.clear();
            m_out_pos = 0;
            m_engine.take_output(m_out);
            if (m_out.empty())
                co_return;
        }
        const auto rest = std::as_bytes(std::span(m_out)).subspan(m_out_pos);
        const std::size_t n = co_await m_inner->write_some(rest);
        m_out_pos += n;
    }
}

task<bool> tls_transport::fill(unsigned epoch) {
    check_epoch(epoch);
    const std::size_t n = co_await m_inner->read_some(std::span(m_in.get(), in_buffer_size));
    if (n == 0) {
        m_engine.feed_eof();
        co_return false;
    }
    m_engine.feed(m_in.get(), n);
    co_return true;
}

task<void> tls_transport::handshake() {
    const unsigned epoch = m_cancel_epoch;
    std::exception_ptr failure;
    for (;;) {
        tls_engine::status st = tls_engine::status::want_input;
        try {
            st = m_engine.handshake();
        } catch (const tls_error&) {
            failure = std::current_exception();
            break;
        }
        {
            auto g = co_await m_write_lock.scoped();
            co_await flush();
        }
        if (st == tls_engine::status::ok)
            co_return;
        co_await fill(epoch);
    }
    // Tell the peer why (the engine queued a fatal alert), then report. The peer may be
    // gone or the task cancelled: the alert is a courtesy, the tls_error is the answer.
    try {
        if (!m_write_lock.locked()) {
            auto g = co_await m_write_lock.scoped();
            co_await flush();
        }
    } catch (...) {
    }
    std::rethrow_exception(failure);
}

task<std::size_t> tls_transport::read_some(std::span<std::byte> buf) {
    const unsigned epoch = m_cancel_epoch;
    for (;;) {
        std::size_t got = 0;
        const auto st = m_engine.read(buf.data(), buf.size(), &got);
        if (st == tls_engine::status::ok)
            co_return got;
        if (st == tls_engine::status::closed)
            co_return 0;
        // Records the engine produced while reading (e.g. a KeyUpdate answer) go out
        // before we wait, unless a writer is flushing (it sends them too).
        if ((m_engine.output_pending() > 0 || m_out_pos < m_out.size()) && !m_write_lock.locked()) {
            check_epoch(epoch);
            auto g = co_await m_write_lock.scoped();
            co_await flush();
        }
        co_await fill(epoch);
    }
}

task<std::size_t> tls_transport::write_some(std::span<const std::byte> buf) {
    if (buf.empty())
        co_return 0;
    const unsigned epoch = m_cancel_epoch;
    auto g = co_await m_write_lock.scoped(); // cancelled here: nothing was written
    check_epoch(epoch);
    const std::size_t n = std::min(buf.size(), max_plain_per_write);
    m_engine.write(buf.data(), n);
    // From here the bytes are accepted: a cancellation while the records are sent must not
    // make the caller think they were not (the records stay queued and go out first later).
    try {
        co_await flush();
    } catch (const cancelled_error&) {
    }
    co_return n;
}

task<void> tls_transport::shutdown() {
    auto g = co_await m_write_lock.scoped();
    m_engine.close();
    co_await flush();
}

task<void> tls_transport::close() {
    std::exception_ptr cancelled;
    if (m_inner && m_engine.handshake_done() && !m_engine.failed() && !m_write_lock.locked()) {
        try {
            auto g = co_await m_write_lock.scoped();
            m_engine.close();
            co_await flush();
        } catch (const cancelled_error&) {
            cancelled = std::current_exception();
        } catch (...) {
            // Send errors are not reported by close (the stream's contract): the peer is
            // gone or refused; the fd is released below either way.
        }
    }
    if (m_inner) {
        discard_unread_input(m_inner->native_handle());
        co_await m_inner->close();
    }
    if (cancelled)
        std::rethrow_exception(cancelled);
}

} // namespace aio::net::detail
