// aio::create_subprocess_exec / create_subprocess_shell and aio::process (asyncio.subprocess).
#pragma once

#include <aio/core/task.hpp>
#include <aio/net/stream.hpp>

#include <concepts>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace aio {

/// What a child's standard stream is connected to (asyncio.subprocess.PIPE, DEVNULL, STDOUT).
enum class stdio : std::uint8_t {
    inherit,   ///< the parent's own stream (default)
    pipe,      ///< a pipe to the parent: process::in()/out()/err(), communicate()
    devnull,   ///< /dev/null
    to_stdout, ///< stderr only: wherever stdout goes (2>&1)
};
inline constexpr stdio inherit = stdio::inherit;
inline constexpr stdio pipe = stdio::pipe;
inline constexpr stdio devnull = stdio::devnull;
inline constexpr stdio to_stdout = stdio::to_stdout;

/// How to start a child. Designated initializers read well:
///
///     std::vector<std::string> extra{"LANG=C"};
///     auto p = co_await aio::create_subprocess_exec("make", "-j4",
///         aio::subprocess_options{.out = aio::pipe, .err = aio::to_stdout, .cwd = build_dir,
///                                 .env_extra = extra});
///
/// Every member is a value or a view (trivially destructible) on purpose: GCC 12 miscompiles
/// an aggregate temporary with owning members (std::string, std::map, ...) written inside a
/// co_await expression — it relocates the object bitwise and destroys both copies — and
/// `co_await create_subprocess_exec(..., aio::subprocess_options{...})` is the everyday
/// spelling. The viewed strings are copied when create_subprocess_exec is called, so they
/// only need to live until then. (Build containers before the co_await: GCC 12 also
/// rejects braced lists such as `{"LANG=C"}` inside it.)
struct subprocess_options {
    stdio in = stdio::inherit;
    stdio out = stdio::inherit;
    stdio err = stdio::inherit;
    /// Working directory of the child (empty = the parent's).
    std::string_view cwd = {};
    /// The child's whole environment as "NAME=value" entries; unset = the parent's.
    std::optional<std::span<const std::string>> env = std::nullopt;
    /// "NAME=value" entries added to (or replacing in) the environment above.
    std::span<const std::string> env_extra = {};
    /// Descriptors the child inherits at the same number (Python's pass_fds); every other
    /// descriptor above 2 is closed in the child. Their FD_CLOEXEC flag is cleared in the
    /// child only. Each must be open when the child is spawned, else create_subprocess_exec
    /// throws aio::io_error (EBADF) naming it and starts nothing; 0, 1 and 2 are no-ops.
    /// A span (see above): the numbers are copied when create_subprocess_exec is called.
    ///
    ///     int p[2]; ::pipe2(p, O_CLOEXEC);            // status pipe for the child
    ///     std::vector<int> keep{p[1]};
    ///     std::string fd = std::to_string(p[1]);
    ///     auto c = co_await aio::create_subprocess_exec("gpg", "--status-fd", fd, file,
    ///         aio::subprocess_options{.pass_fds = keep});
    std::span<const int> pass_fds = {};
};

namespace detail {
class process_state;
}

/// A running (or finished) child process (asyncio.subprocess.Process).
///
/// Reaping: the child is watched through a pidfd (pidfd_open) with a poll operation on the
/// loop, so waiting costs no thread and no SIGCHLD handler (kernels without pidfd fall back
/// to SIGCHLD through the loop's signal hub). wait() collects the exit status; no zombie is
/// left behind.
///
/// Ownership and cancellation (decided, unlike asyncio which lets the child run on): the
/// process object owns the child. Cancelling wait() or communicate() only stops waiting —
/// the child keeps running and the object can still be waited on, signalled or killed.
/// Destroying the object while the child still runs kills it (SIGKILL) and reaps it in the
/// background on the loop (or at once if no loop runs), so a task cancelled while it ran a
/// child, e.g. by aio::wait_for's timeout, leaves neither a running child nor a zombie.
///
/// Return codes follow Python: the exit status, or -N when killed by signal N.
///
/// Thread: loop thread only. Move-only.
class process {
  public:
    process() noexcept;
    process(process&&) noexcept;
    process& operator=(process&&) noexcept;
    process(const process&) = delete;
    process& operator=(const process&) = delete;
    /// Kills (SIGKILL) and reaps the child if it still runs; closes the pipes.
    ~process();

    /// The child's process id.
    int pid() const noexcept;
    /// The return code once the child has been reaped (by wait() or communicate()), else
    /// nullopt. Exit status, or -N for a child killed by signal N.
    std::optional<int> returncode() const noexcept;

    /// Waits until the child exits and returns its return code. May be called again (and
    /// concurrently) after it completed. Cancellation leaves the child running (see above).
    /// Beware: waiting while the child writes to a pipe nobody reads can deadlock (the
    /// child blocks on a full pipe) — use communicate() or read the pipes concurrently.
    [[nodiscard]] task<int> wait();

