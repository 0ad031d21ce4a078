// Practice exercise "Simulated Download": five downloads of random length (1-3 s in the
// seed, 100-300 ms here) run concurrently; they finish shortest first, and the whole takes
// about as long as the longest one. The generator is seeded (42, or --seed N), so a run
// is reproducible.
#include <aio/aio.hpp>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <numeric>
#include <random>
#include <string>
#include <vector>

using namespace std::chrono_literals;

std::mt19937 rng(42); // random.seed(42); mt19937's sequence is the same on every platform

aio::task<std::chrono::milliseconds> download_file(std::string file_name) {
    const std::chrono::milliseconds took(100 + rng() % 201); // random.uniform(1, 3), scaled
    std::cout << "Downloading " << file_name << " (" << took.count() << " ms)...\n";
    co_await aio::sleep(took);
    std::cout << "Finished " << file_name << "\n";
    co_return took;
}

aio::task<> amain() {
    const auto start = std::chrono::steady_clock::now();
    std::vector<aio::task<std::chrono::milliseconds>> downloads;
    for (int i = 1; i <= 5; ++i)
        downloads.push_back(download_file("file" + std::to_string(i) + ".zip"));
    std::vector<std::chrono::milliseconds> times = co_await aio::gather(std::move(downloads));

    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    const auto sequential = std::accumulate(times.begin(), times.end(), 0ms);
    std::cout << "Downloaded " << times.size() << " files in " << took.count()
              << " ms (one after the other: " << sequential.count() << " ms)\n";
}

int main(int argc, char** argv) {
    if (argc == 3 && std::strcmp(argv[1], "--seed") == 0) {
        rng.seed(static_cast<std::mt19937::result_type>(std::strtoul(argv[2], nullptr, 10)));
    }
    aio::run(amain());
}
