// aio::dump_tasks: what every task of the loop is doing (asyncio.all_tasks() with each
// task's print_stack(); faulthandler's dump on SIGUSR1 in debug mode).
#pragma once

#include <iosfwd>

namespace aio {

/// Writes every live task of the running loop: its name, state (running, ready,
/// suspended, done), its creation site when known and, in debug mode, the chain of
/// coroutines it is suspended in (innermost first, each "function (file:line)") and the
/// call site of the awaitable it is parked in (sleep, lock::acquire, event::wait,
/// queue::get...). Loop thread only; throws aio::runtime_error without a running loop.
/// With AIO_DEBUG=1 the loop also prints it to stderr on SIGUSR1.
///
///     aio::dump_tasks(std::cerr);
void dump_tasks(std::ostream& out);

} // namespace aio
