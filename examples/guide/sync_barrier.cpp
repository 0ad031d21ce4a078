// sync guide: aio::barrier (asyncio.Barrier): nobody passes until all parties arrived.
#include <aio/aio.hpp>

#include <chrono>
#include <iostream>

aio::task<> worker(aio::barrier& b, int id) {
    co_await aio::sleep(std::chrono::milliseconds(5 * id)); // arrive one after another
    std::cout << "worker " << id << " arrives\n";
    std::size_t index = co_await b.wait(); // 0 for the first to arrive, ...
    if (index == b.parties() - 1)
        std::cout << "worker " << id << " was last; all pass\n";
}

aio::task<> amain() {
    aio::barrier b(3);
    co_await aio::gather(worker(b, 0), worker(b, 1), worker(b, 2));
    std::cout << "done\n";
}

int main() {
    aio::run(amain());
}
