// dump_tasks, the debug-mode frame and await sites, and the never-awaited report.
#include "core/loop_impl.hpp"
#include "diagnostics/debug_sites.hpp"

#include <aio/core/dump_tasks.hpp>
#include <aio/core/event_loop.hpp>

#include <cstdio>
#include <ostream>
#include <sstream>

namespace aio::detail {

void note_frame(void* frame, const aio::source_location& where, promise_of_fn p) noexcept {
    try {
        t_debug_sites->frames.insert_or_assign(frame, frame_site{where, p});
    } catch (...) { // bad_alloc: the frame just goes unnamed
    }
}

void forget_frame(void* frame) noexcept {
    t_debug_sites->frames.erase(frame);
}

void note_await_slow(const parking* p, aio::source_location where) noexcept {
    promise_base* t = t_current;
    if (!t || !t->has(promise_base::f_has_debug))
        return;
    // debug_info is const: the entry lives in the loop, which we may change.
    if (auto* d = const_cast<task_debug*>(debug_info(*t))) {
        d->await_parking = p;
        d->await_site = where;
    }
}

namespace {
std::string site_text(const aio::source_location& w) {
    return std::string(w.file_name()) + ":" + std::to_string(w.line());
}

void erase_all(std::string& s, std::string_view what) {
    for (auto p = s.find(what); p != std::string::npos; p = s.find(what, p))
        s.erase(p, what.size());
}
} // namespace

std::string short_function_name(std::string_view pretty) {
    // GCC gives "R ns::f(Args) [with T = ...]"; Clang's fallback just "f". Keep the
    // qualified name: drop the template bindings, the parameter list and the return type.
    if (auto w = pretty.find(" [with "); w != std::string_view::npos)
        pretty = pretty.substr(0, w);
    if (!pretty.empty() && pretty.back() == ')') {
        int depth = 0;
        for (std::size_t i = pretty.size(); i-- > 0;) {
            depth += pretty[i] == ')' ? 1 : pretty[i] == '(' ? -1 : 0;
            if (depth == 0) {
                pretty = pretty.substr(0, i);
                break;
            }
        }
    }
    int angle = 0;
    for (std::size_t i = pretty.size(); i-- > 0;) {
        angle += pretty[i] == '>' ? 1 : pretty[i] == '<' ? -1 : 0;
        if (angle == 0 && pretty[i] == ' ') {
            pretty = pretty.substr(i + 1);
            break;
        }
    }
    std::string out(pretty);
    erase_all(out, "{anonymous}::");
    erase_all(out, "(anonymous namespace)::");
    return out;
}

std::string frame_description(const void* frame) {
    if (!t_debug_sites)
        return {};
    auto it = t_debug_sites->frames.find(frame);
    if (it == t_debug_sites->frames.end() || it->second.where.line() == 0)
        return {}; // not recorded, or no source_location (Clang 14 with libstdc++ 12)
    return short_function_name(it->second.where.function_name()) + " (" +
           site_text(it->second.where) + ")";
}

std::string await_chain(const promise_base& t, const char* indent) {
    std::string out;
    const task_debug* d = debug_info(t);
    if (d && d->await_parking && d->await_parking == t.m_parked)
        out += std::string(indent) + "waiting at " + site_text(d->await_site) + "\n";
    if (!t_debug_sites || t.done())
        return out;
    // A running root's m_link is its innermost suspended frame; each inline-awaited frame's
    // m_link is its parent. Only frames recorded as aio::task frames are followed, so the
    // walk never reads a frame of another coroutine type; it stops at the root.
    const void* f = t.m_link.address();
    for (int depth = 0; f && depth < 64; ++depth) {
        auto it = t_debug_sites->frames.find(f);
        if (it == t_debug_sites->frames.end())
            break;
        out += std::string(indent) + "in " + short_function_name(it->second.where.function_name()) +
               " (" + site_text(it->second.where) + ")\n";
        promise_base* p = it->second.promise(const_cast<void*>(f));
        if (p == &t)
            break;
        f = p->m_link.address();
    }
    return out;
}

void on_never_awaited(void* frame) noexcept {
    if (!t_loop || !t_loop->debug())
        return;
    try {
        std::string what = frame_description(frame);
        std::string msg = "aio: a task was never awaited: ";
        msg += what.empty() ? std::string("it") : "coroutine " + what;
        msg += " was destroyed without being started (forgotten co_await?)";
        static_cast<event_loop*>(t_loop)->report(msg);
    } catch (...) {
    }
}

} // namespace aio::detail

namespace aio {

namespace {
const char* state_of(const detail::promise_base& t) {
    if (t.done())
        return "done";
    if (&t == detail::t_current)
        return "running";
    if (!t.m_parked && t.has(detail::promise_base::f_root))
        return "ready";
    return "suspended";
}
} // namespace

void dump_tasks(std::ostream& out) {
    if (!detail::t_loop)
        throw runtime_error("aio::dump_tasks: no event loop runs on this thread (call it from "
                            "a task or a loop callback)");
    const auto& roots = detail::t_loop->live_roots();
    std::ostringstream s;
    s << "aio: " << roots.size() << " task" << (roots.size() == 1 ? "" : "s") << "\n";
    for (const detail::promise_base* t : roots) {
        s << "task '" << t->name() << "' " << state_of(*t);
        if (const detail::task_debug* d = detail::debug_info(*t)) {
            if (std::string co = detail::frame_description(d->frame); !co.empty())
                s << ", coroutine " << co;
            if (d->where.line() != 0)
                s << ", created at " << d->where.file_name() << ":" << d->where.line();
        }
        s << "\n" << detail::await_chain(*t, "    ");
    }
    out << s.str();
    out.flush();
}

} // namespace aio
