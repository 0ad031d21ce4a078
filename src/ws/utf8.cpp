// UTF-8 validation: a byte-at-a-time state machine with an ASCII fast path (8 bytes a step).
// The second byte's range is narrowed after E0, ED, F0 and F4, which rules out overlong
// forms, surrogates (U+D800..U+DFFF) and code points above U+10FFFF (RFC 3629 §4).

#include "ws/utf8.hpp"

#include <cstring>

namespace aio::ws::detail {

bool utf8_validator::feed(std::string_view bytes) noexcept {
    if (m_bad)
        return false;
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
    const auto* end = p + bytes.size();
    while (p < end) {
        if (m_need == 0) {
            // ASCII fast path: eight bytes without a high bit.
            while (end - p >= 8) {
                std::uint64_t w;
                std::memcpy(&w, p, 8);
                if (w & 0x8080808080808080ULL)
                    break;
                p += 8;
            }
            if (p == end)
                break;
            const unsigned char c = *p++;
            if (c < 0x80)
                continue;
            m_lo = 0x80;
            m_hi = 0xBF;
            if (c >= 0xC2 && c <= 0xDF) {
                m_need = 1;
            } else if (c == 0xE0) {
                m_need = 2;
                m_lo = 0xA0;
            } else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) {
                m_need = 2;
            } else if (c == 0xED) {
                m_need = 2;
                m_hi = 0x9F;
            } else if (c == 0xF0) {
                m_need = 3;
                m_lo = 0x90;
            } else if (c >= 0xF1 && c <= 0xF3) {
                m_need = 3;
            } else if (c == 0xF4) {
                m_need = 3;
                m_hi = 0x8F;
            } else {
                m_bad = true;
                return false;
            }
        } else {
            const unsigned char c = *p++;
            if (c < m_lo || c > m_hi) {
                m_bad = true;
                return false;
            }
            --m_need;
            m_lo = 0x80;
            m_hi = 0xBF;
        }
    }
    return true;
}

bool is_valid_utf8(std::string_view s) noexcept {
    utf8_validator v;
    return v.feed(s) && v.complete();
}

} // namespace aio::ws::detail
