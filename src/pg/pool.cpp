// aio::pg::pool: permits (an aio::semaphore of max_size) for leases, idle connections in a
// stack (the most recently used first: its caches are warm), a task per leased-back busy
// connection that makes it idle again before it rejoins the stack, and one task that
// closes connections idle for longer than max_idle (the oldest first, down to min_size).
#include "pg/conn_state.hpp"

#include <aio/core/event_loop.hpp>
#include <aio/core/sleep.hpp>
#include <aio/core/timeout.hpp>
#include <aio/pg/pool.hpp>
#include <aio/sync/semaphore.hpp>

#include <optional>
#include <vector>

namespace aio::pg {

namespace detail {

class pool_state : public std::enable_shared_from_this<pool_state> {
  public:
    pool_state(std::string dsn, pool_options o)
        : m_dsn(std::move(dsn)), m_options(o), m_permits(o.max_size) {}

    std::string m_dsn;
    pool_options m_options;
    aio::semaphore m_permits;
    struct idle_conn {
        connection conn;
        std::chrono::steady_clock::time_point since; // on the loop's clock
    };
    std::vector<idle_conn> m_idle; // a stack: the most recently used last
    task_handle<void> m_reaper;    // closes connections idle for longer than max_idle
    std::size_t m_open = 0;        // idle + leased + being reset + being opened
    std::size_t m_resetting = 0;
    bool m_started = false;
    bool m_closed = false;
    aio::event m_reset_done;

    task<connection> open() {
        ++m_open;
        try {
            co_return co_await connect(m_dsn, m_options.connect);
        } catch (...) {
            --m_open;
            throw;
        }
    }

    /// A connection that is still usable as it is (no work in flight, no transaction).
    static bool clean(const connection& c) {
        const auto& s = c.state();
        return s && !s->broken() && s->idle() && s->m_tx_depth == 0 &&
               PQtransactionStatus(s->m_conn) == PQTRANS_IDLE;
    }

    /// Puts `c` on the idle stack and makes sure idle connections expire.
    void make_idle(connection c) {
        m_idle.push_back({std::move(c), get_running_loop().time()});
        if (m_options.max_idle.count() > 0 && (!m_reaper || m_reaper.done())) {
            try {
                m_reaper = create_task(reap(weak_from_this()), "aio::pg pool idle expiry");
            } catch (...) {
                // Out of memory: the connection stays idle; the next make_idle tries again.
            }
        }
    }

    /// Closes the connections idle since before `now - max_idle`, the oldest first, while
    /// more than min_size are open; returns when the next one would expire (or nullopt
    /// when none can).
    std::optional<std::chrono::steady_clock::time_point>
    expire(std::chrono::steady_clock::time_point now) {
        std::size_t n = 0;
        while (n < m_idle.size() && m_open - n > m_options.min_size &&
               m_idle[n].since + m_options.max_idle <= now)
            ++n;
        for (std::size_t i = 0; i < n; ++i)
            drop(std::move(m_idle[i].conn));
        m_idle.erase(m_idle.begin(), m_idle.begin() + static_cast<std::ptrdiff_t>(n));
        if (m_idle.empty() || m_open <= m_options.min_size)
            return std::nullopt;
        return m_idle.front().since + m_options.max_idle;
    }

    /// Sleeps until the oldest idle connection is due, closes what is due, again; ends
    /// when no idle connection can expire (make_idle starts it again). Holds the pool
    /// only between sleeps, so a pool that goes away ends it.
    static task<void> reap(std::weak_ptr<pool_state> w) {
        for (;;) {
            std::chrono::steady_clock::duration wait{};
            {
                auto p = w.lock();
                if (!p || p->m_closed)
                    co_return;
                const auto now = get_running_loop().time();
                const auto next = p->expire(now);
                if (!next)
                    co_return;
                wait = *next - now;
            }
            co_await sleep(std::chrono::duration_cast<std::chrono::nanoseconds>(wait));
        }
    }

    /// Marks the pool closed: its idle connections close, the expiry task ends.
    void close_idle() noexcept {
        m_closed = true;
        m_open -= m_idle.size();
        m_idle.clear();
        m_reaper.cancel();
    }

    void drop(connection c) noexcept {
        --m_open;
        (void)c; // closed by its destructor
    }

    void give_back(connection c) noexcept {
        if (!c.state()) {
            m_permits.release();
            return;
        }
        if (m_closed || c.is_closed()) {
            drop(std::move(c));
            m_permits.release();
            return;
        }
        if (clean(c)) {
            try {
                make_idle(std::move(c));
            } catch (...) {
                drop(std::move(c)); // no room on the stack (out of memory): c is intact
            }
            m_permits.release();
            return;
        }
        try {
            ++m_resetting;
            spawn(reset(shared_from_this(), std::move(c)), "aio::pg pool reset");
        } catch (...) {
            --m_resetting;
            drop(std::move(c));
            m_permits.release();
        }
    }

