// Core-runtime benchmark peer: Boost.Asio (1.81) C++20 coroutines on a
// single-threaded io_context.
//
// Build: g++ -O2 -std=c++20 -o core_asio core_asio.cpp -pthread
// Usage: core_asio <spawn|sleepers|pingpong> [N]
//
// Prints one line:
//   <bench> asio n=<N> elapsed_s=<float> peak_rss_kib=<int> [ns_per_switch=<float>]
//
// Mapping of the benchmark primitives onto Asio:
//   create_task/spawn  co_spawn(ex, coro, experimental::use_promise): an eager
//                      task whose promise is the join handle (co_await p(...)).
//   yield once         co_await asio::post(ex, use_awaitable)
//   sleep 1 s          steady_timer::async_wait(use_awaitable)
//   queue of cap. 1    experimental::channel<void(error_code, uint64_t)>(ex, 1)
#include <sys/resource.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/channel.hpp>
#include <boost/asio/experimental/promise.hpp>
#include <boost/asio/experimental/use_promise.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <optional>
#include <string>
#include <vector>

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using asio::experimental::use_promise;
using clock_type = std::chrono::steady_clock;

namespace {

long peak_rss_kib() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;  // KiB on Linux
}

double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

struct Outcome {
  double elapsed = 0;
  std::optional<double> ns_per_switch;
};

// ---------------------------------------------------------------- spawn
awaitable<std::uint64_t> spawn_task(std::uint64_t i) {
  co_await asio::post(co_await asio::this_coro::executor, use_awaitable);
  co_return i;
}

awaitable<Outcome> bench_spawn(std::uint64_t n) {
  auto ex = co_await asio::this_coro::executor;
  auto t0 = clock_type::now();
  using promise_t = decltype(asio::co_spawn(ex, spawn_task(0), use_promise));
  std::vector<promise_t> tasks;
  tasks.reserve(n);
  for (std::uint64_t i = 0; i < n; ++i)
    tasks.push_back(asio::co_spawn(ex, spawn_task(i), use_promise));
  std::uint64_t sum = 0;
  for (auto& t : tasks) sum += co_await t(use_awaitable);
  double elapsed = seconds_since(t0);
  std::uint64_t expected = n * (n - 1) / 2;
  if (sum != expected) {
    std::fprintf(stderr, "spawn: bad sum %llu != %llu\n",
                 static_cast<unsigned long long>(sum),
                 static_cast<unsigned long long>(expected));
    std::exit(2);
  }
  co_return Outcome{elapsed, std::nullopt};
}

// ------------------------------------------------------------- sleepers
awaitable<void> sleeper() {
  asio::steady_timer timer(co_await asio::this_coro::executor,
                           std::chrono::seconds(1));
  co_await timer.async_wait(use_awaitable);
}

awaitable<Outcome> bench_sleepers(std::uint64_t n) {
  auto ex = co_await asio::this_coro::executor;
  auto t0 = clock_type::now();
  using promise_t = decltype(asio::co_spawn(ex, sleeper(), use_promise));
  std::vector<promise_t> tasks;
  tasks.reserve(n);
  for (std::uint64_t i = 0; i < n; ++i)
    tasks.push_back(asio::co_spawn(ex, sleeper(), use_promise));
  for (auto& t : tasks) co_await t(use_awaitable);
  co_return Outcome{seconds_since(t0), std::nullopt};
}

// ------------------------------------------------------------- pingpong
// Two coroutines pass a counter through two channels of capacity 1; every
// hand-over is one switch.  The counter value v has been handed over v+1
// times, so both stop once v == last (= n-1) has been delivered.
using channel_t =
    asio::experimental::channel<void(boost::system::error_code, std::uint64_t)>;

awaitable<std::uint64_t> player(channel_t& in, channel_t& out,
                                std::uint64_t last, bool serve) {
  if (serve) co_await out.async_send(boost::system::error_code{}, 0, use_awaitable);
  for (;;) {
    std::uint64_t v = co_await in.async_receive(use_awaitable);
    if (v >= last) {
      // wake the other side so it stops too (buffer slot is free)
      co_await out.async_send(boost::system::error_code{}, v, use_awaitable);
      co_return v;
    }
    co_await out.async_send(boost::system::error_code{}, v + 1, use_awaitable);
  }
}

awaitable<Outcome> bench_pingpong(std::uint64_t n) {
  auto ex = co_await asio::this_coro::executor;
  channel_t a_to_b(ex, 1), b_to_a(ex, 1);
  auto t0 = clock_type::now();
  auto a = asio::co_spawn(ex, player(b_to_a, a_to_b, n - 1, true), use_promise);
  auto b = asio::co_spawn(ex, player(a_to_b, b_to_a, n - 1, false), use_promise);
  std::uint64_t ra = co_await a(use_awaitable);
  std::uint64_t rb = co_await b(use_awaitable);
  double elapsed = seconds_since(t0);
  if (ra != n - 1 || rb != n - 1) {
    std::fprintf(stderr, "pingpong: bad counter %llu %llu (n=%llu)\n",
                 static_cast<unsigned long long>(ra),
                 static_cast<unsigned long long>(rb),
                 static_cast<unsigned long long>(n));
    std::exit(2);
  }
  co_return Outcome{elapsed, elapsed * 1e9 / static_cast<double>(n)};
}

[[noreturn]] void usage() {
  std::fprintf(stderr, "usage: core_asio <spawn|sleepers|pingpong> [N]\n");
  std::exit(64);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) usage();
  std::string bench = argv[1];
  std::uint64_t n;
  if (bench == "spawn") n = 1'000'000;
  else if (bench == "sleepers") n = 100'000;
  else if (bench == "pingpong") n = 10'000'000;
  else usage();
  if (argc == 3) {
    char* end = nullptr;
    unsigned long long v = std::strtoull(argv[2], &end, 10);
    if (end == argv[2] || *end != '\0' || v < 1) usage();
    n = v;
  }

  // Concurrency hint 1: the io_context is only ever run by this one thread.
  asio::io_context ctx(1);
  std::optional<Outcome> out;
  std::exception_ptr error;
  auto run = [&]() -> awaitable<Outcome> {
    if (bench == "spawn") co_return co_await bench_spawn(n);
    if (bench == "sleepers") co_return co_await bench_sleepers(n);
    co_return co_await bench_pingpong(n);
  };
  asio::co_spawn(ctx, run(), [&](std::exception_ptr e, Outcome o) {
    if (e) error = e;
    else out = o;
  });
  ctx.run();
  if (error) std::rethrow_exception(error);
  if (!out) {
    std::fprintf(stderr, "%s: benchmark did not complete\n", bench.c_str());
    return 1;
  }

  std::printf("%s asio n=%llu elapsed_s=%.6f peak_rss_kib=%ld", bench.c_str(),
              static_cast<unsigned long long>(n), out->elapsed, peak_rss_kib());
  if (out->ns_per_switch) std::printf(" ns_per_switch=%.2f", *out->ns_per_switch);
  std::printf("\n");
  return 0;
}
