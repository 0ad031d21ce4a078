// The practical guide's asynchronous fetch: the requests of one (simulated) client session
// run concurrently, so two 200 ms requests take ~200 ms. The session is an async context
// manager (Python's `async with aiohttp.ClientSession() as session`); no network: a
// non-blocking sleep stands in for the HTTP round trip.
// Times are scaled down from the Python original: 1 s -> 100 ms.
#include <aio/aio.hpp>

#include <chrono>
#include <exception>
#include <iomanip>
#include <iostream>
#include <string>
#include <vector>

using namespace std::chrono_literals;

// A stand-in for aiohttp.ClientSession: get(url) answers after 200 ms with a page of
// 1 KiB per digit of the url.
class client_session {
  public:
    aio::task<client_session&> enter() { co_return *this; }
    aio::task<> exit(std::exception_ptr) { co_return; }

    aio::task<std::string> get(std::string url) {
        co_await aio::sleep(200ms);
        co_return std::string(1024 * static_cast<std::size_t>(url.back() - '0'), 'x');
    }
};

// The session outlives every fetch: they are all awaited inside the `with` body.
aio::task<std::string> fetch_url(client_session& session, std::string url) {
    co_return co_await session.get(url);
}

// The body of `async with ... as session:`.
aio::task<> fetch_all(client_session& session, std::vector<std::string> urls) {
    std::vector<aio::task<std::string>> tasks;
    for (const std::string& url : urls)
        tasks.push_back(fetch_url(session, url));
    std::vector<std::string> results = co_await aio::gather(std::move(tasks));

    for (const std::string& data : results) {
        std::cout << "Fetched " << data.size() << " bytes\n";
    }
}

aio::task<> amain() {
    const std::vector<std::string> urls = {"https://api.example.com/1",
                                           "https://api.example.com/2"};
    const auto start = std::chrono::steady_clock::now();

    // The lambda only builds the body's task (it is not itself a coroutine), so it may
    // capture; fetch_all copies the urls into its own frame.
    co_await aio::with(client_session(),
                       [&urls](client_session& session) { return fetch_all(session, urls); });

    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    std::cout << "Time taken: " << std::fixed << std::setprecision(2) << took.count() << "s\n";
}

int main() {
    aio::run(amain());
}
// Time taken: ~0.20s (requests happen concurrently!)
