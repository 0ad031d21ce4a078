// frame_reader: turns received bytes into whole messages and control frames, checking
// every rule of RFC 6455 §5 and RFC 7692 on the way. No I/O: the session (ws_state) feeds
// it, the fuzzer feeds it. Design: docs/design/ws.md ("Reading").
#pragma once

#include "ws/deflate.hpp"
#include "ws/frame.hpp"
#include "ws/utf8.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace aio::ws::detail {

struct reader_config {
    bool expect_masked = true; ///< true on a server: every client frame must be masked
    bool deflate = false;      ///< permessage-deflate negotiated (RSV1 allowed)
    std::size_t max_message_size = 1024 * 1024;
};

enum class read_kind : unsigned char {
    need_more, ///< no whole frame in the input yet (consumed 0)
    partial,   ///< a frame was consumed, no message is complete yet
    text,      ///< a whole text message: take_message()
    binary,    ///< a whole binary message: take_message()
    ping,      ///< payload() is the ping's payload
    pong,      ///< payload() is the pong's payload
    close,     ///< the peer's close frame: code and reason
    chunk,     ///< a data frame of a streamed message: take_message(); `last` on its final one
    error,     ///< the peer broke the protocol: code (1002, 1007, 1009) and reason (why)
};

struct read_event {
    read_kind kind = read_kind::need_more;
    std::size_t consumed = 0;
    std::uint16_t code = 0;
    std::string reason;
    bool last = false; ///< chunk: the message's final frame
};

class frame_reader {
  public:
    explicit frame_reader(reader_config c);
    /// Reads at most one frame from the front of `in` (the unconsumed bytes received so
    /// far). After an error every call returns that error again.
    read_event next(std::string_view in);
    /// The message of the last text/binary event (moved out).
    std::string take_message() { return std::move(m_msg); }
    /// The payload of the last ping/pong event.
    std::string_view payload() const noexcept { return m_control; }
    /// True while a fragmented message is incomplete.
    bool in_message() const noexcept { return m_in_message; }
    /// Streaming: messages that start from now on are delivered frame by frame as chunk
    /// events (inflated and UTF-8-checked per frame), never reassembled. A frame of at most
    /// piece_above bytes (and max_message_size) comes whole, as one chunk; a bigger one comes
    /// in pieces as its bytes arrive (each at least piece_min bytes or the frame's rest, at
    /// most max_message_size), unmasked, UTF-8-checked and inflated incrementally, so no
    /// frame length is refused: max_message_size bounds each chunk (and what it inflates
    /// to), not the message.
    void set_streaming(bool on) noexcept { m_stream_mode = on; }
    static constexpr std::size_t piece_above = 64 * 1024;
    static constexpr std::size_t piece_min = 16 * 1024;
    /// True while a streamed frame is being delivered in pieces (its header was consumed).
    bool in_frame() const noexcept { return m_frame_left != 0; }
    /// True while the message in progress (or the last one) is a binary one.
    bool message_binary() const noexcept { return m_msg_op == opcode::binary; }

  private:
    read_event fail(std::uint16_t code, std::string why);
    inflater& inflate();
    /// One chunk of a streamed message: a whole frame, or a piece of one (masked from key
    /// position `offset`; `fin`: the message's last bytes).
    read_event stream_chunk(std::string_view payload,
                            const unsigned char* key,
                            std::uint64_t offset,
                            bool fin,
                            read_event ev);
    read_event next_piece(std::string_view in);
    /// The first frame of a message: its opcode, RSV1, streamed or not (m_stream_mode).
    void start_message(opcode op, bool compressed);

    reader_config m_cfg;
    std::string m_msg;
    std::string m_control;
    std::string m_raw; // a compressed streamed frame, unmasked
    utf8_validator m_utf8;
    std::unique_ptr<inflater> m_inflate; // made by inflate() on first use
    opcode m_msg_op = opcode::text;
    bool m_in_message = false;
    bool m_compressed = false;
    bool m_failed = false;
    bool m_stream_mode = false;  // set_streaming()
    bool m_msg_streamed = false; // the message in progress is delivered in chunks
    // A streamed frame delivered in pieces: payload bytes still to come, its mask key (if
    // masked), the offset of the next byte (mask position), and its FIN bit.
    std::uint64_t m_frame_left = 0;
    std::uint64_t m_frame_off = 0;
    unsigned char m_frame_key[4] = {};
    bool m_frame_masked = false;
    bool m_frame_fin = false;
    read_event m_error;
};

} // namespace aio::ws::detail
