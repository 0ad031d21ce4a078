// aio::ws errors and close codes (RFC 6455 §7.4).
#pragma once

#include <aio/core/error.hpp>

#include <cstdint>
#include <string>

namespace aio::ws {

/// Close codes of RFC 6455 §7.4.1 (a close frame carries one; close_code() reports it).
namespace close_code {
inline constexpr std::uint16_t normal = 1000;           ///< the purpose was fulfilled
inline constexpr std::uint16_t going_away = 1001;       ///< server shutdown, page left
inline constexpr std::uint16_t protocol_error = 1002;   ///< the peer broke RFC 6455
inline constexpr std::uint16_t unsupported_data = 1003; ///< a data type the endpoint refuses
inline constexpr std::uint16_t no_status = 1005;        ///< a close frame without a code
inline constexpr std::uint16_t abnormal = 1006;         ///< no close frame: the TCP link died
inline constexpr std::uint16_t invalid_data = 1007;     ///< a text message that is not UTF-8
inline constexpr std::uint16_t policy_violation = 1008;
inline constexpr std::uint16_t message_too_big = 1009; ///< over options::max_message_size
inline constexpr std::uint16_t mandatory_extension = 1010;
inline constexpr std::uint16_t internal_error = 1011; ///< a handler threw, keep-alive timed out
} // namespace close_code

/// The base of every aio::ws error.
class error : public aio::error {
  public:
    using aio::error::error;
};

/// The opening handshake failed: connect() got an answer other than a valid 101 (status()
/// is that answer's status, 0 for a malformed one), or accept() a request that is not a
/// WebSocket handshake. what(): "aio::ws::connect: ws://127.0.0.1:8080/chat answered 404 Not
/// Found instead of 101 Switching Protocols".
class handshake_error : public error {
  public:
    handshake_error(const std::string& message, int status = 0)
        : error(message), m_status(status) {}
    int status() const noexcept { return m_status; }

  private:
    int m_status;
};

/// The peer broke the protocol (a bad frame, invalid UTF-8, a message over the size limit):
/// this side sent a close frame with code() and closed the connection. Thrown once, by the
/// receive() that saw the violation. what(): "aio::ws: message of 2097152 bytes is over
/// max_message_size (1048576); closed with 1009".
class protocol_error : public error {
  public:
    protocol_error(std::uint16_t code, const std::string& message) : error(message), m_code(code) {}
    std::uint16_t code() const noexcept { return m_code; }

  private:
    std::uint16_t m_code;
};

/// The connection is gone: receive() when it ended without a closing handshake (the peer
/// vanished, possibly mid-frame: code() 1006; or a keep-alive ping went unanswered: 1011),
/// send()/ping() after the connection closed (code() is how it closed).
class connection_closed_error : public error {
  public:
    connection_closed_error(std::uint16_t code, const std::string& message)
        : error(message), m_code(code) {}
    std::uint16_t code() const noexcept { return m_code; }

  private:
    std::uint16_t m_code;
};

} // namespace aio::ws
