// aio::file: regular-file I/O through the ring (io_uring) or worker threads (epoll).
#include "os/io_wait.hpp"
#include "os/os_state.hpp"

#include <aio/core/error.hpp>
#include <aio/core/event_loop.hpp>
#include <aio/os/file.hpp>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <exception>
#include <utility>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace aio {

namespace {

using detail::file_op_awaiter;
using detail::op_kind;

constexpr std::size_t max_chunk = std::size_t{1} << 30; // one syscall moves at most this

int to_flags(open_mode m) {
    int f = has(m, open_mode::read_write) ? O_RDWR : has(m, open_mode::write) ? O_WRONLY : O_RDONLY;
    if (has(m, open_mode::create))
        f |= O_CREAT;
    if (has(m, open_mode::truncate))
        f |= O_TRUNC;
    if (has(m, open_mode::append))
        f |= O_APPEND;
    if (has(m, open_mode::exclusive))
        f |= O_EXCL;
    return f;
}

/// Opens through the ring or a worker; the path lives in this frame until completion.
task<int> open_fd(std::string path, int flags, unsigned perms) {
    if (path.empty())
        throw io_error(std::make_error_code(std::errc::no_such_file_or_directory),
                       "aio: open '': empty path");
    file_op_awaiter a;
    detail::prepare_file_op(a, op_kind::openat, AT_FDCWD);
    a.m_buf = path.data();
    a.m_len = static_cast<std::size_t>(flags);
    a.m_offset = perms;
    const int r = co_await detail::perform(&a);
    if (a.m_cancelled) {
        if (r >= 0)
            ::close(r); // opened before the cancel arrived: not leaked
        throw cancelled_error();
    }
    if (r < 0)
        detail::throw_os_error(r, "open", path);
    co_return r;
}

/// Counts a file's operations in flight for the life of one call.
struct pending_scope {
    unsigned& n;
    explicit pending_scope(unsigned& c) noexcept : n(c) { ++n; }
    ~pending_scope() { --n; }
};

} // namespace

file::file(file&& o) noexcept
    : m_fd(std::exchange(o.m_fd, -1)), m_path(std::move(o.m_path)), m_pos(o.m_pos),
      m_pending(std::exchange(o.m_pending, 0u)), m_append(o.m_append) {}

file& file::operator=(file&& o) noexcept {
    if (this != &o) {
        close_now();
        m_fd = std::exchange(o.m_fd, -1);
        m_path = std::move(o.m_path);
        m_pos = o.m_pos;
        m_pending = std::exchange(o.m_pending, 0u);
        m_append = o.m_append;
    }
    return *this;
}

file::~file() {
    close_now();
}

void file::close_now() noexcept {
    if (m_fd < 0)
        return;
    if (detail::t_loop)
        get_running_loop().io().forget_fd(m_fd);
    ::close(m_fd);
    m_fd = -1;
}

task<file> file::open(std::string path, open_mode mode, unsigned perms) {
    const int fd = co_await open_fd(path, to_flags(mode), perms);
    co_return file(fd, std::move(path), has(mode, open_mode::append));
}

task<std::string> file::read_at(std::size_t n, std::uint64_t offset) {
    if (m_fd < 0)
        throw invalid_state_error("aio: read on a closed file '" + m_path + "'");
    pending_scope ps(m_pending);
    std::string buf;
    buf.resize(std::min(n, max_chunk));
    for (;;) {
        file_op_awaiter a;
        detail::prepare_file_op(a, op_kind::read_at, m_fd);
        a.m_buf = buf.data();
        a.m_len = buf.size();
        a.m_offset = offset;
        const int r = co_await detail::perform(&a);
        if (a.m_cancelled)
            throw cancelled_error();
        if (r == -EINTR || r == -EAGAIN)
            continue;
        if (r < 0)
            detail::throw_os_error(r, "read", m_path);
        buf.resize(static_cast<std::size_t>(r));
        co_return buf;
    }
}

