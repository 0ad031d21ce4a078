// Subprocesses: posix_spawn (closing every inherited descriptor but pass_fds), pidfd
// reaping, pipes for communicate().
#include "os/child_reaper.hpp"
#include "os/io_wait.hpp"
#include "os/os_state.hpp"
#include "os/process_state.hpp"

#include <aio/core/error.hpp>
#include <aio/core/event_loop.hpp>
#include <aio/core/gather.hpp>
#include <aio/net/errors.hpp>
#include <aio/os/signal.hpp>
#include <aio/os/subprocess.hpp>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

// glibc 2.34+ has posix_spawn_file_actions_addclosefrom_np.
#if defined(__GLIBC__)
#if __GLIBC_PREREQ(2, 34) && defined(SYS_close_range)
#define AIO_SPAWN_CLOSEFROM 1
#endif
#endif
#ifndef AIO_SPAWN_CLOSEFROM
#define AIO_SPAWN_CLOSEFROM 0
#endif

namespace aio {

namespace detail {

namespace {

int pidfd_open(pid_t pid) noexcept {
    if (g_no_pidfd)
        return -1;
    const long r = ::syscall(SYS_pidfd_open, pid, 0);
    return r < 0 ? -1 : static_cast<int>(r);
}

int decode_status(int status) noexcept {
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return -WTERMSIG(status);
    return -1;
}

[[noreturn]] void throw_errno(int err, const std::string& what) {
    throw io_error(std::error_code(err, std::system_category()), what);
}

/// Waits until `fd` reports one of `events`; throws cancelled_error.
task<void> wait_ready(int fd, short events) {
    file_op_awaiter a;
    a.m_kind = op_kind::poll;
    a.m_fd = fd;
    a.m_len = static_cast<std::size_t>(events);
    const int r = co_await a;
    if (a.m_cancelled)
        throw cancelled_error();
    if (r < 0 && r != -ECANCELED)
        throw_errno(-r, "aio: poll");
}

/// One end of a pipe for the child (`child_end`) and ours (non-blocking, CLOEXEC).
void make_pipe(bool child_reads, int& child_end, int& our_end) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0)
        throw_errno(errno, "aio: pipe");
    child_end = child_reads ? p[0] : p[1];
    our_end = child_reads ? p[1] : p[0];
    if (!child_reads)
        ::fcntl(our_end, F_SETPIPE_SZ, 1 << 20); // fewer wake-ups on floods
}

/// Whether the child can close every descriptor from some number up with one spawn action:
/// glibc's closefrom action (2.34+) runs close_range (Linux 5.9+) in the child, else it
/// walks the child's /proc/self/fd; either way inside glibc's spawn helper, between vfork
/// and exec, where only async-signal-safe calls are allowed. Probed once.
bool spawn_can_closefrom() noexcept {
    if (g_no_closefrom)
        return false;
#if AIO_SPAWN_CLOSEFROM
    static const bool ok =
        ::syscall(SYS_close_range, ~0U, ~0U, 0) == 0 || ::access("/proc/self/fd", X_OK) == 0;
    return ok;
#else
    return false;
#endif
}

/// True if `fd` is open in this process and would survive exec (no FD_CLOEXEC).
bool inheritable(int fd) noexcept {
    const int fl = ::fcntl(fd, F_GETFD);
    return fl >= 0 && !(fl & FD_CLOEXEC);
}

struct spawn_guard {
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    int child_fds[3] = {-1, -1, -1};
    spawn_guard() {
        posix_spawn_file_actions_init(&fa);
        posix_spawnattr_init(&attr);
    }
    ~spawn_guard() {
        posix_spawn_file_actions_destroy(&fa);
        posix_spawnattr_destroy(&attr);
        for (int fd : child_fds) {
            if (fd >= 0)
                ::close(fd);
        }
    }
};

} // namespace

process_state::~process_state() {
    if (m_pid > 0 && !m_returncode) {
        // Still running (or exited and unreaped): the object owns the child, so it goes.
        if (m_pidfd >= 0) {
            ::syscall(SYS_pidfd_send_signal, m_pidfd, SIGKILL, nullptr, 0);
        } else {
            ::kill(m_pid, SIGKILL);
        }
        if (t_loop && m_pidfd >= 0) {
            os_state::of(get_running_loop()).reaper().adopt(m_pid, m_pidfd);
            m_pidfd = -1;
        } else {
            wait_blocking(m_pid);
        }
    }
    close_fd(m_pidfd);
}

