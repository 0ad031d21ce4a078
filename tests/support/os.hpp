// Helpers shared by the os tests: temporary directories, descriptor counting, signals.
#pragma once

#include "support/helpers.hpp"

#include <cstdint>
#include <filesystem>
#include <fstream>
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

// open_fds(): in support/helpers.hpp (one definition, so both headers can be included).

/// True once process `pid` catches signal `sig` (SigCgt in /proc/<pid>/status).
inline bool catches_signal(int pid, int sig) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(status, line);) {
        if (line.rfind("SigCgt:", 0) == 0)
            return (std::stoull(line.substr(7), nullptr, 16) >> (sig - 1)) & 1;
    }
    return false;
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
