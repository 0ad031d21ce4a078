// Helpers shared by the os tests: temporary directories and descriptor counting.
#pragma once

#include <filesystem>
#include <string>

#include <dirent.h>
#include <unistd.h>

namespace aio_test {

/// A fresh directory under $TMPDIR (or /tmp), removed with everything in it at scope end.
struct temp_dir {
    std::string path;
    temp_dir() {
        const char* base = std::getenv("TMPDIR");
        std::string tmpl = std::string(base && *base ? base : "/tmp") + "/aio-os-XXXXXX";
        if (::mkdtemp(tmpl.data()))
            path = tmpl;
    }
    ~temp_dir() {
        std::error_code ec;
        if (!path.empty())
            std::filesystem::remove_all(path, ec);
    }
    std::string operator/(const std::string& name) const { return path + "/" + name; }
};

/// Number of open descriptors of this process.
inline int open_fds() {
    int n = 0;
    if (DIR* d = ::opendir("/proc/self/fd")) {
        while (dirent* e = ::readdir(d))
            n += e->d_name[0] != '.';
        ::closedir(d);
        --n; // the DIR itself
    }
    return n;
}

/// FNV-1a, 64 bit: a cheap content hash for round-trip checks.
inline std::uint64_t fnv1a(std::string_view s, std::uint64_t h = 1469598103934665603ull) {
    for (unsigned char c : s) {
        h ^= c;
        h *= 1099511628211ull;
    }
    return h;
}

} // namespace aio_test
