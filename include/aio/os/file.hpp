// aio::file, aio::read_file, aio::write_file: asynchronous regular-file I/O.
#pragma once

#include <aio/core/task.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace aio {

/// How aio::file::open opens a file; combine with `|` (like open(2) flags).
/// Without `write`/`read_write` the file is read-only.
enum class open_mode : unsigned {
    read = 0,       ///< O_RDONLY
    write = 1,      ///< O_WRONLY
    read_write = 2, ///< O_RDWR
    create = 4,     ///< O_CREAT: create if missing (permissions: `perms` & ~umask)
    truncate = 8,   ///< O_TRUNC
    append = 16,    ///< O_APPEND: every write goes to the end
    exclusive = 32, ///< O_EXCL: with create, fail if it exists
};
constexpr open_mode operator|(open_mode a, open_mode b) noexcept {
    return static_cast<open_mode>(static_cast<unsigned>(a) | static_cast<unsigned>(b));
}
constexpr bool has(open_mode m, open_mode flag) noexcept {
    return (static_cast<unsigned>(m) & static_cast<unsigned>(flag)) != 0;
}

/// An open regular file. Operations run through io_uring (one SQE each, opening included)
/// or, on the epoll backend, on a small pool of worker threads that post their completions
/// back to the loop (a blocking pread on the loop thread would stall every other task), so
/// the calling task suspends and the loop keeps running in both cases.
///
/// - Positional calls (read_at, write_at) never touch the file position and may run
///   concurrently from several tasks. read() and write() use and advance the object's own
///   position; do not run two of them at once on one file.
/// - Errors throw aio::io_error whose message names the operation and the path, e.g.
///   "aio: open '/tmp/x': No such file or directory"; code() is the errno.
/// - Cancellation: an operation in flight completes (or is cancelled by the kernel) before
///   the task resumes with aio::cancelled_error; a cancelled read() or write() does not
///   move the position, so nothing is skipped.
/// - Lifetime: move-only; the destructor closes the descriptor synchronously. The file must
///   outlive its pending operations (as any object whose member coroutine runs), and
///   close() while other tasks still have operations on it throws aio::invalid_state_error.
/// - Loop thread only.
///
///     auto f = co_await aio::file::open("data.bin", aio::open_mode::read);
///     while (true) {
///         std::string chunk = co_await f.read(65536);
///         if (chunk.empty()) break; // EOF
///         consume(chunk);
///     }
///     co_await f.close();
class file {
  public:
    /// An object that holds no file.
    file() noexcept = default;
    file(file&& o) noexcept;
    file& operator=(file&& o) noexcept;
    file(const file&) = delete;
    file& operator=(const file&) = delete;
    ~file();

    /// Opens `path` (O_CLOEXEC always). `perms` applies when `create` makes the file.
    /// Throws aio::io_error naming the path (ENOENT, EACCES, EEXIST, ...).
    [[nodiscard]] static task<file>
    open(std::string path, open_mode mode = open_mode::read, unsigned perms = 0666);

    /// Reads up to `n` bytes at the current position and advances it; "" at end of file.
    [[nodiscard]] task<std::string> read(std::size_t n);
    /// Reads up to `n` bytes at `offset` (pread); "" at or past the end.
    [[nodiscard]] task<std::string> read_at(std::size_t n, std::uint64_t offset);
    /// Reads up to buf.size() bytes at the current position into `buf` and advances the
    /// position; returns the count (0 at end of file). The allocation-free read for hot
    /// loops; `buf` must stay valid until the task completes.
    [[nodiscard]] task<std::size_t> read_into(std::span<char> buf);
    /// Like read_into, at `offset` (pread); does not touch the position.
    [[nodiscard]] task<std::size_t> read_at_into(std::span<char> buf, std::uint64_t offset);
    /// Reads from the current position to the end of the file and advances the position.
    [[nodiscard]] task<std::string> read_all();
    /// Writes all of `data` at the current position (at the end with `append`), retrying
    /// short writes, and advances the position. Returns data.size().
    [[nodiscard]] task<std::size_t> write(std::string data);
    /// Writes all of `data` at `offset` (pwrite), retrying short writes.
    [[nodiscard]] task<std::size_t> write_at(std::string data, std::uint64_t offset);
    /// Flushes the file's data and metadata to the device (fsync).
    [[nodiscard]] task<void> fsync();
    /// Closes the file (no-op if closed). Throws aio::invalid_state_error if operations are
    /// still pending on it.
    [[nodiscard]] task<void> close();

    /// Size of the file now (fstat). Throws aio::io_error.
    std::uint64_t size() const;
    /// The position used by read() and write().
    std::uint64_t position() const noexcept { return m_pos; }
    /// Moves the position used by read() and write().
    void seek(std::uint64_t pos) noexcept { m_pos = pos; }
    /// The path given to open().
    const std::string& path() const noexcept { return m_path; }
    /// The descriptor, or -1 when closed.
    int native_handle() const noexcept { return m_fd; }
    bool is_open() const noexcept { return m_fd >= 0; }

  private:
    friend task<void> write_file(std::string path, std::string data);
    file(int fd, std::string path, bool append) noexcept
        : m_fd(fd), m_path(std::move(path)), m_append(append) {}
    void close_now() noexcept;
    task<std::size_t> write_all_at(std::string data, std::uint64_t offset);

    int m_fd = -1;
    std::string m_path;
    std::uint64_t m_pos = 0;
    unsigned m_pending = 0;
    bool m_append = false;
};

/// Reads the whole file at `path` (asyncio-friendly pathlib.read_bytes). Throws
/// aio::io_error naming the path.
///
///     std::string config = co_await aio::read_file("config.json");
[[nodiscard]] task<std::string> read_file(std::string path);

/// Replaces the file at `path` with `data` atomically: the data goes to a new temporary file
/// in the same directory, which is fsync'ed and then renamed over `path` (the directory is
/// fsync'ed too), so a reader sees the old content or the new, never a mix, even across a
/// crash. An existing file's permission bits are kept; a new file gets 0666 & ~umask. On
/// failure or cancellation the temporary file is removed and `path` is untouched. Throws
/// aio::io_error naming the path.
///
///     co_await aio::write_file("state.json", serialize(state));
[[nodiscard]] task<void> write_file(std::string path, std::string data);

} // namespace aio
