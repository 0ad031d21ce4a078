// Reading frames (RFC 6455 §5.2): a frame is handled only once it is whole in the input, so
// the reader keeps no partial-frame state and the outcome does not depend on how the bytes
// were split. The exception is a streamed frame too big to take whole: after its header,
// its payload is delivered in pieces (next_piece), with its mask position kept. Its length is
// checked against the message limit from the header alone, so a frame claiming 2 GiB is refused
// before its payload is read or buffered.

#include "ws/frame_reader.hpp"

#include <algorithm>
#include <cstring>

namespace aio::ws::detail {

frame_reader::frame_reader(reader_config c) : m_cfg(c) {}

// The inflater (zlib's 32 KiB window and state) is made on the first compressed frame: a
// connection that negotiated permessage-deflate but never receives a compressed message
// does not pay for it.
inflater& frame_reader::inflate() {
    if (!m_inflate)
        m_inflate = std::make_unique<inflater>();
    return *m_inflate;
}

read_event frame_reader::fail(std::uint16_t code, std::string why) {
    m_failed = true;
    m_error.kind = read_kind::error;
    m_error.consumed = 0;
    m_error.code = code;
    m_error.reason = std::move(why);
    return m_error;
}

read_event frame_reader::next(std::string_view in) {
    if (m_failed)
        return m_error;
    if (m_frame_left != 0)
        return next_piece(in);
    read_event ev;
    std::uint64_t len = 0;
    std::size_t hdr = 0;
    if (!read_length(in, len, hdr))
        return ev;
    const auto* b = reinterpret_cast<const unsigned char*>(in.data());
    const bool fin = (b[0] & 0x80) != 0;
    const bool rsv1 = (b[0] & 0x40) != 0;
    const unsigned op_bits = b[0] & 0x0F;
    const bool masked = (b[1] & 0x80) != 0;
    if (len >> 63)
        return fail(1002, "frame length with its most significant bit set");
    if (b[0] & 0x30)
        return fail(1002, "reserved bits RSV2/RSV3 set (no extension defines them)");
    if (!(op_bits <= 2 || (op_bits >= 8 && op_bits <= 10)))
        return fail(1002, "unknown opcode " + std::to_string(op_bits));
    const opcode op = static_cast<opcode>(op_bits);
    if (masked != m_cfg.expect_masked)
        return fail(1002, m_cfg.expect_masked ? "a client frame that is not masked"
                                              : "a server frame that is masked");
    if (is_control(op)) {
        if (!fin)
            return fail(1002, "a fragmented control frame");
        if (len > 125)
            return fail(1002, "a control frame with more than 125 bytes of payload");
        if (rsv1)
            return fail(1002, "RSV1 set on a control frame");
    } else if (op == opcode::continuation) {
        if (!m_in_message)
            return fail(1002, "a continuation frame without a message in progress");
        if (rsv1)
            return fail(1002, "RSV1 set on a continuation frame");
    } else {
        if (m_in_message)
            return fail(1002, "a new data frame while a fragmented message is in progress");
        if (rsv1 && !m_cfg.deflate)
            return fail(1002, "RSV1 set but permessage-deflate was not negotiated");
    }
    // A streamed data frame too big to take whole comes in pieces: no length is refused.
    const bool streamed =
        !is_control(op) && (op == opcode::continuation ? m_msg_streamed : m_stream_mode);
    const bool pieces =
        streamed && len > std::min<std::uint64_t>(piece_above, m_cfg.max_message_size);
    if (!is_control(op) && !pieces) {
        const std::uint64_t so_far = op == opcode::continuation && !streamed ? m_msg.size() : 0;
        if (len > m_cfg.max_message_size || so_far + len > m_cfg.max_message_size)
            return fail(1009, "message of at least " + std::to_string(so_far + len) +
                                  " bytes is over max_message_size (" +
                                  std::to_string(m_cfg.max_message_size) + ")");
    }
    unsigned char key[4] = {};
    if (masked) {
        if (in.size() < hdr + 4)
            return ev;
        std::memcpy(key, b + hdr, 4);
        hdr += 4;
    }
    if (pieces) {
        // The header is taken now; the payload follows in pieces (next_piece).
        if (op != opcode::continuation)
            start_message(op, rsv1);
        m_frame_left = len;
        m_frame_off = 0;
        m_frame_masked = masked;
        std::memcpy(m_frame_key, key, 4);
        m_frame_fin = fin;
        ev.consumed = hdr;
        ev.kind = read_kind::partial;
        return ev;
    }
    if (in.size() - hdr < len)
        return ev;
    const std::string_view payload = in.substr(hdr, static_cast<std::size_t>(len));
    ev.consumed = hdr + static_cast<std::size_t>(len);

    if (is_control(op)) {
        m_control.assign(payload);
        if (masked)
            apply_mask(m_control.data(), m_control.size(), key);
        if (op == opcode::ping) {
            ev.kind = read_kind::ping;
        } else if (op == opcode::pong) {
            ev.kind = read_kind::pong;
        } else {
            ev.kind = read_kind::close;
            if (m_control.size() == 1)
                return fail(1002, "a close frame with a 1-byte payload");
            if (m_control.empty()) {
                ev.code = 1005;
            } else {
                const auto* c = reinterpret_cast<const unsigned char*>(m_control.data());
                ev.code = static_cast<std::uint16_t>((c[0] << 8) | c[1]);
                if (!is_valid_close_code(ev.code))
                    return fail(1002,
                                "a close frame with the invalid code " + std::to_string(ev.code));
                ev.reason = m_control.substr(2);
                if (!is_valid_utf8(ev.reason))
                    return fail(1007, "a close frame whose reason is not valid UTF-8");
            }
        }
        return ev;
    }

    if (op != opcode::continuation)
        start_message(op, rsv1);
    if (m_msg_streamed)
        return stream_chunk(payload, masked ? key : nullptr, 0, fin, ev);
    const std::size_t start = m_msg.size();
    m_msg.append(payload);
    if (masked)
        apply_mask(m_msg.data() + start, payload.size(), key);
    if (m_msg_op == opcode::text && !m_compressed &&
        !m_utf8.feed(std::string_view(m_msg).substr(start)))
        return fail(1007, "a text message that is not valid UTF-8");
    if (!fin) {
        ev.kind = read_kind::partial;
        return ev;
    }
    m_in_message = false;
    if (m_compressed) {
        std::string plain;
        bool too_big = false;
        if (!inflate().decompress(m_msg, m_cfg.max_message_size, plain, too_big)) {
            if (too_big)
                return fail(1009, "message inflates to more than max_message_size (" +
                                      std::to_string(m_cfg.max_message_size) + ")");
            return fail(1007, "a compressed message that is not valid deflate data");
        }
        m_msg = std::move(plain);
        if (m_msg_op == opcode::text && !is_valid_utf8(m_msg))
            return fail(1007, "a text message that is not valid UTF-8");
    } else if (m_msg_op == opcode::text && !m_utf8.complete()) {
        return fail(1007, "a text message that is not valid UTF-8 (cut-off sequence)");
    }
    ev.kind = m_msg_op == opcode::text ? read_kind::text : read_kind::binary;
    return ev;
}

void frame_reader::start_message(opcode op, bool compressed) {
    m_in_message = true;
    m_msg_op = op;
    m_compressed = compressed;
    m_msg_streamed = m_stream_mode;
    m_msg.clear();
    m_utf8.reset();
}

read_event frame_reader::next_piece(std::string_view in) {
    // A piece holds what arrived, at most max_message_size bytes (the chunk limit); at
    // least piece_min (or that limit) unless it ends the frame: no tiny pieces.
    read_event ev;
    const std::uint64_t cap = m_cfg.max_message_size;
    const std::uint64_t n = std::min<std::uint64_t>({in.size(), m_frame_left, cap});
    if (n < m_frame_left && n < std::min<std::uint64_t>(piece_min, cap))
        return ev;
    const std::string_view piece = in.substr(0, static_cast<std::size_t>(n));
    const std::uint64_t offset = m_frame_off;
    m_frame_off += n;
    m_frame_left -= n;
    ev.consumed = static_cast<std::size_t>(n);
    return stream_chunk(piece, m_frame_masked ? m_frame_key : nullptr, offset,
                        m_frame_fin && m_frame_left == 0, ev);
}

read_event frame_reader::stream_chunk(std::string_view payload,
                                      const unsigned char* key,
                                      std::uint64_t offset,
                                      bool fin,
                                      read_event ev) {
    // Each frame (or piece of one) is one chunk: m_msg holds only its (inflated) payload.
    m_msg.clear();
    const std::size_t key_pos = static_cast<std::size_t>(offset % 4);
    if (!m_compressed) {
        m_msg.assign(payload);
        if (key)
            apply_mask(m_msg.data(), m_msg.size(), key, key_pos);
    } else {
        m_raw.assign(payload);
        if (key)
            apply_mask(m_raw.data(), m_raw.size(), key, key_pos);
        bool too_big = false;
        const std::size_t max = m_cfg.max_message_size;
        if (!inflate().feed(m_raw, max, m_msg, too_big) ||
            (fin && !inflate().finish(max, m_msg, too_big))) {
            if (too_big)
                return fail(1009, "a chunk inflates to more than max_message_size (" +
                                      std::to_string(max) + ")");
            return fail(1007, "a compressed message that is not valid deflate data");
        }
    }
    if (m_msg_op == opcode::text && !m_utf8.feed(m_msg))
        return fail(1007, "a text message that is not valid UTF-8");
    if (fin) {
        m_in_message = false;
        if (m_msg_op == opcode::text && !m_utf8.complete())
            return fail(1007, "a text message that is not valid UTF-8 (cut-off sequence)");
    }
    ev.kind = read_kind::chunk;
    ev.last = fin;
    return ev;
}

} // namespace aio::ws::detail
