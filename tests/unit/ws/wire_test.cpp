// The wire format without I/O: frame_reader's rules (RFC 6455 §5), UTF-8, the handshake's
// accept key, permessage-deflate negotiation and codec (RFC 7692).

#include "ws/deflate.hpp"
#include "ws/frame.hpp"
#include "ws/frame_reader.hpp"
#include "ws/handshake.hpp"
#include "ws/input_buffer.hpp"
#include "ws/utf8.hpp"

#include <string>

#include <gtest/gtest.h>

using namespace aio::ws::detail;

namespace {

const unsigned char k_key[4] = {0x37, 0xfa, 0x21, 0x3d};

// A client frame (masked) as a server receives it.
std::string client_frame(opcode op, std::string_view payload, bool fin = true, bool rsv1 = false) {
    std::string out;
    append_frame(out, op, fin, rsv1, payload, k_key);
    return out;
}

// Feeds `bytes` to `r` in pieces of `step` bytes (keeping what was not consumed, as the
// session does) and returns every event other than need_more/partial.
std::vector<read_event> feed(frame_reader& r, const std::string& bytes, std::size_t step) {
    std::vector<read_event> out;
    std::string buf;
    std::size_t given = 0;
    while (given < bytes.size() || !buf.empty()) {
        if (given < bytes.size()) {
            buf += bytes.substr(given, step);
            given += step;
        }
        for (;;) {
            read_event ev = r.next(buf);
            if (ev.kind == read_kind::error) {
                out.push_back(ev);
                return out;
            }
            if (ev.kind == read_kind::need_more)
                break;
            buf.erase(0, ev.consumed);
            if (ev.kind != read_kind::partial) {
                if (ev.kind == read_kind::text || ev.kind == read_kind::binary)
                    ev.reason = r.take_message(); // (the message, for the test's convenience)
                out.push_back(ev);
            }
        }
        if (given >= bytes.size())
            break;
    }
    return out;
}

read_event first_error(const std::string& bytes, reader_config c = {}) {
    frame_reader r(c);
    auto evs = feed(r, bytes, bytes.size());
    for (auto& e : evs)
        if (e.kind == read_kind::error)
            return e;
    return {};
}

} // namespace

