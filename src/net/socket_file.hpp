// The filesystem entry of a Unix-domain socket that we bound: a stale one left by an earlier
// run is replaced before bind, and ours is removed on close, but only while it is still the
// file we created (same device and inode), never a file someone put there after us.
#pragma once

#include <string>
#include <string_view>

#include <sys/stat.h>
#include <unistd.h>

namespace aio::net::detail {

class socket_file {
  public:
    /// Removes a socket file at `path` (a filesystem path, not an abstract name) left by an
    /// earlier run, so that bind can create it again. Other kinds of files are kept (bind
    /// then fails with EADDRINUSE, naming the path).
    static void remove_stale(std::string_view path) {
        if (path.empty() || path.front() == '\0')
            return;
        const std::string p(path);
        struct stat st {};
        if (::stat(p.c_str(), &st) == 0 && S_ISSOCK(st.st_mode))
            ::unlink(p.c_str());
    }
    /// Remembers the file that bind just created at `path` (nothing for abstract names).
    void remember(std::string_view path) {
        struct stat st {};
        if (path.empty() || path.front() == '\0')
            return;
        m_path.assign(path);
        if (::stat(m_path.c_str(), &st) != 0) {
            m_path.clear();
            return;
        }
        m_dev = st.st_dev;
        m_ino = st.st_ino;
    }
    /// Unlinks the remembered file if it is still ours; then forgets it.
    void remove() noexcept {
        if (m_path.empty())
            return;
        struct stat st {};
        if (::stat(m_path.c_str(), &st) == 0 && st.st_ino == m_ino && st.st_dev == m_dev)
            ::unlink(m_path.c_str());
        m_path.clear();
    }

  private:
    std::string m_path;
    dev_t m_dev = 0;
    ino_t m_ino = 0;
};

} // namespace aio::net::detail
