// threads guide: aio::thread_pool (loop.run_in_executor with a ThreadPoolExecutor or a
// ProcessPoolExecutor): CPU-bound work in parallel, awaited from the loop.
#include <aio/aio.hpp>

#include <iostream>

long count_primes(long from, long to) { // CPU-bound: no await inside
    long n = 0;
    for (long i = from; i < to; ++i) {
        bool prime = i > 1;
        for (long d = 2; d * d <= i && prime; ++d)
            prime = i % d != 0;
        n += prime;
    }
    return n;
}

aio::task<> amain() {
    aio::thread_pool pool(4); // its own threads; joined when it goes out of scope
    auto [a, b, c, d] = co_await aio::gather(
        pool.run(count_primes, 0L, 25000L), pool.run(count_primes, 25000L, 50000L),
        pool.run(count_primes, 50000L, 75000L), pool.run(count_primes, 75000L, 100000L));
    std::cout << "primes below 100000: " << a + b + c + d << "\n";
}

int main() {
    aio::run(amain());
}
