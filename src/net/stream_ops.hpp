// The stream's operations shared by its source files (stream.cpp: the design and the
// public calls; stream_read.cpp, stream_write.cpp, stream_close.cpp: the three paths).
// Private to the net layer.
#pragma once

#include "net/stream_state.hpp"

#include <aio/core/task.hpp>

#include <cstddef>
#include <string>

namespace aio::net::detail {

inline stream_state* need_state(stream_core* s, const char* fn) {
    return static_cast<stream_state*>(need(s, fn));
}

// stream_read.cpp
task<std::string> do_read(state_ref r, std::size_t n);
task<std::string> do_read_all(state_ref r);
task<std::string> do_read_exactly(state_ref r, std::size_t n);
/// read_until and read_line (`line`), with asyncio's readuntil rules (see stream.hpp).
task<std::string> do_read_until(state_ref r, std::string sep, std::size_t limit, bool line);

// stream_write.cpp
/// write() as a task: the bytes are copied or sent before it completes.
task<void> write_bytes(state_ref r, const char* p, std::size_t n);
task<void> do_drain(state_ref r);
task<void> do_write_eof(state_ref r);

// stream_close.cpp
/// Waits until every call in flight has left and the transport is released.
task<void> wait_released(state_ref r);
task<void> do_close(state_ref r);

} // namespace aio::net::detail