    /// Waits for the connection's abandoned work to end (the cancel request was sent when
    /// its task gave up), rolls back an open transaction, then returns it to the stack;
    /// closes it if that fails or takes longer than reset_timeout. Holds its permit.
    static task<void> reset(std::shared_ptr<pool_state> p, connection c) {
        bool ok = false;
        try {
            co_await wait_for(rollback(c.state()), p->m_options.reset_timeout);
            ok = clean(c);
        } catch (...) {
            ok = false;
        }
        --p->m_resetting;
        if (ok && !p->m_closed) {
            try {
                p->make_idle(std::move(c));
            } catch (...) {
                p->drop(std::move(c)); // out of memory: c is intact
            }
        } else {
            p->drop(std::move(c));
        }
        p->m_permits.release();
        p->m_reset_done.set();
    }

    static task<void> rollback(std::shared_ptr<conn_state> s) {
        // Queued behind whatever is still in flight: when it is answered, all is done.
        s->m_tx_depth = 0;
        co_await run_query(std::move(s), "ROLLBACK", params());
    }
};

} // namespace detail

// ---- lease ----

lease::lease(std::shared_ptr<detail::pool_state> pool, connection c) noexcept
    : m_pool(std::move(pool)), m_conn(std::move(c)) {}

lease& lease::operator=(lease&& o) noexcept {
    if (this != &o) {
        release();
        m_pool = std::move(o.m_pool);
        m_conn = std::move(o.m_conn);
    }
    return *this;
}

lease::~lease() {
    release();
}

void lease::release() noexcept {
    if (m_pool) {
        auto p = std::move(m_pool);
        m_pool = nullptr;
        p->give_back(std::move(m_conn));
    }
}

// ---- pool ----

pool::pool(std::string dsn, pool_options options) {
    if (options.max_size == 0)
        throw invalid_state_error("aio::pg::pool: max_size must be at least 1");
    if (options.min_size > options.max_size)
        throw invalid_state_error("aio::pg::pool: min_size is larger than max_size");
    m_state = std::make_shared<detail::pool_state>(std::move(dsn), options);
}

pool::~pool() {
    if (m_state) {
        m_state->close_idle();
    }
}

namespace {
task<lease> acquire_impl(std::shared_ptr<detail::pool_state> p, std::chrono::milliseconds timeout) {
    if (p->m_closed)
        throw invalid_state_error("aio::pg::pool: the pool is closed");
    if (!p->m_started) {
        p->m_started = true;
        try {
            while (p->m_open < p->m_options.min_size)
                p->make_idle(co_await p->open());
        } catch (...) {
            p->m_started = false;
            throw;
        }
    }
    if (timeout.count() > 0)
        co_await wait_for(p->m_permits.acquire(), timeout);
    else
        co_await p->m_permits.acquire();
    try {
        while (!p->m_idle.empty()) {
            connection c = std::move(p->m_idle.back().conn);
            p->m_idle.pop_back();
            if (!c.is_closed() && c.is_idle())
                co_return lease(p, std::move(c));
            p->drop(std::move(c)); // lost while idle (server restart, terminated backend)
        }
        co_return lease(p, co_await p->open());
    } catch (...) {
        p->m_permits.release();
        throw;
    }
}

task<result> pool_query(std::shared_ptr<detail::pool_state> p,
                        std::chrono::milliseconds timeout,
                        std::string sql,
                        detail::params params) {
    lease c = co_await acquire_impl(p, timeout);
    co_return co_await c->query(std::move(sql), std::move(params));
}

task<std::string> pool_execute(std::shared_ptr<detail::pool_state> p,
                               std::chrono::milliseconds timeout,
                               std::string sql,
                               detail::params params) {
    lease c = co_await acquire_impl(p, timeout);
    if (params.size() == 0)
        co_return co_await c->execute(std::move(sql));
    result r = co_await c->query(std::move(sql), std::move(params));
    co_return std::string(r.command_tag());
}

task<void> close_impl(std::shared_ptr<detail::pool_state> p) {
    p->close_idle();
    while (p->m_resetting > 0) {
        p->m_reset_done.clear();
        co_await p->m_reset_done.wait();
    }
}
} // namespace

task<lease> pool::acquire() {
    return acquire_impl(m_state, m_state->m_options.acquire_timeout);
}

task<lease> pool::acquire(std::chrono::milliseconds timeout) {
    return acquire_impl(m_state, timeout);
}

task<result> pool::query(std::string sql, detail::params p) {
    return pool_query(m_state, m_state->m_options.acquire_timeout, std::move(sql), std::move(p));
}

task<std::string> pool::execute_impl(std::string sql, detail::params p) {
    return pool_execute(m_state, m_state->m_options.acquire_timeout, std::move(sql), std::move(p));
}

task<void> pool::close() {
    return close_impl(m_state);
}

std::size_t pool::size() const noexcept {
    return m_state ? m_state->m_open : 0;
}

std::size_t pool::idle() const noexcept {
    return m_state ? m_state->m_idle.size() : 0;
}

} // namespace aio::pg
