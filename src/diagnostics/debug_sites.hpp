// Debug-mode records of coroutine-frame sites and await sites (see
// include/aio/core/detail/debug_sites.hpp), and the text the reports build from them.
#pragma once

#include <aio/core/detail/debug_sites.hpp>
#include <aio/core/detail/promise_base.hpp>

#include <string>
#include <string_view>
#include <unordered_map>

namespace aio::detail {

struct frame_site {
    aio::source_location where;
    promise_of_fn promise = nullptr;
};

/// Owned by a debug-mode loop (loop_impl::m_sites); t_debug_sites points to it while the
/// loop runs.
struct debug_sites {
    std::unordered_map<const void*, frame_site> frames; // live aio::task frames
};

/// "ns::f" from a compiler's pretty function name ("R ns::f(Args) [with ...]").
std::string short_function_name(std::string_view pretty);
/// "fn (file:line)" of a recorded frame, or "" if the frame is unknown.
std::string frame_description(const void* frame);
/// The coroutines `t` is suspended in, innermost first ("fn (file:line)" each), then the
/// call site of the awaitable it is parked in when known. One line each, indented.
std::string await_chain(const promise_base& t, const char* indent);

} // namespace aio::detail
