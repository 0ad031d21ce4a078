// sync guide: aio::bounded_semaphore (asyncio.BoundedSemaphore) catches a release too many.
#include <aio/aio.hpp>

#include <iostream>

aio::task<> amain() {
    aio::bounded_semaphore sem(1);
    co_await sem.acquire();
    sem.release();
    try {
        sem.release(); // a bug: nobody holds it
    } catch (const aio::invalid_state_error&) {
        std::cout << "released too many times\n";
    }
}

int main() {
    aio::run(amain());
}