TEST(ws_handshake, accept_key_matches_the_rfc_6455_example) {
    EXPECT_EQ(accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    EXPECT_TRUE(is_valid_key("dGhlIHNhbXBsZSBub25jZQ=="));
    EXPECT_FALSE(is_valid_key("dGhlIHNhbXBsZSBub25jZQ"));
    EXPECT_FALSE(is_valid_key("dGhlIHNhbXBsZSBub25jZR=="));
}

TEST(ws_handshake, sha1_matches_known_digests_across_block_boundaries) {
    EXPECT_EQ(base64_encode(sha1("")), "2jmj7l5rSw0yVb/vlWAYkK/YBwk=");
    EXPECT_EQ(base64_encode(sha1("abc")), "qZk+NkcGgWq6PiVxeFDCbJzQ2J0=");
    // 56 bytes: the length no longer fits in the first padded block.
    EXPECT_EQ(base64_encode(sha1("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
              "hJg+RBw70m66rkqh+VEp5eVGcPE=");
}

TEST(ws_frame_reader, reassembles_a_fragmented_text_message_at_every_split) {
    std::string bytes = client_frame(opcode::text, "Hel", false) + client_frame(opcode::ping, "p") +
                        client_frame(opcode::continuation, "lo, w", false) +
                        client_frame(opcode::continuation, "orld");
    for (std::size_t step = 1; step <= bytes.size(); ++step) {
        frame_reader r({.expect_masked = true});
        auto evs = feed(r, bytes, step);
        ASSERT_EQ(evs.size(), 2u) << "step " << step;
        EXPECT_EQ(evs[0].kind, read_kind::ping);
        EXPECT_EQ(evs[1].kind, read_kind::text);
        EXPECT_EQ(evs[1].reason, "Hello, world");
    }
}

TEST(ws_frame_reader, reads_16_and_64_bit_lengths) {
    for (std::size_t n : {125u, 126u, 65535u, 65536u, 300000u}) {
        std::string payload(n, 'x');
        frame_reader r({.expect_masked = true});
        auto evs = feed(r, client_frame(opcode::binary, payload), 4096);
        ASSERT_EQ(evs.size(), 1u);
        EXPECT_EQ(evs[0].kind, read_kind::binary);
        EXPECT_EQ(evs[0].reason, payload);
    }
}

TEST(ws_frame_reader, refuses_unmasked_client_frames_and_masked_server_frames) {
    std::string unmasked;
    append_frame(unmasked, opcode::text, true, false, "hi", nullptr);
    EXPECT_EQ(first_error(unmasked, {.expect_masked = true}).code, 1002);
    EXPECT_EQ(first_error(client_frame(opcode::text, "hi"), {.expect_masked = false}).code, 1002);
}

TEST(ws_frame_reader, refuses_broken_framing_with_1002) {
    // RSV2 set; opcode 3; fragmented ping; 126-byte ping; continuation without a start;
    // a new text frame inside a fragmented message; RSV1 without deflate.
    std::string rsv2 = client_frame(opcode::text, "x");
    rsv2[0] = static_cast<char>(rsv2[0] | 0x20);
    std::string op3 = client_frame(opcode::text, "x");
    op3[0] = static_cast<char>((op3[0] & 0xF0) | 0x3);
    EXPECT_EQ(first_error(rsv2).code, 1002);
    EXPECT_EQ(first_error(op3).code, 1002);
    EXPECT_EQ(first_error(client_frame(opcode::ping, "x", false)).code, 1002);
    EXPECT_EQ(first_error(client_frame(opcode::ping, std::string(126, 'p'))).code, 1002);
    EXPECT_EQ(first_error(client_frame(opcode::continuation, "x")).code, 1002);
    EXPECT_EQ(
        first_error(client_frame(opcode::text, "a", false) + client_frame(opcode::text, "b")).code,
        1002);
    EXPECT_EQ(first_error(client_frame(opcode::text, "x", true, true)).code, 1002);
    EXPECT_EQ(first_error(client_frame(opcode::close, "\x03")).code, 1002); // 1-byte close
    EXPECT_EQ(first_error(client_frame(opcode::close, close_payload(1005, ""))).code, 1002);
    EXPECT_EQ(first_error(client_frame(opcode::close, close_payload(999, ""))).code, 1002);
}

TEST(ws_frame_reader, refuses_an_oversized_message_from_its_header_with_1009) {
    // Only the header of a 2 GiB frame: refused before any payload arrives.
    std::string h;
    h += static_cast<char>(0x82);
    h += static_cast<char>(0x80 | 127);
    const std::uint64_t len = 1ull << 31;
    for (int s = 56; s >= 0; s -= 8)
        h += static_cast<char>(len >> s);
    h.append(reinterpret_cast<const char*>(k_key), 4);
    read_event e = first_error(h, {.expect_masked = true, .max_message_size = 1 << 20});
    EXPECT_EQ(e.code, 1009);
    EXPECT_NE(e.reason.find("max_message_size"), std::string::npos) << e.reason;
    // Fragments that add up past the limit.
    std::string parts = client_frame(opcode::binary, std::string(600, 'a'), false) +
                        client_frame(opcode::continuation, std::string(600, 'b'));
    EXPECT_EQ(first_error(parts, {.expect_masked = true, .max_message_size = 1000}).code, 1009);
}

TEST(ws_frame_reader, fails_invalid_utf8_as_soon_as_it_arrives_with_1007) {
    // The bad byte is in the first fragment: refused before the message is complete.
    frame_reader r({.expect_masked = true});
    auto evs = feed(r, client_frame(opcode::text, "ok \xC0\xAF", false), 64);
    ASSERT_EQ(evs.size(), 1u);
    EXPECT_EQ(evs[0].code, 1007);
    // A sequence cut off at the end of the message; a close reason that is not UTF-8.
    EXPECT_EQ(first_error(client_frame(opcode::text, "\xE2\x82")).code, 1007);
    EXPECT_EQ(first_error(client_frame(opcode::close, close_payload(1000, "\xFF"))).code, 1007);
    // A code point split across fragments is fine.
    frame_reader ok({.expect_masked = true});
    auto good = feed(ok,
                     client_frame(opcode::text, "\xE2\x82", false) +
                         client_frame(opcode::continuation, "\xAC"),
                     3);
    ASSERT_EQ(good.size(), 1u);
    EXPECT_EQ(good[0].reason, "\xE2\x82\xAC");
}

TEST(ws_frame_reader, reads_the_close_code_and_reason) {
    frame_reader r({.expect_masked = true});
    auto evs = feed(r, client_frame(opcode::close, close_payload(4001, "bye")), 100);
    ASSERT_EQ(evs.size(), 1u);
    EXPECT_EQ(evs[0].kind, read_kind::close);
    EXPECT_EQ(evs[0].code, 4001);
    EXPECT_EQ(evs[0].reason, "bye");
    frame_reader r2({.expect_masked = true});
    auto none = feed(r2, client_frame(opcode::close, ""), 100);
    ASSERT_EQ(none.size(), 1u);
    EXPECT_EQ(none[0].code, 1005);
}

TEST(ws_utf8, accepts_valid_and_refuses_overlong_surrogates_and_out_of_range) {
    EXPECT_TRUE(is_valid_utf8("plain ascii text, long enough for the fast path"));
    EXPECT_TRUE(is_valid_utf8("\xC2\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF"));
    EXPECT_FALSE(is_valid_utf8("\xC0\x80"));         // overlong NUL
    EXPECT_FALSE(is_valid_utf8("\xE0\x80\xAF"));     // overlong
    EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));     // surrogate U+D800
    EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80")); // above U+10FFFF
    EXPECT_FALSE(is_valid_utf8("\xF5\x80\x80\x80"));
    EXPECT_FALSE(is_valid_utf8("\x80"));
}

TEST(ws_deflate, negotiates_parameters_and_declines_what_zlib_cannot_do) {
    auto a = deflate_accept("permessage-deflate; client_max_window_bits");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->second, "permessage-deflate");
    auto b = deflate_accept("x-unknown, permessage-deflate; server_no_context_takeover; "
                            "client_max_window_bits=10");
    ASSERT_TRUE(b);
    EXPECT_TRUE(b->first.server_no_context_takeover);
    EXPECT_EQ(b->second,
              "permessage-deflate; server_no_context_takeover; client_max_window_bits=10");
    // First offer unusable (window 8), second taken.
    auto c = deflate_accept("permessage-deflate; server_max_window_bits=8, permessage-deflate");
    ASSERT_TRUE(c);
    EXPECT_EQ(c->first.server_max_window_bits, 15);
    EXPECT_FALSE(deflate_accept("permessage-deflate; bogus=1"));
    EXPECT_FALSE(deflate_accept("permessage-deflate; server_no_context_takeover; "
                                "server_no_context_takeover"));
    std::string why;
    EXPECT_TRUE(deflate_check_response("permessage-deflate; client_max_window_bits=12", why));
    EXPECT_FALSE(deflate_check_response("permessage-deflate; client_max_window_bits=8", why));
    EXPECT_FALSE(deflate_check_response("x-other", why));
    EXPECT_NE(why.find("not offered"), std::string::npos) << why;
}

