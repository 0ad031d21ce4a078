// Ctrl-C handling of aio::run (see sigint.hpp).
#include "core/sigint.hpp"

#include "io/backend.hpp"

#include <aio/core/dump_tasks.hpp>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <sstream>

#include <sched.h>
#include <unistd.h>

namespace aio::detail {

namespace {
// ---- Ctrl-C (run_options::handle_sigint) ----
// SIGINT is process-wide, so the loop that handles it is named by one atomic pointer. The
// handler only stores a flag and wakes the backend (an eventfd write), both
// async-signal-safe; the loop thread sees the flag after its poll returns.
std::atomic<loop_impl*> g_sigint_loop{nullptr};
// Handlers running now (on any thread: SIGINT goes to whichever thread does not block it).
// disarm waits for them, so none still uses a loop that is about to be destroyed.
std::atomic<int> g_sigint_active{0};

void on_sigint(int) {
    const int saved = errno;
    // seq_cst pairs with disarm: either it sees us active and waits, or we see its null.
    g_sigint_active.fetch_add(1);
    loop_impl* l = g_sigint_loop.load();
    if (l) {
        l->m_sigint.store(true, std::memory_order_release);
        l->m_loop.io().wake();
    }
    g_sigint_active.fetch_sub(1);
    if (!l) {
        // No loop armed (a chained handler restored us after the loop ended): behave as the
        // default disposition would. sigaction and raise are async-signal-safe.
        struct sigaction sa {};
        sa.sa_handler = SIG_DFL;
        sigemptyset(&sa.sa_mask);
        ::sigaction(SIGINT, &sa, nullptr);
        ::raise(SIGINT);
    }
    errno = saved;
}

} // namespace

bool is_stale_sigint_handler(void (*handler)(int)) noexcept {
    return handler == &on_sigint && g_sigint_loop.load(std::memory_order_acquire) == nullptr;
}

sigint_scope::sigint_scope(loop_impl& impl) : m_impl(impl) {
    if (!impl.m_opts.handle_sigint || ::getpid() != ::gettid())
        return;
    struct sigaction cur {};
    if (::sigaction(SIGINT, nullptr, &cur) != 0 || (cur.sa_flags & SA_SIGINFO) ||
        (cur.sa_handler != SIG_DFL && cur.sa_handler != &on_sigint)) {
        return; // the program (or an outer loop) handles SIGINT itself
    }
    loop_impl* expected = nullptr;
    if (!g_sigint_loop.compare_exchange_strong(expected, &impl))
        return;
    impl.m_sigint.store(false);
    struct sigaction sa {};
    sa.sa_handler = &on_sigint;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGINT, &sa, nullptr);
    m_armed = true;
}

void sigint_scope::check(promise_base* main) noexcept {
    if (!m_armed || !m_impl.m_sigint.load(std::memory_order_acquire))
        return;
    disarm();
    m_interrupted = true;
    main->cancel();
}

void sigint_scope::finish(promise_base* main) noexcept {
    disarm();
    if (!m_interrupted || !main->has(promise_base::f_was_cancelled))
        return;
    std::cout.flush();
    std::cerr.flush();
    std::fflush(nullptr);
    struct sigaction sa {};
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGINT, &sa, nullptr);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    ::pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
    ::raise(SIGINT);
    // Still alive (SIGINT blocked elsewhere or ignored): run rethrows cancelled_error.
}

void sigint_scope::disarm() noexcept {
    if (!m_armed)
        return;
    m_armed = false;
    struct sigaction cur {};
    // Restore the default only if nobody (add_signal_handler) replaced our handler.
    if (::sigaction(SIGINT, nullptr, &cur) == 0 && cur.sa_handler == &on_sigint) {
        struct sigaction sa {};
        sa.sa_handler = SIG_DFL;
        sigemptyset(&sa.sa_mask);
        ::sigaction(SIGINT, &sa, nullptr);
    }
    g_sigint_loop.store(nullptr);
    while (g_sigint_active.load() != 0)
        ::sched_yield(); // a handler on another thread may still be waking this loop
}

namespace {
// ---- SIGUSR1 -> dump_tasks (debug mode) ----
// The same scheme as SIGINT: one atomic loop pointer, a flag and a backend wake-up.
std::atomic<loop_impl*> g_dump_loop{nullptr};
std::atomic<int> g_dump_active{0};

void on_sigusr1(int) {
    const int saved = errno;
    g_dump_active.fetch_add(1);
    if (loop_impl* l = g_dump_loop.load()) {
        l->m_dump_requested.store(true, std::memory_order_release);
        l->m_loop.io().wake();
    }
    g_dump_active.fetch_sub(1);
    errno = saved;
}
} // namespace

dump_signal_scope::dump_signal_scope(loop_impl& impl) : m_impl(impl) {
    if (!impl.m_loop.debug())
        return;
    struct sigaction cur {};
    if (::sigaction(SIGUSR1, nullptr, &cur) != 0 || (cur.sa_flags & SA_SIGINFO) ||
        cur.sa_handler != SIG_DFL) {
        return; // the program handles SIGUSR1 itself
    }
    loop_impl* expected = nullptr;
    if (!g_dump_loop.compare_exchange_strong(expected, &impl))
        return;
    struct sigaction sa {};
    sa.sa_handler = &on_sigusr1;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGUSR1, &sa, nullptr);
    m_armed = true;
}

void dump_signal_scope::check() noexcept {
    if (!m_armed || !m_impl.m_dump_requested.load(std::memory_order_acquire))
        return;
    m_impl.m_dump_requested.store(false);
    try {
        std::ostringstream out;
        dump_tasks(out);
        m_impl.m_loop.report(out.str());
    } catch (...) {
    }
}

dump_signal_scope::~dump_signal_scope() {
    if (!m_armed)
        return;
    struct sigaction cur {};
    if (::sigaction(SIGUSR1, nullptr, &cur) == 0 && cur.sa_handler == &on_sigusr1) {
        struct sigaction sa {};
        sa.sa_handler = SIG_DFL;
        sigemptyset(&sa.sa_mask);
        ::sigaction(SIGUSR1, &sa, nullptr);
    }
    g_dump_loop.store(nullptr);
    while (g_dump_active.load() != 0)
        ::sched_yield();
}

} // namespace aio::detail
