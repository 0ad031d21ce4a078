// aio::net::stream::sendfile: a file region sent on a stream.
//
// Design (see docs/design/net.md, "sendfile"):
// * The queue is drained first, then the sender is claimed (m_writing) for the whole call:
//   a write() made meanwhile queues behind it (m_pending) and the flusher sends it once the
//   file is out, so the bytes keep the order of the calls.
// * Plain fd: sendfile(2) from a duplicate of the file to a duplicate of the socket. The
//   call reads the file, which may block on the disk, so it runs on the thread pool; the
//   socket is non-blocking (shared file status flags), so the call never waits for the
//   peer: EAGAIN sends the task to wait for POLLOUT through the backend, on the loop.
//   The thread's wait is shielded, so the frame (and the duplicates the job uses) outlive
//   the job; a cancellation is seen at the next suspension.
// * Why duplicates: the caller may close the file, and abort() may release the socket,
//   while a job or a poll is in flight; the duplicates keep both numbers from being
//   reused under it. They are closed (close_fd: the backend forgets them) on return.
// * TLS: pread on the pool into a buffer, then write() through the stream.
#include "net/fd_transport.hpp"
#include "net/stream_ops.hpp"
#include "net/stream_state.hpp"

#include <aio/core/shield.hpp>
#include <aio/threads/thread_pool.hpp>

#include <algorithm>
#include <cerrno>
#include <string>

#include <fcntl.h>
#include <poll.h>
#include <sys/sendfile.h>
#include <unistd.h>

namespace aio::net {

namespace detail {
namespace {

constexpr std::size_t chunk = std::size_t{1} << 20; // per sendfile(2) call
constexpr std::size_t tls_chunk = 64 * 1024;        // per pread on a TLS stream

unique_fd duplicate(int fd, const char* what) {
    const int d = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (d < 0)
        throw_io_error(errno, std::string("aio::net::stream::sendfile: ") + what);
    return unique_fd(d);
}

/// Releases the sender claimed by sendfile: hands queued writes to the flusher.
void release_sender(stream_state* s) noexcept {
    if (!s->m_pending.empty() && !s->m_aborted && !s->m_write_error) {
        s->start_flusher(); // it now owns m_writing
    } else {
        s->m_writing = false;
        if (s->m_aborted || s->m_write_error)
            s->drop_output();
    }
    s->changed();
    s->maybe_release();
}

/// One sendfile(2) call on the pool; the result or -errno.
task<long> send_some(int out, int in, std::uint64_t offset, std::size_t n) {
    co_return co_await shield(to_thread(
        [](int o, int i, std::uint64_t off, std::size_t len) -> long {
            off_t pos = static_cast<off_t>(off);
            const ssize_t r = ::sendfile(o, i, &pos, len);
            return r < 0 ? -errno : static_cast<long>(r);
        },
        out, in, offset, n));
}

task<long> pread_some(int in, std::string* buf, std::uint64_t offset) {
    co_return co_await shield(to_thread(
        [](int i, std::string* b, std::uint64_t off) -> long {
            const ssize_t r = ::pread(i, b->data(), b->size(), static_cast<off_t>(off));
            return r < 0 ? -errno : static_cast<long>(r);
        },
        in, buf, offset));
}

task<std::uint64_t> do_sendfile(state_ref r, int fd, std::uint64_t offset, std::uint64_t count) {
    stream_state* st = r.get();
    const unique_fd file = duplicate(fd, "dup of the file");
    std::uint64_t sent = 0;
    if (!st->m_fd_t) {
        // TLS: read and write through the stream (the buffer is reused).
        std::string buf;
        while (sent < count) {
            buf.resize(static_cast<std::size_t>(std::min<std::uint64_t>(tls_chunk, count - sent)));
            const long n = co_await pread_some(file.get(), &buf, offset + sent);
            if (n < 0)
                throw_io_error(static_cast<int>(-n), "aio::net::stream::sendfile: read the file");
            if (n == 0)
                break;
            co_await write_bytes(state_ref(st), buf.data(), static_cast<std::size_t>(n));
            sent += static_cast<std::uint64_t>(n);
        }
        co_return sent;
    }

    // Plain fd: everything queued goes first, then the sender is ours.
    for (;;) {
        st->check_writable("sendfile");
        if (!st->m_writing && st->write_queued() == 0)
            break;
        co_await do_drain(state_ref(st));
    }
    const unique_fd sock = duplicate(st->m_fd_t->native_handle(), "dup of the socket");
    st->m_writing = true;
    std::exception_ptr failure;
    try {
        while (sent < count) {
            if (st->m_aborted)
                throw invalid_state_error(
                    "aio::net::stream::sendfile: the stream was closed while sending");
            const std::size_t want =
                static_cast<std::size_t>(std::min<std::uint64_t>(chunk, count - sent));
            const long n = co_await send_some(sock.get(), file.get(), offset + sent, want);
            if (n > 0) {
                sent += static_cast<std::uint64_t>(n);
                continue;
            }
            if (n == 0)
                break; // the file ended
            if (n != -EAGAIN)
                throw_io_error(static_cast<int>(-n), "aio::net::stream::sendfile");
            op_awaiter wait(op_kind::poll, sock.get());
            wait.m_len = POLLOUT;
            const int pr = co_await wait;
            if (wait.cancel_requested())
                throw cancelled_error();
            if (pr < 0 && pr != -ECANCELED)
                throw_io_error(-pr, "aio::net::stream::sendfile: wait for the socket");
        }
    } catch (...) {
        failure = std::current_exception();
    }
    if (failure && sent > 0 && sent < count && !st->m_write_error) {
        // The peer saw part of the file: nothing written after it could be framed.
        st->m_write_error = std::make_exception_ptr(
            invalid_state_error("aio::net::stream::sendfile: an earlier sendfile stopped after " +
                                std::to_string(sent) + " of " + std::to_string(count) +
                                " bytes; the stream cannot be written to"));
    }
    release_sender(st);
    if (failure)
        std::rethrow_exception(failure);
    co_return sent;
}

} // namespace
} // namespace detail

task<std::uint64_t> stream::sendfile(int fd, std::uint64_t offset, std::uint64_t count) {
    return detail::do_sendfile(detail::state_ref(detail::need_state(m_s, "sendfile")), fd, offset,
                               count);
}

} // namespace aio::net