    /// Writes `input` to stdin (then closes it), reads stdout and stderr to EOF, all
    /// concurrently (so a child that floods its output never deadlocks), then waits for
    /// the exit. Returns {stdout, stderr}; a stream that is not a pipe gives "".
    /// A child that exits without reading its input is not an error (EPIPE is ignored).
    /// Throws aio::invalid_state_error if `input` is non-empty but stdin is not a pipe.
    ///
    ///     auto p = co_await aio::create_subprocess_exec("sort", "-r",
    ///         aio::subprocess_options{.in = aio::pipe, .out = aio::pipe});
    ///     auto [out, err] = co_await p.communicate("a\nb\n"); // out == "b\na\n"
    [[nodiscard]] task<std::pair<std::string, std::string>> communicate(std::string input = {});

    /// The child's stdin, stdout and stderr as streams (asyncio's proc.stdin/stdout/stderr),
    /// for a stream created with aio::pipe; throws aio::invalid_state_error otherwise.
    /// They are aio::net::stream objects over the pipes: read_line(), read(n), read_all(),
    /// write(data) (which waits while over the high-water mark, so a slow child cannot make
    /// memory grow), drain(), close() (the child then reads EOF). The process owns them;
    /// they may be moved out. Reading them while communicate() runs is not allowed.
    ///
    ///     auto p = co_await aio::create_subprocess_exec("tail", "-f", log,
    ///                                                   aio::subprocess_options{.out =
    ///                                                   aio::pipe});
    ///     while (auto line = co_await p.out().read_line(); !line.empty()) show(line);
    net::stream& in();
    net::stream& out();
    net::stream& err();

    /// Sends signal `sig` to the child (no-op once it has been reaped, so a recycled pid is
    /// never hit). Throws aio::io_error if the kernel refuses.
    void send_signal(int sig);
    /// SIGTERM.
    void terminate() { send_signal(15); }
    /// SIGKILL.
    void kill() { send_signal(9); }

    /// The program name given at creation (for messages).
    const std::string& program() const noexcept;

    explicit process(std::unique_ptr<detail::process_state> s) noexcept;
    detail::process_state* state() const noexcept { return m_state.get(); }

  private:
    std::unique_ptr<detail::process_state> m_state;
};

/// Starts `argv[0]` (searched in PATH unless it contains '/') with the arguments argv[1..].
/// Exec failures (no such program, not executable, bad cwd) throw aio::io_error naming the
/// program (and the directory), never a child exit code. The child gets the default
/// disposition of every signal and an empty signal mask, and no descriptor of the parent
/// other than 0, 1, 2 and subprocess_options::pass_fds (asyncio's close_fds=True): every
/// other descriptor, also one opened without O_CLOEXEC by other code, is closed in the
/// child (close_range; without it, /proc/self/fd in the child, or the open ones below
/// RLIMIT_NOFILE listed by the parent). Throws aio::io_error (EBADF) for a pass_fds entry
/// that is not open.
[[nodiscard]] task<process> create_subprocess_exec(std::vector<std::string> argv,
                                                   subprocess_options opts = {});

namespace detail {
template <class A>
concept exec_arg = std::convertible_to<const A&, std::string_view> ||
    std::same_as<std::remove_cvref_t<A>, subprocess_options>;

template <class A>
void add_exec_arg(std::vector<std::string>& argv, subprocess_options& opts, A&& a) {
    if constexpr (std::same_as<std::remove_cvref_t<A>, subprocess_options>) {
        opts = std::forward<A>(a);
    } else {
        argv.emplace_back(std::string_view(a));
    }
}
} // namespace detail

/// asyncio.create_subprocess_exec: the program, its arguments, and optionally a
/// subprocess_options last. Every argument is copied before this returns, so temporaries
/// are fine.
///
///     auto p = co_await aio::create_subprocess_exec("ls", "-l", dir,
///                                                   aio::subprocess_options{.out = aio::pipe});
template <class... Args>
requires(detail::exec_arg<Args>&&...)
    [[nodiscard]] task<process> create_subprocess_exec(std::string_view program, Args&&... args) {
    std::vector<std::string> argv;
    argv.reserve(sizeof...(Args) + 1);
    argv.emplace_back(program);
    subprocess_options opts;
    (detail::add_exec_arg(argv, opts, std::forward<Args>(args)), ...);
    return create_subprocess_exec(std::move(argv), std::move(opts));
}

/// asyncio.create_subprocess_shell: runs `command` with /bin/sh -c. Mind quoting: prefer
/// create_subprocess_exec for arguments that come from users.
[[nodiscard]] task<process> create_subprocess_shell(std::string command,
                                                    subprocess_options opts = {});

} // namespace aio
