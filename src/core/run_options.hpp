// Reading run_options and the environment variables that stand in for them. Private to
// the core layer.
#pragma once

#include <aio/core/event_loop.hpp>

namespace aio::detail {

/// True if the environment variable is set, non-empty and not "0".
bool env_flag(const char* name);

/// The Chrome trace file named by AIO_TRACE, or null when it is unset or empty.
const char* trace_path();

/// run_options::io_batch_window in microseconds; when that is 0, AIO_IO_BATCH_US if set
/// (as with the backend: an explicit option wins over the environment). Throws
/// aio::runtime_error for a value out of range or not plain digits.
unsigned batch_window_us(const run_options& opts);

} // namespace aio::detail