void process_state::close_fd(int& fd) noexcept {
    if (fd < 0)
        return;
    if (t_loop)
        get_running_loop().io().forget_fd(fd);
    ::close(fd);
    fd = -1;
}

bool process_state::try_reap() noexcept {
    if (m_returncode)
        return true;
    int status = 0;
    const pid_t r = ::waitpid(m_pid, &status, WNOHANG);
    if (r == m_pid) {
        m_returncode = decode_status(status);
        return true;
    }
    if (r < 0 && errno == ECHILD) {
        m_returncode = -1; // reaped by someone else (SIGCHLD set to SIG_IGN?)
        return true;
    }
    return false;
}

} // namespace detail

process::process() noexcept = default;
process::process(std::unique_ptr<detail::process_state> s) noexcept : m_state(std::move(s)) {}
process::process(process&&) noexcept = default;
process& process::operator=(process&&) noexcept = default;
process::~process() = default;

int process::pid() const noexcept {
    return m_state ? m_state->m_pid : -1;
}

std::optional<int> process::returncode() const noexcept {
    return m_state ? m_state->m_returncode : std::nullopt;
}

const std::string& process::program() const noexcept {
    static const std::string none;
    return m_state ? m_state->m_program : none;
}

void process::send_signal(int sig) {
    if (!m_state)
        throw invalid_state_error("aio: send_signal on an empty process");
    detail::process_state& st = *m_state;
    if (st.m_returncode)
        return; // reaped: the pid may belong to someone else now
    long r;
    if (st.m_pidfd >= 0) {
        r = ::syscall(SYS_pidfd_send_signal, st.m_pidfd, sig, nullptr, 0);
    } else {
        r = ::kill(st.m_pid, sig);
    }
    if (r != 0 && errno != ESRCH) {
        detail::throw_errno(errno, "aio: send signal " + std::to_string(sig) + " to '" +
                                       st.m_program + "' (pid " + std::to_string(st.m_pid) + ")");
    }
}

task<int> process::wait() {
    if (!m_state)
        throw invalid_state_error("aio: wait on an empty process");
    detail::process_state& st = *m_state;
    while (!st.try_reap()) {
        if (st.m_pidfd >= 0) {
            co_await detail::wait_ready(st.m_pidfd, POLLIN);
        } else {
            // No pidfd: SIGCHLD wakes us. The hub keeps a SIGCHLD that arrives between
            // try_reap and this wait pending, so none is missed.
            co_await signal_received(SIGCHLD);
        }
    }
    co_return *st.m_returncode;
}

namespace {
net::stream& pipe_of(detail::process_state* st, int which) {
    static const char* names[] = {"stdin", "stdout", "stderr"};
    static const char* opts[] = {".in", ".out", ".err"};
    if (!st)
        throw invalid_state_error("aio: stream of an empty process");
    if (!st->m_piped[which]) {
        throw invalid_state_error(std::string("aio: the ") + names[which] + " of '" +
                                  st->m_program + "' is not a pipe (use " + opts[which] +
                                  " = aio::pipe)");
    }
    net::stream* s[] = {&st->m_in, &st->m_out, &st->m_err};
    return *s[which];
}
} // namespace

net::stream& process::in() {
    return pipe_of(m_state.get(), 0);
}
net::stream& process::out() {
    return pipe_of(m_state.get(), 1);
}
net::stream& process::err() {
    return pipe_of(m_state.get(), 2);
}

task<std::pair<std::string, std::string>> process::communicate(std::string input) {
    if (!m_state)
        throw invalid_state_error("aio: communicate on an empty process");
    detail::process_state& st = *m_state;
    if (!input.empty() && !st.m_piped[0]) {
        throw invalid_state_error("aio: communicate with input, but the stdin of '" + st.m_program +
                                  "' is not a pipe (use .in = aio::pipe)");
    }
    auto feed = [](net::stream* in, std::string input) -> task<> {
        if (!in)
            co_return;
        try {
            if (!input.empty())
                co_await in->write(input);
            co_await in->close(); // EOF for the child
        } catch (const net::connection_error&) {
            in->abort(); // the child exited without reading: not an error (asyncio)
        }
    };
    auto drain = [](net::stream* s) -> task<std::string> {
        if (!s)
            co_return std::string();
        co_return co_await s->read_all();
    };
    auto [ignored, out, err] = co_await gather(
        feed(st.m_piped[0] ? &st.m_in : nullptr, std::move(input)),
        drain(st.m_piped[1] ? &st.m_out : nullptr), drain(st.m_piped[2] ? &st.m_err : nullptr));
    (void)ignored;
    co_await wait();
    co_return std::pair{std::move(out), std::move(err)};
}

