// Writing frames and masking (RFC 6455 §5.2, §5.3).

#include "ws/frame.hpp"

#include <cstring>

namespace aio::ws::detail {

void apply_mask(char* p, std::size_t n, const unsigned char key[4], std::size_t offset) noexcept {
    std::size_t i = 0;
    // Align the key to `offset`, then XOR eight bytes at a time.
    unsigned char k[8];
    for (std::size_t j = 0; j < 8; ++j)
        k[j] = key[(offset + j) % 4];
    std::uint64_t k8;
    std::memcpy(&k8, k, 8);
    for (; i + 8 <= n; i += 8) {
        std::uint64_t w;
        std::memcpy(&w, p + i, 8);
        w ^= k8;
        std::memcpy(p + i, &w, 8);
    }
    for (; i < n; ++i)
        p[i] = static_cast<char>(static_cast<unsigned char>(p[i]) ^ k[i % 8]);
}

void append_frame(std::string& out,
                  opcode op,
                  bool fin,
                  bool rsv1,
                  std::string_view payload,
                  const unsigned char* key) {
    unsigned char h[14];
    std::size_t n = 0;
    h[n++] = static_cast<unsigned char>((fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) |
                                        static_cast<unsigned char>(op));
    const unsigned char mask_bit = key ? 0x80 : 0;
    const std::uint64_t len = payload.size();
    if (len < 126) {
        h[n++] = static_cast<unsigned char>(mask_bit | len);
    } else if (len <= 0xFFFF) {
        h[n++] = mask_bit | 126;
        h[n++] = static_cast<unsigned char>(len >> 8);
        h[n++] = static_cast<unsigned char>(len);
    } else {
        h[n++] = mask_bit | 127;
        for (int s = 56; s >= 0; s -= 8)
            h[n++] = static_cast<unsigned char>(len >> s);
    }
    if (key) {
        std::memcpy(h + n, key, 4);
        n += 4;
    }
    const std::size_t start = out.size();
    out.append(reinterpret_cast<const char*>(h), n);
    out.append(payload);
    if (key)
        apply_mask(out.data() + start + n, payload.size(), key);
}

bool read_length(std::string_view in, std::uint64_t& len, std::size_t& size) noexcept {
    if (in.size() < 2)
        return false;
    const auto* b = reinterpret_cast<const unsigned char*>(in.data());
    len = b[1] & 0x7F;
    size = 2;
    if (len == 126) {
        if (in.size() < 4)
            return false;
        len = (std::uint64_t{b[2]} << 8) | b[3];
        size = 4;
    } else if (len == 127) {
        if (in.size() < 10)
            return false;
        len = 0;
        for (int i = 2; i < 10; ++i)
            len = (len << 8) | b[i];
        size = 10;
    }
    return true;
}

bool holds_whole_frame(std::string_view in) noexcept {
    std::uint64_t len = 0;
    std::size_t hdr = 0;
    if (!read_length(in, len, hdr))
        return false;
    if (static_cast<unsigned char>(in[1]) & 0x80)
        hdr += 4;
    return in.size() >= hdr && in.size() - hdr >= len;
}

bool is_valid_close_code(std::uint16_t code) noexcept {
    if (code >= 3000 && code <= 4999)
        return true;
    switch (code) {
    case 1000:
    case 1001:
    case 1002:
    case 1003:
    case 1007:
    case 1008:
    case 1009:
    case 1010:
    case 1011:
    case 1012:
    case 1013:
    case 1014:
        return true;
    default:
        return false;
    }
}

std::string close_payload(std::uint16_t code, std::string_view reason) {
    std::string p;
    p += static_cast<char>(code >> 8);
    p += static_cast<char>(code & 0xFF);
    p += reason;
    return p;
}

} // namespace aio::ws::detail
