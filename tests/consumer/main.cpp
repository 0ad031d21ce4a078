// Builds against the installed aiocpp and runs a small concurrent program.
#include <aio/aio.hpp>

#include <cstdio>

using namespace std::chrono_literals;

aio::task<int> work(int x) {
    co_await aio::sleep(5ms);
    co_return x * 2;
}

aio::task<int> amain() {
    auto [a, b] = co_await aio::gather(work(1), work(2));
    int c = co_await aio::to_thread([] { return 3; });
    co_return a + b + c;
}

int main() {
    const int r = aio::run(amain());
    std::printf("consumer result %d\n", r);
    return r == 9 ? 0 : 1;
}