namespace detail {
namespace {

/// Everything a spawn needs, owned (subprocess_options only holds views).
struct spawn_request {
    std::vector<std::string> argv;
    stdio in, out, err;
    std::string cwd;
    bool replace_env = false;
    std::vector<std::string> env;   // replace_env: the whole environment
    std::vector<std::string> extra; // added on top
    std::vector<int> pass_fds;      // kept open in the child
};

/// "NAME=value" -> the name part (the whole entry if there is no '=').
std::string_view env_name(std::string_view kv) {
    return kv.substr(0, kv.find('='));
}

/// Adds the spawn actions that leave the child only 0, 1, 2 and `keep` (sorted, each > 2 and
/// open; asyncio's close_fds=True with pass_fds). Above the last kept fd one closefrom
/// action does it; below it (and for everything without closefrom) the parent lists the
/// descriptors that would survive exec and the child closes those: the ones with
/// FD_CLOEXEC go at exec anyway. A descriptor another thread opens without O_CLOEXEC
/// between this scan and the spawn can slip through that list; the closefrom part has no
/// such window. The kept ones are dup2'd onto themselves, which clears FD_CLOEXEC in the
/// child only (glibc 2.29+, POSIX issue 411).
void close_inherited(posix_spawn_file_actions_t& fa, const std::vector<int>& keep) {
    const bool closefrom = spawn_can_closefrom();
    int scan_end = keep.empty() ? 3 : keep.back() + 1;
    if (!closefrom) {
        rlimit rl{1024, 1024};
        ::getrlimit(RLIMIT_NOFILE, &rl);
        scan_end = std::max(scan_end, static_cast<int>(std::min<rlim_t>(rl.rlim_cur, 1 << 20)));
    }
    for (int fd = 3; fd < scan_end; ++fd) {
        if (inheritable(fd) && !std::binary_search(keep.begin(), keep.end(), fd))
            posix_spawn_file_actions_addclose(&fa, fd);
    }
#if AIO_SPAWN_CLOSEFROM
    if (closefrom)
        posix_spawn_file_actions_addclosefrom_np(&fa, scan_end);
#endif
    for (int fd : keep)
        posix_spawn_file_actions_adddup2(&fa, fd, fd);
}

/// Checks pass_fds (each open) and returns the ones above 2, sorted, without duplicates.
std::vector<int> checked_pass_fds(std::vector<int> fds, const std::string& prog) {
    for (int fd : fds) {
        if (fd < 0 || ::fcntl(fd, F_GETFD) < 0) {
            throw_errno(EBADF, "aio: cannot run '" + prog + "': pass_fds holds " +
                                   std::to_string(fd) + ", which is not an open descriptor");
        }
    }
    std::erase_if(fds, [](int fd) { return fd <= 2; }); // inherited anyway
    std::sort(fds.begin(), fds.end());
    fds.erase(std::unique(fds.begin(), fds.end()), fds.end());
    return fds;
}

process spawn_now(spawn_request& rq) {
    rq.pass_fds = checked_pass_fds(std::move(rq.pass_fds), rq.argv[0]);
    auto st = std::make_unique<process_state>();
    st->m_program = rq.argv[0];
    spawn_guard g;

    int ours[3] = {-1, -1, -1};
    struct close_ours {
        int* fds;
        ~close_ours() {
            for (int i = 0; i < 3; ++i) {
                if (fds[i] >= 0)
                    ::close(fds[i]);
            }
        }
    } ours_guard{ours};
    auto setup = [&](stdio mode, int target, int& ours) {
        switch (mode) {
        case stdio::inherit:
            break;
        case stdio::pipe:
            make_pipe(target == 0, g.child_fds[target], ours);
            posix_spawn_file_actions_adddup2(&g.fa, g.child_fds[target], target);
            break;
        case stdio::devnull:
            posix_spawn_file_actions_addopen(&g.fa, target, "/dev/null",
                                             target == 0 ? O_RDONLY : O_WRONLY, 0);
            break;
        case stdio::to_stdout:
            posix_spawn_file_actions_adddup2(&g.fa, 1, 2);
            break;
        }
    };
    setup(rq.in, 0, ours[0]);
    setup(rq.out, 1, ours[1]);
    setup(rq.err, 2, ours[2]);
    if (!rq.cwd.empty())
        posix_spawn_file_actions_addchdir_np(&g.fa, rq.cwd.c_str());
    close_inherited(g.fa, rq.pass_fds);

    // A clean slate for signals: empty mask, default dispositions (the loop ignores
    // SIGPIPE, which exec would otherwise pass on to the child).
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    sigdelset(&all, SIGKILL);
    sigdelset(&all, SIGSTOP);
    posix_spawnattr_setsigmask(&g.attr, &none);
    posix_spawnattr_setsigdefault(&g.attr, &all);
    posix_spawnattr_setflags(&g.attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

    std::vector<char*> cargv;
    for (auto& a : rq.argv)
        cargv.push_back(a.data());
    cargv.push_back(nullptr);

    std::vector<std::string> envs;
    std::vector<char*> cenv;
    char** envp = environ;
    if (rq.replace_env || !rq.extra.empty()) {
        if (rq.replace_env) {
            envs = rq.env;
        } else {
            for (char** e = environ; e && *e; ++e)
                envs.emplace_back(*e);
        }
        for (auto& kv : rq.extra) {
            std::erase_if(envs, [&](const std::string& e) { return env_name(e) == env_name(kv); });
            envs.push_back(kv);
        }
        for (auto& e : envs)
            cenv.push_back(e.data());
        cenv.push_back(nullptr);
        envp = cenv.data();
    }

    pid_t pid = -1;
    const std::string& prog = rq.argv[0];
    const bool search = prog.find('/') == std::string::npos;
    const int rc = search ? ::posix_spawnp(&pid, prog.c_str(), &g.fa, &g.attr, cargv.data(), envp)
                          : ::posix_spawn(&pid, prog.c_str(), &g.fa, &g.attr, cargv.data(), envp);
    if (rc != 0) {
        std::string what = "aio: cannot run '" + prog + "'";
        struct stat sb {};
        if (!rq.cwd.empty() && (::stat(rq.cwd.c_str(), &sb) != 0 || !S_ISDIR(sb.st_mode))) {
            what += " in directory '" + rq.cwd + "'";
        }
        throw_errno(rc, what);
    }
    st->m_pid = pid;
    st->m_pidfd = pidfd_open(pid);
    process p(std::move(st));
    // From here the process object owns the child (and kills it if wrapping fails).
    net::stream* streams[] = {&p.state()->m_in, &p.state()->m_out, &p.state()->m_err};
    for (int i = 0; i < 3; ++i) {
        if (ours[i] < 0)
            continue;
        const int fd = std::exchange(ours[i], -1);
        *streams[i] = net::stream::from_fd(fd); // owns fd even if it throws
        p.state()->m_piped[i] = true;
    }
    return p;
}

task<process> spawn(std::unique_ptr<spawn_request> rq) {
    co_return spawn_now(*rq);
}

} // namespace
} // namespace detail

task<process> create_subprocess_exec(std::vector<std::string> argv, subprocess_options opts) {
    if (argv.empty() || argv[0].empty()) {
        throw error("aio: create_subprocess_exec: no program given");
    }
    if (opts.in == stdio::to_stdout || opts.out == stdio::to_stdout) {
        throw error("aio: create_subprocess_exec('" + argv[0] +
                    "'): to_stdout is only valid for .err");
    }
    // Copy what the options view now: the returned task may run after they are gone.
    auto rq = std::make_unique<detail::spawn_request>();
    rq->argv = std::move(argv);
    rq->in = opts.in;
    rq->out = opts.out;
    rq->err = opts.err;
    rq->cwd = std::string(opts.cwd);
    if (opts.env) {
        rq->replace_env = true;
        rq->env.assign(opts.env->begin(), opts.env->end());
    }
    rq->extra.assign(opts.env_extra.begin(), opts.env_extra.end());
    rq->pass_fds.assign(opts.pass_fds.begin(), opts.pass_fds.end());
    return detail::spawn(std::move(rq));
}

task<process> create_subprocess_shell(std::string command, subprocess_options opts) {
    std::vector<std::string> argv;
    argv.reserve(3);
    argv.emplace_back("/bin/sh");
    argv.emplace_back("-c");
    argv.push_back(std::move(command));
    return create_subprocess_exec(std::move(argv), opts);
}

} // namespace aio
