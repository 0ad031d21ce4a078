// The byte transport under aio::net::stream: the seam where TLS plugs in.
//
// A stream keeps its buffering, limits and backpressure *above* this interface and only
// asks the transport to move bytes. Implementations: fd_transport (sockets and pipes, this
// layer) and the TLS transport (src/tls), which wraps another transport and is installed
// with stream_state::exchange_transport (see docs/design/net.md).
//
// Contract (the stream relies on every line of it):
// * At most one read_some and one write_some are in flight at a time (one of each may
//   overlap). shutdown() and close() are called with no write_some in flight; close() also
//   with no read_some in flight.
// * read_some returns 0 only at the end of the stream. write_some returns how many bytes
//   were accepted (>= 1 for a non-empty buffer).
// * Errors are exceptions: aio::io_error subclasses (connection_reset_error, ...).
// * Cancellation of the calling task: if bytes were already moved, the call returns them
//   normally (the caller keeps them; its next suspension throws); otherwise it throws
//   aio::cancelled_error. No operation is left in flight when a call returns or throws.
// * cancel_io() (called by the stream on abort/close, from another task) makes the calls
//   in flight finish soon; they then throw aio::io_error with std::errc::operation_canceled
//   (or return bytes already moved).
// * close() releases the OS resources, also when it throws or is cancelled; afterwards
//   native_handle() is -1. The destructor releases them at once, without any I/O; it is
//   only called when no call is in flight.
#pragma once

#include <aio/core/task.hpp>

#include <cstddef>
#include <memory>
#include <span>

namespace aio::net::detail {

class fd_transport;

class transport {
  public:
    virtual ~transport() = default;

    /// Reads up to buf.size() bytes into buf; 0 at EOF.
    virtual task<std::size_t> read_some(std::span<std::byte> buf) = 0;
    /// Writes a prefix of buf; returns its length.
    virtual task<std::size_t> write_some(std::span<const std::byte> buf) = 0;
    /// Ends the sending direction (TCP: shutdown(SHUT_WR); TLS: close_notify; a pipe:
    /// close). Reading may continue.
    virtual task<void> shutdown() = 0;
    /// Graceful close (TLS: close_notify, best effort), then releases the OS resources.
    virtual task<void> close() = 0;
    /// Interrupts the calls in flight (see the contract above).
    virtual void cancel_io() noexcept = 0;
    /// The OS descriptor of the underlying socket or pipe, -1 once released.
    virtual int native_handle() const noexcept = 0;
    /// This transport as a plain fd transport, or nullptr (TLS). The stream then awaits the
    /// fd's operations directly (fd_transport::read_op/write_op): no coroutine frame per call.
    virtual fd_transport* as_fd() noexcept { return nullptr; }
};

/// A transport over an fd it owns (closed by close() or the destructor). `socket` selects
/// recv/send (MSG_NOSIGNAL) over read/write; `tcp` marks a TCP socket (see fd_transport).
std::unique_ptr<transport> make_fd_transport(int fd, bool socket, bool tcp);

} // namespace aio::net::detail