TEST(ws_deflate, round_trips_messages_with_and_without_context_takeover) {
    for (bool reset : {false, true}) {
        deflater d(15, reset);
        inflater i;
        for (int n = 0; n < 5; ++n) {
            const std::string msg = "message " + std::to_string(n) + std::string(1000, 'z');
            const std::string z = d.compress(msg);
            EXPECT_LT(z.size(), msg.size());
            std::string out;
            bool too_big = false;
            ASSERT_TRUE(i.decompress(z, 1 << 20, out, too_big));
            EXPECT_EQ(out, msg);
        }
    }
}

TEST(ws_deflate, stops_inflating_past_the_limit) {
    deflater d(15, false);
    const std::string bomb = d.compress(std::string(10 << 20, '\0')); // 10 MiB of zeros
    EXPECT_LT(bomb.size(), 20000u);
    inflater i;
    std::string out;
    bool too_big = false;
    EXPECT_FALSE(i.decompress(bomb, 1 << 20, out, too_big));
    EXPECT_TRUE(too_big);
    EXPECT_LE(out.size(), 1u << 20);
}

TEST(ws_frame_reader, inflates_compressed_messages_and_checks_their_utf8) {
    deflater d(15, false);
    const std::string z = d.compress("compressed hello");
    frame_reader r({.expect_masked = true, .deflate = true});
    auto evs = feed(r, client_frame(opcode::text, z, true, true), 7);
    ASSERT_EQ(evs.size(), 1u);
    EXPECT_EQ(evs[0].reason, "compressed hello");
    const std::string bad = d.compress("\xFF\xFE");
    frame_reader r2({.expect_masked = true, .deflate = true});
    EXPECT_EQ(feed(r2, client_frame(opcode::text, bad, true, true), 100)[0].code, 1007);
}

