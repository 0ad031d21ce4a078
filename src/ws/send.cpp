// Sending in a WebSocket session: each message one write (so frames of two messages never
// interleave), frames built in a reused buffer, and the replies to the messages one read
// delivered corked into one write. Design: docs/design/ws.md ("Sending", "Corking").

#include "ws/utf8.hpp"
#include "ws/ws_state.hpp"

#include <aio/core/error.hpp>
#include <aio/core/event_loop.hpp>
#include <aio/net/errors.hpp>

#include <algorithm>
#include <utility>

namespace aio::ws::detail {

task<void> ws_state::write_view(std::string_view bytes) {
    std::string failure;
    try {
        co_await m_s->write(bytes);
    } catch (const io_error& e) {
        failure = e.what();
    } catch (const invalid_state_error& e) {
        failure = e.what();
    }
    if (!failure.empty())
        throw connection_closed_error(m_code ? m_code : close_code::abnormal,
                                      "aio::ws: sending failed: " + failure);
}

task<void> ws_state::write_bytes(std::string bytes) {
    if (!m_out.empty())
        co_await flush_out(); // corked frames go first (they fit: this does not wait)
    co_await write_view(bytes);
}

task<void> ws_state::flush_out() {
    if (m_out.empty())
        co_return; // nothing to send (finish() and abort() empty it: the stream may be gone)
    // The write may wait (backpressure) holding the buffer: another sender meanwhile builds
    // its frames in the spare one.
    std::string out = std::exchange(m_out, std::move(m_spare));
    m_out.clear();
    co_await write_view(out);
    out.clear();
    if (m_spare.capacity() < out.capacity())
        m_spare = std::move(out);
}

bool ws_state::fits_with_out(std::size_t n) const noexcept {
    return m_s->write_buffer_size() + m_out.size() + n + 14 <= cork_limit;
}

namespace {
task<void> flush_later(std::shared_ptr<ws_state> self) {
    try {
        co_await self->flush_out();
    } catch (const connection_closed_error&) {
        // reported by the next send or receive
    }
}
} // namespace

void ws_state::schedule_flush() {
    if (m_flush_scheduled)
        return;
    m_flush_scheduled = true;
    get_running_loop().call_soon([w = weak_from_this()] {
        if (const std::shared_ptr<ws_state> self = w.lock())
            self->flush_now();
    });
}

void ws_state::flush_now() {
    m_flush_scheduled = false;
    if (m_out.empty() || m_phase == phase::closed)
        return;
    // Corked frames fit under the stream's mark, so the write is queued (or sent) at once,
    // here: no task, so nothing can run after the session let go of its stream.
    try {
        net::write_awaitable w = m_s->write(m_out);
        if (w.await_ready()) {
            w.await_resume();
            m_out.clear();
            return;
        }
    } catch (const std::exception&) {
        m_out.clear(); // the stream failed or closed: the next send or receive says so
        return;
    }
    // Only if the stream's mark was set below cork_limit (accept() of a user's stream).
    aio::create_task(flush_later(shared_from_this()), "aio::ws flush");
}

task<void> ws_state::write_control(opcode op, std::string_view payload) {
    unsigned char key[4];
    if (m_setup.client)
        make_key(key);
    append_frame(m_out, op, true, false, payload, m_setup.client ? key : nullptr);
    co_await flush_out(); // with the corked frames before it
}

task<void> ws_state::wait_send_turn() {
    while (m_sending_stream)
        co_await m_send_turn.wait();
}

task<void> ws_state::send_message(opcode op, std::string_view data) {
    const char* what = op == opcode::text ? "send" : "send_binary";
    if (m_phase != phase::open)
        throw connection_closed_error(m_code ? m_code : close_code::normal,
                                      closed_message(what, m_code ? m_code : 1000));
    if (op == opcode::text && !is_valid_utf8(data))
        throw net::invalid_argument_error(
            "aio::ws::websocket::send: the text is not valid UTF-8 (send bytes with send_binary)");
    if (m_sending_stream) {
        co_await wait_send_turn();
        if (m_phase != phase::open)
            throw connection_closed_error(m_code ? m_code : close_code::internal_error,
                                          closed_message(what, m_code ? m_code : 1011));
    }
    std::string compressed;
    std::string_view payload = data;
    if (m_deflater) {
        compressed = m_deflater->compress(data);
        payload = compressed;
    }
    const std::size_t frag = m_setup.opts.fragment_size;
    // Corked frames leave with this one in one write when together they fit under the
    // mark; otherwise alone first (they fit, so that write does not wait).
    const bool fits = frag == 0 && fits_with_out(payload.size());
    const bool cork = fits && m_batch;
    if (!fits && !m_out.empty())
        co_await flush_out();
    unsigned char key[4];
    std::size_t at = 0;
    bool first = true;
    do {
        const std::size_t n = frag == 0 ? payload.size() : std::min(frag, payload.size() - at);
        const bool fin = at + n == payload.size();
        if (m_setup.client)
            make_key(key);
        append_frame(m_out, first ? op : opcode::continuation, fin, first && m_deflater != nullptr,
                     payload.substr(at, n), m_setup.client ? key : nullptr);
        at += n;
        first = false;
    } while (at < payload.size());
    if (cork) {
        schedule_flush();
        co_return;
    }
    co_await flush_out();
}

} // namespace aio::ws::detail
