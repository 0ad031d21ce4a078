// sync guide: aio::lock (asyncio.Lock) keeps a read-modify-write across an await whole.
#include <aio/aio.hpp>

#include <iostream>

using namespace std::chrono_literals;

int balance = 0;

aio::task<> deposit(aio::lock& m, int amount) {
    auto held = co_await m.scoped(); // async with lock: (released at the end of scope)
    int seen = balance;
    co_await aio::sleep(10ms); // the other deposit runs now, but waits for the lock
    balance = seen + amount;
}

aio::task<> amain() {
    aio::lock m;
    co_await aio::gather(deposit(m, 100), deposit(m, 50));
    std::cout << "balance: " << balance << "\n"; // 150: no update lost
}

int main() {
    aio::run(amain());
}