// Regression (fuzz/ws_frame_fuzz.cpp): an empty message right after another message made
// zlib write nothing, and the reader's appended 00 00 FF FF then broke the stream.
TEST(ws_deflate, empty_messages_between_others_round_trip) {
    deflater d(15, false);
    inflater i;
    const std::string msgs[4] = {"", std::string(1, '\0'), "", std::string(1, '\0')};
    for (const std::string& m : msgs) {
        const std::string z = d.compress(m);
        EXPECT_FALSE(z.empty());
        std::string out;
        bool too_big = false;
        ASSERT_TRUE(i.decompress(z, 1 << 20, out, too_big));
        EXPECT_EQ(out, m);
    }
}

TEST(ws_input_buffer, keeps_pending_bytes_across_compaction_growth_and_shrinking) {
    using aio::ws::detail::input_buffer;
    input_buffer b("head");
    EXPECT_EQ(b.pending(), "head");
    // Fill the offered room completely: the next offer is bigger (a busy connection).
    auto r = b.room();
    const std::size_t first = r.size();
    EXPECT_GE(first, input_buffer::min_room);
    for (std::size_t i = 0; i < r.size(); ++i)
        r[i] = static_cast<char>('a' + i % 26);
    b.commit(r.size());
    b.consume(4); // "head"
    EXPECT_EQ(b.pending().substr(0, 3), "abc");
    auto r2 = b.room();
    EXPECT_GT(r2.size(), first / 2);
    EXPECT_EQ(b.pending().size(), first);
    EXPECT_EQ(b.pending().substr(0, 3), "abc"); // moved, not lost
    // A giant frame: the buffer grows as long as reads fill it; once emptied it is given
    // back and starts small again.
    std::size_t total = b.pending().size();
    for (int i = 0; i < 12; ++i) {
        auto more = b.room();
        b.commit(more.size());
        total += more.size();
    }
    EXPECT_EQ(b.pending().size(), total);
    EXPECT_GT(total, input_buffer::keep_at_most);
    b.consume(total);
    EXPECT_TRUE(b.empty());
    EXPECT_LE(b.room().size(), input_buffer::keep_at_most);
    // An unfilled read does not grow the offer.
    auto small = b.room();
    b.commit(10);
    b.consume(10);
    EXPECT_LE(b.room().size(), small.size());
}

