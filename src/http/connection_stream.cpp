// Sending a streamed or file body (response::stream, static files) while watching the
// connection: the body is written by one task, and a second task reads from the client, so
// that a client that goes away is noticed at once (not at the next chunk, which a slow
// producer may take minutes to make) and cancels the producer where it is suspended.
// Bytes the client sends meanwhile (a pipelined request) are kept for the next request.
#include "http/body_source.hpp"
#include "http/server_state.hpp"

#include <aio/core/error.hpp>
#include <aio/core/event_loop.hpp>
#include <aio/core/gather.hpp>
#include <aio/sync/event.hpp>

#include <exception>

namespace aio::http::detail {

namespace {

// Ends the watcher once the body is out: gather cancels the other task on the first
// exception, which is the only way to stop a sibling without a handle.
struct body_sent final : std::exception {
    const char* what() const noexcept override { return "body sent"; }
};

task<void> transmit(
    body_source* src, net::stream* s, body_framing_out f, std::uint64_t* sent, stream_race* race) {
    bool failed = false;
    std::string why;
    try {
        *sent = co_await src->write(*s, f);
    } catch (const cancelled_error&) {
        race->body_over = true;
        throw;
    } catch (const io_error&) {
        race->body_over = true;
        // The watcher saw the client leave first and gather cancelled us while a send was
        // under way: the send's EPIPE is the same news. End as cancelled, as gather expects
        // of a cancelled sibling (any other exception is reported as never retrieved).
        if (race->peer_gone)
            throw cancelled_error();
        throw; // the client went away or the file could not be read: nothing to report
    } catch (const std::exception& e) {
        failed = true;
        why = e.what();
    }
    race->body_over = true;
    if (failed) {
        get_running_loop().report("aio::http::server: a streamed body failed after its head was "
                                  "sent (the connection is aborted): " +
                                  why);
        throw error(why);
    }
    if (race->peer_gone)
        throw cancelled_error(); // the watcher ended first: gather has cancelled us
    throw body_sent();
}

} // namespace

task<void> connection::watch_peer(stream_race* race) {
    // At most this much of a pipelined request is read ahead while a body is sent; past
    // it the watcher only waits (the client is then clearly still there).
    constexpr std::size_t read_ahead = 64 * 1024;
    event never;
    for (;;) {
        if (m_buf.size() >= read_ahead)
            co_await never.wait(); // until cancelled
        std::string more;
        bool reset = false;
        try {
            more = co_await m_s.read(16 * 1024);
        } catch (const io_error&) {
            reset = true;
        }
        if (!reset && !more.empty()) {
            m_buf += more;
            continue;
        }
        if (race->body_over)
            throw cancelled_error(); // the body failed first: its error is the one to see
        race->peer_gone = true;
        throw error("aio::http::server: the client closed the connection during the body");
    }
}

task<std::uint64_t> connection::send_streamed(const response& r, bool http10) {
    body_framing_out f = body_framing_out::chunked;
    if (r.source->length())
        f = body_framing_out::length;
    else if (http10)
        f = body_framing_out::close;
    std::uint64_t sent = 0;
    try {
        stream_race race;
        co_await aio::gather(transmit(r.source.get(), &m_s, f, &sent, &race), watch_peer(&race));
    } catch (const body_sent&) {
        co_return sent;
    }
    co_return sent; // not reached: one of the two always throws
}

} // namespace aio::http::detail
