// Context variables (include/aio/core/context_var.hpp): each task's values live in an
// immutable map shared with the tasks that copied it; set() replaces the task's map by a
// modified copy (copy on write), so a copy never changes under anyone.
#include "core/loop_impl.hpp"

#include <aio/core/context_var.hpp>
#include <aio/core/event_loop.hpp>

#include <algorithm>
#include <atomic>
#include <vector>

namespace aio::detail {

struct context_data {
    std::vector<std::pair<std::uint64_t, std::shared_ptr<const void>>> vars; // few: a vector
};

namespace {

using context_ptr = std::shared_ptr<const context_data>;

/// The context of code that runs outside any task on this thread (callbacks, before run).
thread_local context_ptr t_thread_context;

std::unordered_map<std::uint32_t, context_ptr>& task_contexts() {
    return static_cast<event_loop*>(t_loop)->impl().m_contexts;
}

/// The current context's slot; null if the running task has none and `create` is false.
context_ptr* current_slot(bool create) {
    promise_base* t = t_current;
    if (!t)
        return &t_thread_context;
    if (t->has(promise_base::f_has_context))
        return &task_contexts()[t->m_id];
    if (!create)
        return nullptr;
    t->m_flags |= promise_base::f_has_context;
    return &task_contexts()[t->m_id];
}

} // namespace

std::uint64_t next_context_var_id() noexcept {
    static std::atomic<std::uint64_t> next{1};
    return next.fetch_add(1, std::memory_order_relaxed);
}

std::shared_ptr<const void> context_get(std::uint64_t id) noexcept {
    const context_ptr* slot = current_slot(false);
    if (!slot || !*slot)
        return nullptr;
    for (const auto& [key, value] : (*slot)->vars)
        if (key == id)
            return value;
    return nullptr;
}

std::shared_ptr<const void> context_set(std::uint64_t id, std::shared_ptr<const void> value) {
    context_ptr* slot = current_slot(true);
    auto next = std::make_shared<context_data>();
    std::shared_ptr<const void> old;
    if (*slot) {
        next->vars.reserve((*slot)->vars.size() + 1);
        for (const auto& kv : (*slot)->vars) {
            if (kv.first == id)
                old = kv.second;
            else
                next->vars.push_back(kv);
        }
    }
    if (value)
        next->vars.emplace_back(id, std::move(value));
    *slot = std::move(next);
    return old;
}

void inherit_context(promise_base& child) {
    const context_ptr* src = nullptr;
    if (promise_base* creator = t_current) {
        if (!creator->has(promise_base::f_has_context)) [[likely]]
            return;
        src = &task_contexts()[creator->m_id];
    } else {
        src = &t_thread_context;
    }
    if (!*src)
        return;
    task_contexts()[child.m_id] = *src;
    child.m_flags |= promise_base::f_has_context;
}

void drop_context(promise_base& t) noexcept {
    task_contexts().erase(t.m_id);
    t.m_flags &= static_cast<std::uint16_t>(~promise_base::f_has_context);
}

} // namespace aio::detail
