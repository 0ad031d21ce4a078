// The practical guide's asynchronous fetch with a real HTTP client: the two requests of one
// aio::http::client_session (aiohttp.ClientSession) run concurrently, so two pages that each
// take 200 ms to answer arrive after ~200 ms. The example serves the pages itself, on
// 127.0.0.1 at a port the kernel picks, so it runs offline: /N answers after 200 ms with a
// page of N KiB.
// Times are scaled down from the Python original: 1 s -> 100 ms.
#include <aio/aio.hpp>

#include <chrono>
#include <iomanip>
#include <iostream>
#include <string>
#include <vector>

using namespace std::chrono_literals;

// The site: api.example.com played by a local aio::http::server.
aio::task<aio::http::response> page(aio::http::request& req) {
    co_await aio::sleep(200ms); // the server's latency
    const int kib = std::stoi(std::string(req.param("n")));
    co_return aio::http::response::text(200,
                                        std::string(1024 * static_cast<std::size_t>(kib), 'x'));
}

aio::task<std::string> fetch_url(aio::http::client_session& session, std::string url) {
    aio::http::client_response response = co_await session.get(url); // async with session.get
    co_return co_await response.text();
}

// The body of `async with aiohttp.ClientSession() as session:`.
aio::task<> fetch_all(aio::http::client_session& session, std::vector<std::string> urls) {
    std::vector<aio::task<std::string>> tasks;
    for (const std::string& url : urls)
        tasks.push_back(fetch_url(session, url));
    std::vector<std::string> results = co_await aio::gather(std::move(tasks));

    for (const std::string& data : results) {
        std::cout << "Fetched " << data.size() << " bytes\n";
    }
}

aio::task<> amain() {
    aio::http::server site;
    site.route("GET", "/{n}", page);
    co_await site.listen("127.0.0.1", 0);
    const std::string api = "http://127.0.0.1:" + std::to_string(site.port());

    const std::vector<std::string> urls = {api + "/1", api + "/2"};
    const auto start = std::chrono::steady_clock::now();
    {
        aio::http::client_session session; // its connections close at the end of the scope
        co_await fetch_all(session, urls);
    }
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    std::cout << "Time taken: " << std::fixed << std::setprecision(2) << took.count() << "s\n";

    co_await site.shutdown(1s);
}

int main() {
    aio::run(amain());
}
// Time taken: ~0.20s (requests happen concurrently!)
