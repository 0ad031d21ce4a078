// Practice exercise 5 (asyncio.wait_for) and the practical guide's fetch_with_timeout
// (asyncio.timeout around a real HTTP request, returning None on timeout). On expiry the
// inner work is cancelled — for a request, its connection is closed — and
// aio::timeout_error (asyncio.TimeoutError) is thrown; std::nullopt plays None.
// The example serves both sites itself on 127.0.0.1 (a port the kernel picks):
// fast.example answers after 20 ms, slow.example after 500 ms.
// Times are scaled down from the Python original: 1 s -> 100 ms.
#include <aio/aio.hpp>

#include <chrono>
#include <iostream>
#include <optional>
#include <string>

using namespace std::chrono_literals;

aio::task<std::string> slow_operation(std::string name, std::chrono::milliseconds delay) {
    co_await aio::sleep(delay);
    co_return name + " finished";
}

// The sites, played by a local server: GET /fast.example, GET /slow.example.
aio::task<aio::http::response> site(aio::http::request& req) {
    const std::string name(req.param("site"));
    co_await aio::sleep(name == "slow.example" ? 500ms : 20ms); // the network
    co_return aio::http::response::text(200, "<html>" + name + "</html>");
}

aio::task<std::string> download(aio::http::client_session& session, std::string url) {
    aio::http::client_response response = co_await session.get(url);
    co_return co_await response.text();
}

aio::task<std::optional<std::string>> fetch_with_timeout(aio::http::client_session& session,
                                                         std::string url) {
    try {
        co_return co_await aio::timeout(100ms, download(session, url)); // async with timeout(...)
    } catch (const aio::timeout_error&) {
        co_return std::nullopt; // return None
    }
}

aio::task<> amain() {
    try {
        std::string result = co_await aio::wait_for(slow_operation("quick", 50ms), 100ms);
        std::cout << "wait_for: " << result << "\n";
    } catch (const aio::timeout_error&) {
        std::cout << "wait_for: quick timed out\n";
    }
    try {
        std::string result = co_await aio::wait_for(slow_operation("slow", 300ms), 100ms);
        std::cout << "wait_for: " << result << "\n";
    } catch (const aio::timeout_error&) { // asyncio.TimeoutError
        std::cout << "wait_for: slow timed out\n";
    }

    aio::http::server sites;
    sites.route("GET", "/{site}", site);
    co_await sites.listen("127.0.0.1", 0);
    const std::string base = "http://127.0.0.1:" + std::to_string(sites.port());

    aio::http::client_session session;
    std::optional<std::string> fast = co_await fetch_with_timeout(session, base + "/fast.example");
    std::optional<std::string> slow = co_await fetch_with_timeout(session, base + "/slow.example");
    std::cout << "fast.example: " << fast.value_or("None") << "\n";
    std::cout << "slow.example: " << slow.value_or("None") << "\n";

    co_await sites.shutdown(0ms); // the slow site's handler is still sleeping: cancel it
}

int main() {
    aio::run(amain());
}
