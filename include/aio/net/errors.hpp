// Exceptions of the net layer. OS failures are aio::io_error subclasses carrying the
// std::error_code (as Python's ConnectionError family); protocol-level conditions of a
// stream (a short read, an overlong line) and DNS failures have their own types.
#pragma once

#include <aio/core/error.hpp>

#include <cstddef>
#include <string>
#include <system_error>

namespace aio {

/// A connection-level OS failure (Python's ConnectionError). Catch this to handle any of
/// the subclasses below.
class connection_error : public io_error {
  public:
    using io_error::io_error;
};

/// The peer reset the connection (ECONNRESET).
class connection_reset_error : public connection_error {
  public:
    using connection_error::connection_error;
};

/// Writing to a connection (or pipe) whose other end is closed (EPIPE).
class broken_pipe_error : public connection_error {
  public:
    using connection_error::connection_error;
};

/// Nobody listens at the address (ECONNREFUSED).
class connection_refused_error : public connection_error {
  public:
    using connection_error::connection_error;
};

/// The connection was aborted locally (ECONNABORTED).
class connection_aborted_error : public connection_error {
  public:
    using connection_error::connection_error;
};

namespace net {

using aio::broken_pipe_error;
using aio::connection_aborted_error;
using aio::connection_error;
using aio::connection_refused_error;
using aio::connection_reset_error;

/// Bad input to the net API: an unparsable address, an invalid option. The message says
/// which call and which value.
class invalid_argument_error : public error {
  public:
    using error::error;
};

/// stream::read_exactly met the end of the stream first (asyncio.IncompleteReadError).
/// partial() holds the bytes that did arrive; they are no longer in the stream.
class incomplete_read_error : public error {
  public:
    incomplete_read_error(std::string partial, std::size_t expected);
    /// The bytes read before the end of the stream.
    const std::string& partial() const noexcept { return m_partial; }
    /// The number of bytes that was asked for.
    std::size_t expected() const noexcept { return m_expected; }

  private:
    std::string m_partial;
    std::size_t m_expected;
};

/// stream::read_until / read_line found no separator within the limit
/// (asyncio.LimitOverrunError). See those functions for the exact rules and for what stays
/// in the buffer.
class limit_overrun_error : public error {
  public:
    limit_overrun_error(const std::string& what, std::size_t consumed)
        : error(what), m_consumed(consumed) {}
    /// read_until (asyncio's `consumed`): the bytes at the front of the buffer that hold no
    /// separator — its offset when it was found past the limit, else the buffered bytes
    /// minus len(separator) - 1; read them (read_exactly) before retrying.
    /// read_line: the number of bytes that were discarded.
    std::size_t consumed() const noexcept { return m_consumed; }

  private:
    std::size_t m_consumed;
};

/// The error category of DNS failures (c-ares status codes; message() is ares_strerror).
const std::error_category& dns_category() noexcept;

/// A name could not be resolved. The message names the host; code() is in dns_category().
class dns_error : public io_error {
  public:
    dns_error(std::error_code code, std::string host);
    /// The host name that could not be resolved.
    const std::string& host() const noexcept { return m_host; }

  private:
    std::string m_host;
};

} // namespace net
} // namespace aio
