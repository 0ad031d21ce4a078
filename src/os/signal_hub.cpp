// Signal hub: see the design block in signal_hub.hpp.
#include "os/signal_hub.hpp"

#include "core/loop_impl.hpp"
#include "os/os_state.hpp"

#include <aio/core/error.hpp>
#include <aio/core/event_loop.hpp>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <mutex>
#include <string>
#include <system_error>

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <unistd.h>

namespace aio::detail {

namespace {

constexpr int max_sig = 64;
constexpr int max_loops = 64;

// Read by the signal handler (any thread, async-signal context), written by loops under
// g_mutex: atomics because a handler cannot take the mutex.
struct loop_slot {
    std::atomic<int> fd{-1};            // the loop's self-pipe write end
    std::atomic<std::uint64_t> mask{0}; // the signals that loop wants
    bool used = false;                  // guarded by g_mutex
};

struct installed_sig {
    int refs = 0;
    struct sigaction old {};
};

// Process-wide by nature (signal dispositions are): constant-initialised, no constructors.
loop_slot g_slots[max_loops];
std::atomic<int> g_active{0}; // handlers running now; a loop leaving waits for zero
std::mutex g_mutex;
installed_sig g_installed[max_sig + 1];

constexpr std::uint64_t bit(int sig) noexcept {
    return std::uint64_t{1} << (sig - 1);
}

void forward(int sig) {
    const int saved = errno;
    // seq_cst pairs with the slot clearing in ~signal_hub: either it sees us active and
    // waits, or we see its cleared slot.
    g_active.fetch_add(1);
    for (loop_slot& s : g_slots) {
        if (s.mask.load() & bit(sig)) {
            const int fd = s.fd.load();
            if (fd >= 0) {
                const unsigned char b = static_cast<unsigned char>(sig);
                [[maybe_unused]] ssize_t r = ::write(fd, &b, 1); // full pipe: coalesced
            }
        }
    }
    g_active.fetch_sub(1);
    errno = saved;
}

[[noreturn]] void throw_errno(int err, const std::string& what) {
    throw io_error(std::error_code(err, std::system_category()), what);
}

} // namespace

std::uint64_t signal_bit(int sig) {
    if (sig < 1 || sig > max_sig || sig == SIGKILL || sig == SIGSTOP) {
        throw error("aio: signal " + std::to_string(sig) +
                    " cannot be handled (valid: 1..64 except SIGKILL and SIGSTOP)");
    }
    return bit(sig);
}

signal_hub::signal_hub(event_loop& loop) : m_loop(loop) {
    int fds[2];
    if (::pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0)
        throw_errno(errno, "aio: signal pipe");
    m_rd = fds[0];
    m_wr = fds[1];
    {
        std::lock_guard lock(g_mutex);
        for (int i = 0; i < max_loops; ++i) {
            if (!g_slots[i].used) {
                g_slots[i].used = true;
                g_slots[i].mask.store(0);
                g_slots[i].fd.store(m_wr);
                m_slot = i;
                break;
            }
        }
    }
    if (m_slot < 0) {
        ::close(m_rd);
        ::close(m_wr);
        throw error("aio: too many event loops handle signals at once (max 64)");
    }
    m_op.m_hub = this;
    m_op.m_kind = op_kind::poll;
    m_op.m_fd = m_rd;
    m_op.m_len = POLLIN;
    m_op.m_complete = &on_readable;
}

signal_hub::~signal_hub() {
    for (int sig = 1; sig <= max_sig; ++sig) {
        if (m_installed & bit(sig))
            uninstall(sig);
    }
    // Wake every waiter still linked (cannot happen with live tasks; defensive).
    while (signal_waiter* w = m_waiters.front())
        unlink(w);
    {
        std::lock_guard lock(g_mutex);
        g_slots[m_slot].mask.store(0);
        g_slots[m_slot].fd.store(-1);
        g_slots[m_slot].used = false;
    }
    while (g_active.load() != 0)
        ::sched_yield(); // a handler may still hold our fd
    m_closing = true;
    if (m_inflight) {
        backend& io = m_loop.io();
        io.cancel(m_op);
        for (int i = 0; m_inflight && i < 1000; ++i)
            io.poll(1000000); // 1 ms steps
    }
    m_loop.io().forget_fd(m_rd);
    ::close(m_rd);
    ::close(m_wr);
}

void signal_hub::install(int sig) {
    if (m_installed & bit(sig))
        return;
    {
        std::lock_guard lock(g_mutex);
        installed_sig& in = g_installed[sig];
        if (in.refs == 0) {
            struct sigaction sa {};
            sa.sa_handler = &forward;
            sa.sa_flags = SA_RESTART;
            sigemptyset(&sa.sa_mask);
            if (::sigaction(sig, &sa, &in.old) != 0) {
                throw_errno(errno,
                            "aio: cannot install a handler for signal " + std::to_string(sig));
            }
        }
        ++in.refs;
        g_slots[m_slot].mask.fetch_or(bit(sig));
    }
    m_installed |= bit(sig);
    // A signal blocked in this thread would never reach the handler: unblock it (the loop
    // thread is where it belongs).
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    ::pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
    if (!m_inflight)
        arm();
}

void signal_hub::uninstall(int sig) noexcept {
    if (!(m_installed & bit(sig)))
        return;
    m_installed &= ~bit(sig);
    std::lock_guard lock(g_mutex);
    g_slots[m_slot].mask.fetch_and(~bit(sig));
    installed_sig& in = g_installed[sig];
    if (--in.refs == 0) {
        if (!(in.old.sa_flags & SA_SIGINFO) && is_stale_sigint_handler(in.old.sa_handler)) {
            in.old.sa_handler = SIG_DFL; // aio::run's Ctrl-C handler outlived its loop
        }
        ::sigaction(sig, &in.old, nullptr);
    }
}

void signal_hub::arm() noexcept {
    m_inflight = true;
    m_loop.io().submit(m_op);
}

void signal_hub::on_readable(io_op* op) noexcept {
    signal_hub& h = *static_cast<pipe_op*>(op)->m_hub;
    h.m_inflight = false;
    if (h.m_closing)
        return;
    unsigned char buf[64];
    for (;;) {
        const ssize_t n = ::read(h.m_rd, buf, sizeof buf);
        if (n <= 0)
            break;
        for (ssize_t i = 0; i < n; ++i)
            h.dispatch(buf[i]);
    }
    if (!h.m_closing && h.m_installed)
        h.arm();
}

void signal_hub::dispatch(int sig) noexcept {
    if (sig < 1 || sig > max_sig)
        return;
    bool consumed = false;
    if (m_callbacks[sig]) {
        consumed = true;
        auto cb = m_callbacks[sig]; // the callback may remove or replace itself
        try {
            cb();
        } catch (const std::exception& e) {
            m_loop.report(std::string("aio: exception in signal handler: ") + e.what());
        } catch (...) {
            m_loop.report("aio: exception in signal handler");
        }
    }
    for (signal_waiter* w = m_waiters.front(); w;) {
        signal_waiter* next = m_waiters.next(w);
        if (w->m_mask & bit(sig)) {
            consumed = true;
            unlink(w);
            w->m_sig = sig;
            w->wake();
        }
        w = next;
    }
    if (consumed)
        return;
    if (sig == SIGINT) {
        // Pass Ctrl-C on to the disposition we replaced if it is a function (aio::run's).
        struct sigaction old;
        {
            std::lock_guard lock(g_mutex);
            old = g_installed[sig].old;
        }
        if (!(old.sa_flags & SA_SIGINFO) && old.sa_handler != SIG_DFL &&
            old.sa_handler != SIG_IGN && old.sa_handler != &forward) {
            old.sa_handler(sig);
            return;
        }
    }
    m_pending |= bit(sig);
}

void signal_hub::add_handler(int sig, std::function<void()> cb) {
    signal_bit(sig);
    if (!cb)
        throw error("aio: add_signal_handler: empty callback");
    install(sig);
    m_callbacks[sig] = std::move(cb);
}

bool signal_hub::remove_handler(int sig) {
    if (sig < 1 || sig > max_sig || !m_callbacks[sig])
        return false;
    m_callbacks[sig] = nullptr;
    if (!(m_waiting & bit(sig)))
        uninstall(sig);
    return true;
}

void signal_hub::use_for_waiting(std::uint64_t mask) {
    for (int sig = 1; sig <= max_sig; ++sig) {
        if ((mask & bit(sig)) && !(m_waiting & bit(sig))) {
            install(sig);
            m_waiting |= bit(sig);
        }
    }
}

int signal_hub::take_pending(std::uint64_t mask) noexcept {
    const std::uint64_t p = m_pending & mask;
    if (!p)
        return 0;
    const int sig = __builtin_ctzll(p) + 1;
    m_pending &= ~bit(sig);
    return sig;
}

void signal_hub::link(signal_waiter* w) noexcept {
    w->m_hub = this;
    m_waiters.push_back(w);
}

void signal_hub::unlink(signal_waiter* w) noexcept {
    if (!w->m_hub)
        return;
    m_waiters.remove(w);
    w->m_hub = nullptr;
}

// ---- signal_waiter ----

namespace {
void waiter_cancel(parking* p) noexcept {
    auto* w = static_cast<signal_waiter*>(p);
    if (w->m_hub)
        w->m_hub->unlink(w);
    w->wake_cancelled();
}
} // namespace

signal_waiter::~signal_waiter() {
    if (m_hub)
        m_hub->unlink(this);
}

bool signal_waiter::await_suspend(std::coroutine_handle<> h) {
    if (current().cancel_pending()) {
        m_cancelled = true;
        return false;
    }
    signal_hub& hub = os_state::get().signals();
    hub.use_for_waiting(m_mask);
    if (int sig = hub.take_pending(m_mask)) {
        m_sig = sig;
        return false;
    }
    if (!begin_park(h, &waiter_cancel))
        return false;
    hub.link(this);
    return true;
}

} // namespace aio::detail

namespace aio {

void add_signal_handler(int sig, std::function<void()> callback) {
    event_loop& loop = get_running_loop();
    detail::os_state::of(loop).signals().add_handler(sig, std::move(callback));
}

bool remove_signal_handler(int sig) {
    event_loop& loop = get_running_loop();
    if (!detail::os_state::exists(loop))
        return false;
    return detail::os_state::of(loop).signals().remove_handler(sig);
}

} // namespace aio
