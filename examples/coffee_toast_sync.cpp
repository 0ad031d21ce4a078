// Coffee and toast, synchronous (blocking): the seeds' first program.
// Each step blocks the whole program, so the total is the sum: ~400 ms.
// Times are scaled down from the Python original: 1 s -> 100 ms.
#include <chrono>
#include <iostream>
#include <thread>

using namespace std::chrono_literals;

void brew_coffee() {
    std::cout << "Start brewing...\n";
    std::this_thread::sleep_for(200ms); // waits, and nothing else can happen meanwhile
    std::cout << "Coffee ready!\n";
}

void toast_bread() {
    std::cout << "Start toasting...\n";
    std::this_thread::sleep_for(200ms);
    std::cout << "Toast ready!\n";
}

int main() {
    const auto start = std::chrono::steady_clock::now();
    // Takes ~400 ms total
    brew_coffee();
    toast_bread();
    const auto took = std::chrono::steady_clock::now() - start;
    std::cout << "Took " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
              << " ms\n";
}
