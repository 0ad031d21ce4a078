// The state of one WebSocket connection, shared by the websocket handle and its background
// tasks (keep-alive pings, a server's going-away close). Design: docs/design/ws.md.
#pragma once

#include "ws/deflate.hpp"
#include "ws/frame.hpp"
#include "ws/frame_reader.hpp"
#include "ws/input_buffer.hpp"

#include <aio/core/task.hpp>
#include <aio/core/task_handle.hpp>
#include <aio/net/stream.hpp>
#include <aio/sync/event.hpp>
#include <aio/ws/options.hpp>
#include <aio/ws/websocket.hpp>

#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <random>
#include <string>

namespace aio::ws::detail {

/// Sets a flag for its lifetime (m_reading: one task reads at a time).
struct flag_guard {
    bool& f;
    explicit flag_guard(bool& flag) : f(flag) { f = true; }
    ~flag_guard() { f = false; }
    flag_guard(const flag_guard&) = delete;
    flag_guard& operator=(const flag_guard&) = delete;
};

/// What the opening handshake decided.
struct ws_setup {
    bool client = false;
    options opts{};
    std::string subprotocol;
    std::optional<deflate_params> deflate;
    std::string buffered; ///< bytes received after the handshake's head
};

/// "aio::ws::websocket::<what>: the connection is closed (code <code>)".
std::string closed_message(const char* what, std::uint16_t code);

class ws_state : public std::enable_shared_from_this<ws_state> {
  public:
    enum class phase : unsigned char { open, closing, closed };

    /// A client's (or accept()'s) socket: owns the stream.
    ws_state(net::stream owned, ws_setup s);
    /// A server route's socket: the http connection owns the stream and outlives this
    /// session's use of it (run_session stops the background tasks before returning).
    ws_state(net::stream* borrowed, ws_setup s);
    ws_state(const ws_state&) = delete;
    ws_state& operator=(const ws_state&) = delete;

    task<std::optional<message>> receive();
    task<void> send_message(opcode op, std::string_view data);
    /// Streaming (src/ws/stream.cpp): receive_stream() and message_reader::next().
    task<std::optional<message_reader>> receive_stream();
    task<std::optional<std::string>> next_chunk(std::uint64_t id, bool& last);
    task<void> send_stream(generator<std::string> chunks, bool binary);
    task<void> ping(std::string_view payload);
    task<void> close(std::uint16_t code, std::string_view reason);
    void abort() noexcept;
    /// Hands m_out (frames, corked ones first) to the stream. Never waits for corked frames
    /// alone: they are kept under the stream's high-water mark (cork_limit).
    task<void> flush_out();

    /// Starts the keep-alive task when options::ping_interval is set.
    void start_keepalive();
    /// Server closing: starts close(1001) in the background (once).
    void going_away();
    /// Cancels the background tasks (does not wait).
    void cancel_background() noexcept;
    /// Cancels the background tasks and waits until they ended.
    task<void> stop_background();

    bool owns_stream() const noexcept { return m_s == &m_owned; }
    phase m_phase = phase::open;
    std::uint16_t m_code = 0;
    std::string m_reason;
    std::string m_subprotocol;
    bool m_compressed = false;

  private:
    friend task<void> keepalive(std::shared_ptr<ws_state> self);
    task<read_event> next_event();
    task<bool> on_control(const read_event& ev);
    /// How a receive()/receive_stream() starts: read, end (closed), or wait for close().
    enum class entry : unsigned char { read, ended, wait_close };
    entry enter_receive(const char* what);
    std::optional<message> end_of_input();
    task<void> wait_send_turn();
    task<void> fail_stream(const std::string& why);
    /// Writes through the stream; its failures become connection_closed_error.
    task<void> write_view(std::string_view bytes);
    task<void> write_bytes(std::string bytes);
    /// True when a frame of `n` payload bytes and m_out fit under cork_limit together.
    bool fits_with_out(std::size_t n) const noexcept;
    /// Makes sure corked frames leave by the loop's next turn at the latest.
    void schedule_flush();
    /// The callback of schedule_flush(): hands the corked frames to the stream.
    void flush_now();
    task<void> write_control(opcode op, std::string_view payload);
    task<void> send_close(std::uint16_t code, std::string_view reason);
    task<void> on_peer_close(const read_event& ev);
    task<void> fail(std::uint16_t code, const std::string& why);
    task<void> drain_until_closed();
    task<void> close_stream();
    void lost(const std::string& why);
    void finish(std::uint16_t code, std::string reason);
    void make_key(unsigned char key[4]);

    net::stream m_owned;
    net::stream* m_s;
    ws_setup m_setup;
    frame_reader m_reader;
    std::unique_ptr<deflater> m_deflater;
    input_buffer m_in;
    // Sending. Frames are built in m_out (its capacity reused; m_spare is the other buffer
    // while a write holds one). Echoes of the several messages one read delivered are
    // corked: while m_batch (the input holds another whole frame, so the receiving task is
    // back without a read), a send leaves its frame in m_out; next_event flushes before
    // it reads, and a call_soon callback (m_flush_scheduled) by the next loop turn.
    // The stream's default high-water mark (the ws layer never changes it): corked frames and
    // what the stream holds stay at or under it, so their write is queued without waiting.
    static constexpr std::size_t cork_limit = 64 * 1024;
    std::string m_out;
    std::string m_spare;
    bool m_batch = false;
    bool m_flush_scheduled = false;
    bool m_reading = false;
    bool m_close_sent = false;
    std::exception_ptr m_pending; // thrown once by receive()
    event m_closed;               // set when the phase becomes closed
    event m_pong;                 // set when the awaited keep-alive pong arrives
    std::string m_ping_expect;
    std::uint16_t m_fail_code = 0; // keep-alive timeout: why the stream was aborted
    std::string m_fail_reason;
    std::mt19937 m_rng;
    std::optional<task_handle<void>> m_keepalive;
    std::optional<task_handle<void>> m_closer;
    // Streaming. m_stream_id names the streamed message being read (a message_reader holds
    // it); m_stream_open while its last frame was not read. m_sending_stream while
    // send_stream() owns the data frames; other sends wait for m_send_turn.
    std::uint64_t m_stream_id = 0;
    bool m_stream_open = false;
    bool m_sending_stream = false;
    event m_send_turn;
};

} // namespace aio::ws::detail