task<std::size_t> file::read_at_into(std::span<char> buf, std::uint64_t offset) {
    if (m_fd < 0)
        throw invalid_state_error("aio: read on a closed file '" + m_path + "'");
    pending_scope ps(m_pending);
    for (;;) {
        file_op_awaiter a;
        detail::prepare_file_op(a, op_kind::read_at, m_fd);
        a.m_buf = buf.data();
        a.m_len = std::min(buf.size(), max_chunk);
        a.m_offset = offset;
        const int r = co_await detail::perform(&a);
        if (a.m_cancelled)
            throw cancelled_error();
        if (r == -EINTR || r == -EAGAIN)
            continue;
        if (r < 0)
            detail::throw_os_error(r, "read", m_path);
        co_return static_cast<std::size_t>(r);
    }
}

task<std::size_t> file::read_into(std::span<char> buf) {
    const std::size_t n = co_await read_at_into(buf, m_pos);
    m_pos += n;
    co_return n;
}

task<std::string> file::read(std::size_t n) {
    std::string s = co_await read_at(n, m_pos);
    m_pos += s.size();
    co_return s;
}

task<std::string> file::read_all() {
    if (m_fd < 0)
        throw invalid_state_error("aio: read on a closed file '" + m_path + "'");
    pending_scope ps(m_pending);
    std::string out;
    struct stat st {};
    std::size_t want = 64 * 1024;
    if (::fstat(m_fd, &st) == 0 && S_ISREG(st.st_mode) &&
        static_cast<std::uint64_t>(st.st_size) > m_pos) {
        // One read of the whole rest (+1 byte to see EOF without a second call if it grew).
        want = std::min<std::uint64_t>(st.st_size - m_pos + 1, max_chunk);
    }
    std::uint64_t pos = m_pos;
    for (;;) {
        const std::size_t got = out.size();
        out.resize(got + want);
        file_op_awaiter a;
        detail::prepare_file_op(a, op_kind::read_at, m_fd);
        a.m_buf = out.data() + got;
        a.m_len = want;
        a.m_offset = pos;
        const int r = co_await detail::perform(&a);
        if (a.m_cancelled)
            throw cancelled_error();
        if (r == -EINTR || r == -EAGAIN) {
            out.resize(got);
            continue;
        }
        if (r < 0)
            detail::throw_os_error(r, "read", m_path);
        out.resize(got + static_cast<std::size_t>(r));
        if (r == 0)
            break;
        pos += static_cast<std::uint64_t>(r);
        want = std::clamp<std::size_t>(out.size(), 64 * 1024, max_chunk);
    }
    m_pos = pos;
    co_return out;
}

task<std::size_t> file::write_all_at(std::string data, std::uint64_t offset) {
    if (m_fd < 0)
        throw invalid_state_error("aio: write on a closed file '" + m_path + "'");
    pending_scope ps(m_pending);
    std::size_t done = 0;
    while (done < data.size()) {
        file_op_awaiter a;
        detail::prepare_file_op(a, op_kind::write_at, m_fd);
        a.m_buf = data.data() + done;
        a.m_len = std::min(data.size() - done, max_chunk);
        a.m_offset = offset + done;
        const int r = co_await detail::perform(&a);
        if (a.m_cancelled)
            throw cancelled_error();
        if (r == -EINTR || r == -EAGAIN)
            continue;
        if (r < 0)
            detail::throw_os_error(r, "write", m_path);
        if (r == 0)
            detail::throw_os_error(-EIO, "write (no progress)", m_path);
        done += static_cast<std::size_t>(r);
    }
    co_return done;
}

task<std::size_t> file::write_at(std::string data, std::uint64_t offset) {
    return write_all_at(std::move(data), offset);
}

task<std::size_t> file::write(std::string data) {
    const std::size_t n = co_await write_all_at(std::move(data), m_pos);
    m_pos += n;
    co_return n;
}

