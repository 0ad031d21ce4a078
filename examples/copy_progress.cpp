// Copy a large file with a progress display, reading and writing concurrently: while one
// chunk is being written the next one is already being read.
//
//     copy_progress SOURCE DEST [--chunk BYTES]
//
// On a terminal the progress line is redrawn in place; otherwise a line is printed at
// every 10%. Without arguments it copies a generated 8 MiB file and verifies the copy.
#include <aio/aio.hpp>

#include <cstdio>
#include <iostream>
#include <string>

#include <unistd.h>

namespace {

void show(std::uint64_t done, std::uint64_t total, int& last_decile) {
    const int pct = total ? static_cast<int>(done * 100 / total) : 100;
    if (::isatty(STDOUT_FILENO)) {
        const int width = 40, filled = pct * width / 100;
        std::cout << "\r[" << std::string(filled, '#') << std::string(width - filled, ' ') << "] "
                  << pct << "% " << done / 1024 << " KiB" << std::flush;
        if (done == total)
            std::cout << "\n";
    } else if (pct / 10 > last_decile || done == total) {
        last_decile = pct / 10;
        std::cout << "progress " << pct << "%" << std::endl;
    }
}

/// Copies `src` to `dst` in chunks; returns the number of bytes copied.
aio::task<std::uint64_t> copy_with_progress(std::string src, std::string dst, std::size_t chunk) {
    auto in = co_await aio::file::open(src);
    auto out = co_await aio::file::open(dst, aio::open_mode::write | aio::open_mode::create |
                                                 aio::open_mode::truncate);
    const std::uint64_t total = in.size();
    std::uint64_t done = 0;
    int decile = -1;
    show(0, total, decile);
    std::string data = co_await in.read(chunk);
    while (!data.empty()) {
        // Write this chunk while reading the next one.
        const std::uint64_t at = done;
        done += data.size();
        auto [written, next] =
            co_await aio::gather(out.write_at(std::move(data), at), in.read(chunk));
        (void)written;
        data = std::move(next);
        show(done, total, decile);
    }
    if (total == 0)
        show(0, 0, decile);
    co_await out.fsync();
    co_await out.close();
    co_return done;
}

aio::task<int> demo() {
    const std::string src = "/tmp/aio-copy-demo-" + std::to_string(::getpid()) + ".src";
    const std::string dst = "/tmp/aio-copy-demo-" + std::to_string(::getpid()) + ".dst";
    std::string data(8u << 20, '\0');
    for (std::size_t i = 0; i < data.size(); ++i)
        data[i] = static_cast<char>((i * 2654435761u) >> 13);
    co_await aio::write_file(src, data);
    const std::uint64_t n = co_await copy_with_progress(src, dst, 256 * 1024);
    const bool same = co_await aio::read_file(dst) == data;
    std::cout << "copied " << n << " bytes, " << (same ? "identical" : "DIFFERENT") << "\n";
    std::remove(src.c_str());
    std::remove(dst.c_str());
    co_return same ? 0 : 1;
}

} // namespace

int main(int argc, char** argv) {
    std::size_t chunk = 1u << 20;
    std::vector<std::string> paths;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--chunk" && i + 1 < argc) {
            chunk = std::stoul(argv[++i]);
        } else {
            paths.push_back(a);
        }
    }
    try {
        if (paths.empty())
            return aio::run(demo());
        if (paths.size() != 2 || chunk == 0) {
            std::cerr << "usage: copy_progress SOURCE DEST [--chunk BYTES]\n";
            return 2;
        }
        const std::uint64_t n = aio::run(copy_with_progress(paths[0], paths[1], chunk));
        std::cout << "copied " << n << " bytes\n";
        return 0;
    } catch (const aio::error& e) {
        std::cerr << "copy_progress: " << e.what() << "\n";
        return 1;
    }
}