namespace {

// What a streaming reader delivers for `bytes` fed `step` at a time: the chunks' payloads
// joined, how many chunks, the largest, how many were flagged last, and an error code.
struct streamed {
    std::string data;
    std::size_t chunks = 0;
    std::size_t largest = 0;
    int lasts = 0;
    std::uint16_t error = 0;
};

streamed stream_feed(frame_reader& r, const std::string& bytes, std::size_t step) {
    r.set_streaming(true);
    streamed s;
    std::string buf;
    std::size_t given = 0;
    for (;;) {
        read_event ev = r.next(buf);
        if (ev.kind == read_kind::error) {
            s.error = ev.code;
            return s;
        }
        if (ev.kind == read_kind::need_more) {
            if (given >= bytes.size())
                return s;
            buf += bytes.substr(given, step);
            given += step;
            continue;
        }
        buf.erase(0, ev.consumed);
        if (ev.kind == read_kind::chunk) {
            const std::string c = r.take_message();
            s.data += c;
            s.chunks += 1;
            s.largest = std::max(s.largest, c.size());
            s.lasts += ev.last ? 1 : 0;
        }
    }
}

// Bytes deflate cannot shrink (so a compressed frame stays big), from a fixed LCG.
std::string noise(std::size_t n) {
    std::string s(n, '\0');
    std::uint32_t x = 12345;
    for (auto& c : s) {
        x = x * 1103515245u + 12345u;
        c = static_cast<char>(x >> 24);
    }
    return s;
}

} // namespace

TEST(ws_frame_reader, streams_a_frame_bigger_than_the_limit_in_pieces_at_every_split) {
    // 300 KB of text with 2- and 3-byte UTF-8 sequences, as one masked frame: far over
    // max_message_size (1 KiB), delivered in pieces that split sequences anywhere.
    std::string text;
    while (text.size() < 300'000)
        text += "h\xC3\xA9llo w\xC3\xB6rld \xE2\x82\xAC ";
    const std::string wire = client_frame(opcode::text, text);
    for (std::size_t step : {999u, 16'384u, 70'001u, 1'000'000u}) {
        frame_reader r({.expect_masked = true, .max_message_size = 1024});
        const streamed s = stream_feed(r, wire, step);
        EXPECT_EQ(s.error, 0) << "step " << step;
        EXPECT_EQ(s.data, text) << "step " << step;
        EXPECT_EQ(s.lasts, 1);
        EXPECT_LE(s.largest, std::max<std::size_t>(step, frame_reader::piece_min) + 64 * 1024);
        if (step < wire.size()) {
            EXPECT_GT(s.chunks, 1u) << "step " << step;
        }
        EXPECT_FALSE(r.in_message());
    }
    // A frame of at most 64 KiB (and the limit) still comes whole, as one chunk.
    frame_reader whole({.expect_masked = true});
    const streamed w = stream_feed(whole, client_frame(opcode::binary, noise(60'000)), 1000);
    EXPECT_EQ(w.chunks, 1u);
    EXPECT_EQ(w.data, noise(60'000));
}

TEST(ws_frame_reader, fails_invalid_utf8_in_a_later_piece_with_1007) {
    std::string text(200'000, 'a');
    text[150'000] = '\xFF';
    frame_reader r({.expect_masked = true});
    const streamed s = stream_feed(r, client_frame(opcode::text, text), 20'000);
    EXPECT_EQ(s.error, 1007);
    EXPECT_GT(s.chunks, 0u); // the pieces before it were delivered
    // A sequence cut off at the end of the frame's last piece is refused too.
    frame_reader cut({.expect_masked = true});
    EXPECT_EQ(
        stream_feed(cut, client_frame(opcode::text, std::string(100'000, 'b') + "\xE2\x82"), 30'000)
            .error,
        1007);
}

TEST(ws_frame_reader, inflates_a_big_compressed_frame_piece_by_piece) {
    const std::string plain = noise(250'000) + std::string(100'000, 'z');
    deflater d(15, false);
    const std::string z = d.compress(plain);
    ASSERT_GT(z.size(), 200'000u); // noise does not shrink: the frame is over 64 KiB
    for (std::size_t step : {4'096u, 65'536u}) {
        frame_reader r({.expect_masked = true, .deflate = true, .max_message_size = 200'000});
        const streamed s = stream_feed(r, client_frame(opcode::binary, z, true, true), step);
        EXPECT_EQ(s.error, 0) << "step " << step;
        EXPECT_TRUE(s.data == plain) << "step " << step;
        EXPECT_GT(s.chunks, 1u);
        EXPECT_EQ(s.lasts, 1);
    }
}