task<void> file::fsync() {
    if (m_fd < 0)
        throw invalid_state_error("aio: fsync on a closed file '" + m_path + "'");
    pending_scope ps(m_pending);
    file_op_awaiter a;
    detail::prepare_file_op(a, op_kind::fsync, m_fd);
    const int r = co_await detail::perform(&a);
    if (a.m_cancelled)
        throw cancelled_error();
    if (r < 0)
        detail::throw_os_error(r, "fsync", m_path);
}

task<void> file::close() {
    if (m_pending != 0) {
        throw invalid_state_error("aio: close '" + m_path + "' while " + std::to_string(m_pending) +
                                  " operation(s) are pending on it");
    }
    close_now();
    co_return;
}

std::uint64_t file::size() const {
    if (m_fd < 0)
        throw invalid_state_error("aio: size of a closed file '" + m_path + "'");
    struct stat st {};
    if (::fstat(m_fd, &st) != 0)
        detail::throw_os_error(-errno, "stat", m_path);
    return static_cast<std::uint64_t>(st.st_size);
}

task<std::string> read_file(std::string path) {
    file f = co_await file::open(path, open_mode::read);
    std::string data = co_await f.read_all();
    co_await f.close();
    co_return data;
}

namespace {
// Unique temporary names for atomic writes; several loops on several threads may write.
std::atomic<unsigned> g_tmp_counter{0};

std::pair<std::string, std::string> split_path(const std::string& path) {
    const auto slash = path.rfind('/');
    if (slash == std::string::npos)
        return {".", path};
    return {slash == 0 ? "/" : path.substr(0, slash), path.substr(slash + 1)};
}
} // namespace

task<void> write_file(std::string path, std::string data) {
    auto [dir, base] = split_path(path);
    if (base.empty()) {
        throw io_error(std::make_error_code(std::errc::is_a_directory),
                       "aio: write_file '" + path + "'");
    }
    unsigned perms = 0666;
    bool keep_perms = false;
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) {
        perms = st.st_mode & 07777;
        keep_perms = true;
    }
    // A fresh name in the same directory (rename is atomic only within a filesystem).
    std::string tmp;
    int fd = -1;
    for (int attempt = 0;; ++attempt) {
        tmp = (dir == "/" ? "" : dir) + "/." + base + ".aio-tmp-" + std::to_string(::getpid()) +
              "-" + std::to_string(g_tmp_counter.fetch_add(1));
        try {
            fd = co_await open_fd(tmp, O_WRONLY | O_CREAT | O_EXCL, perms);
            break;
        } catch (const cancelled_error&) {
            // The open may have created it before the cancel landed; the name is ours alone.
            ::unlink(tmp.c_str());
            throw;
        } catch (const io_error& e) {
            if (e.code() != std::errc::file_exists || attempt >= 100) {
                detail::throw_os_error(-e.code().value(), "write_file", path);
            }
        }
    }
    file f(fd, tmp, false);
    std::exception_ptr failure;
    try {
        co_await f.write_at(std::move(data), 0);
        if (keep_perms)
            ::fchmod(f.native_handle(), perms); // umask applied at creation
        co_await f.fsync();
        co_await f.close();
        if (::rename(tmp.c_str(), path.c_str()) != 0) {
            detail::throw_os_error(-errno, "write_file (rename)", path);
        }
    } catch (...) {
        failure = std::current_exception();
    }
    if (failure) {
        f.close_now();
        ::unlink(tmp.c_str());
        std::rethrow_exception(failure);
    }
    // Make the rename itself durable; a directory that cannot be fsync'ed is not an error.
    try {
        file d(co_await open_fd(dir, O_RDONLY | O_DIRECTORY, 0), dir, false);
        file_op_awaiter a;
        detail::prepare_file_op(a, op_kind::fsync, d.native_handle());
        co_await detail::perform(&a);
    } catch (const io_error&) {
    }
}

} // namespace aio
