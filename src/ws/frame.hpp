// The RFC 6455 frame format (§5.2): opcodes, writing frames, masking, close payloads.
// Reading is frame_reader's (frame_reader.hpp). No I/O here: this is what the fuzzer sees.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace aio::ws::detail {

enum class opcode : std::uint8_t {
    continuation = 0x0,
    text = 0x1,
    binary = 0x2,
    close = 0x8,
    ping = 0x9,
    pong = 0xA,
};

inline bool is_control(opcode op) noexcept {
    return (static_cast<std::uint8_t>(op) & 0x8) != 0;
}

/// XORs `n` bytes at `p` with the 4-byte `key` (network order, as on the wire), starting at
/// key position `offset % 4`. Its own inverse.
void apply_mask(char* p,
                std::size_t n,
                const unsigned char key[4],
                std::size_t offset = 0) noexcept;

/// Appends one frame to `out`: header, then `payload` (masked with `key` when it is not
/// null: a client's frames must be, a server's must not be, RFC 6455 §5.1).
void append_frame(std::string& out,
                  opcode op,
                  bool fin,
                  bool rsv1,
                  std::string_view payload,
                  const unsigned char* key);

/// The payload length and the header's size (without the mask key) of the frame `in`
/// starts with; false while the length's bytes have not all arrived.
bool read_length(std::string_view in, std::uint64_t& len, std::size_t& size) noexcept;

/// True when `in` starts with a whole frame (header and payload), whatever it holds: a
/// cheap look at the header that tells whether the next receive needs no read.
bool holds_whole_frame(std::string_view in) noexcept;

/// True for a code a close frame may carry (RFC 6455 §7.4.1, and 1012..1014 from the IANA
/// registry); 1005, 1006 and 1015 are never sent.
bool is_valid_close_code(std::uint16_t code) noexcept;

/// A close frame's payload: the code (big-endian) then the reason.
std::string close_payload(std::uint16_t code, std::string_view reason);

} // namespace aio::ws::detail
