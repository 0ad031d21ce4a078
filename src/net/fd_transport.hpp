// fd_transport: the transport over a socket or a pipe (see transport.hpp for the contract).
//
// Besides the virtual read_some/write_some (coroutines, for layers that wrap a transport),
// it offers read_op/write_op: awaitables with the same results, errors and cancellation
// that hold the backend operation in the awaiting frame. The stream uses them on its hot
// paths, which saves a coroutine frame (and its allocation, start and destruction) per
// read and per write.
#pragma once

#include "net/primitives.hpp"
#include "net/transport.hpp"

#include <aio/core/error.hpp>

#include <algorithm>
#include <coroutine>
#include <cstddef>
#include <span>
#include <string>

namespace aio::net::detail {

/// What an error message names for `kind` ("aio::net::stream: send", ...).
std::string io_what(op_kind kind);

class fd_transport final : public transport {
  public:
    // io_uring takes 32-bit lengths; one operation never needs more.
    static constexpr std::size_t max_chunk = std::size_t{1} << 30;

    /// One read or write on the fd; `co_await` yields the byte count (0: EOF for reads) or
    /// throws as transport::read_some/write_some do. While in flight it is registered with
    /// the transport, so cancel_io() (close/abort from another task) can interrupt it.
    class io_awaiter : public op_awaiter {
      public:
        io_awaiter(op_kind kind,
                   int fd,
                   void* buf,
                   std::size_t len,
                   op_awaiter** slot,
                   bool drains = false) noexcept
            : op_awaiter(kind, fd, buf, std::min(len, max_chunk)), m_slot(slot) {
            m_drains = drains;
        }
        bool await_suspend(std::coroutine_handle<> h) {
            *m_slot = this;
            if (op_awaiter::await_suspend(h))
                return true;
            *m_slot = nullptr;
            return false;
        }
        std::size_t await_resume() {
            *m_slot = nullptr;
            const int r = op_awaiter::await_resume();
            if (r >= 0) [[likely]]
                return static_cast<std::size_t>(r);
            fail(r);
        }

      private:
        [[noreturn]] void fail(int r) const;
        op_awaiter** m_slot;
    };

    /// `socket`: a socket (recv/send, never SIGPIPE; write_eof is a shutdown); `tcp`: a TCP
    /// socket (IPPROTO_TCP), whose short recv means "nothing more to read" (io_op::m_drains)
    /// unless urgent data came (the epoll backend watches for it). Not so for a Unix socket
    /// (its read stops early at passed fds or changed credentials), an SCTP stream socket
    /// (at each message), a datagram socket (at each datagram) or a terminal (at each line).
    fd_transport(int fd, bool socket, bool tcp) noexcept
        : m_fd(fd), m_socket(socket), m_tcp(socket && tcp) {}
    ~fd_transport() override;

    [[nodiscard]] io_awaiter read_op(std::span<std::byte> buf) noexcept {
        return io_awaiter(read_kind(), m_fd, buf.data(), buf.size(), &m_read, m_tcp);
    }
    [[nodiscard]] io_awaiter write_op(std::span<const std::byte> buf) noexcept {
        return io_awaiter(write_kind(), m_fd, const_cast<std::byte*>(buf.data()), buf.size(),
                          &m_write);
    }

    task<std::size_t> read_some(std::span<std::byte> buf) override;
    task<std::size_t> write_some(std::span<const std::byte> buf) override;
    task<void> shutdown() override;
    task<void> close() override;
    void cancel_io() noexcept override;
    int native_handle() const noexcept override { return m_fd; }
    /// The operation that reads from this fd.
    op_kind read_kind() const noexcept { return m_socket ? op_kind::recv : op_kind::read; }
    /// The operation that writes to this fd (send for a socket: never SIGPIPE).
    op_kind write_kind() const noexcept { return m_socket ? op_kind::send : op_kind::write; }
    /// Whether a short read means the fd has nothing more to read (see the constructor).
    bool short_read_drains() const noexcept { return m_tcp; }
    fd_transport* as_fd() noexcept override { return this; }

  private:
    int m_fd;
    bool m_socket;
    bool m_tcp;
    op_awaiter* m_read = nullptr;
    op_awaiter* m_write = nullptr;
};

} // namespace aio::net::detail
