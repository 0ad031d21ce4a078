// aiocrawl's HTML parse cost alone: extract_links (gumbo parse, <a href>/<base> walk,
// resolution, normalisation) over HTML files, each parsed `reps` times.
// Usage: aio_bench_parse REPS FILE...   Prints one JSON line:
//   {"peer":"gumbo","pages":N,"bytes":B,"links":L,"ms_per_page":X}
#include "links.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: aio_bench_parse REPS FILE...\n");
        return 2;
    }
    const int reps = std::atoi(argv[1]);
    std::vector<std::string> pages;
    std::size_t bytes = 0;
    for (int i = 2; i < argc; ++i) {
        std::ifstream f(argv[i], std::ios::binary);
        std::ostringstream s;
        s << f.rdbuf();
        pages.push_back(s.str());
        bytes += pages.back().size();
    }
    const aio::http::url base("http://127.0.0.1/doc/index.html");
    std::size_t links = 0;
    const auto t0 = std::chrono::steady_clock::now();
    for (int r = 0; r < reps; ++r)
        for (const std::string& p : pages)
            links += aiocrawl::extract_links(p, base).urls.size();
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    std::printf(
        "{\"peer\":\"gumbo\",\"pages\":%zu,\"bytes\":%zu,\"links\":%zu,\"ms_per_page\":%.4f}\n",
        pages.size(), bytes, links / static_cast<std::size_t>(reps),
        ms / static_cast<double>(reps * pages.size()));
    return 0;
}
