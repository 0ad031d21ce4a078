// An incremental UTF-8 validator (RFC 3629): text messages are checked frame by frame, so a
// bad byte fails the connection as soon as it arrives (RFC 6455 §8.1), even mid-message.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace aio::ws::detail {

class utf8_validator {
  public:
    /// Feeds the next bytes; false once any byte so far is invalid (sticky).
    bool feed(std::string_view bytes) noexcept;
    /// True when everything fed is valid and no sequence is cut off at the end.
    bool complete() const noexcept { return !m_bad && m_need == 0; }
    void reset() noexcept { *this = utf8_validator(); }

  private:
    std::uint8_t m_need = 0;               // continuation bytes still expected
    std::uint8_t m_lo = 0x80, m_hi = 0xBF; // the range of the next continuation byte
    bool m_bad = false;
};

/// True if `s` is complete, valid UTF-8.
bool is_valid_utf8(std::string_view s) noexcept;

} // namespace aio::ws::detail
