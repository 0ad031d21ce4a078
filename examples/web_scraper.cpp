// The practical guide's web scraper, over a simulated site (no network): fetch ten pages
// concurrently through one client session, then extract the links of each page.
// Each page answers after 50-140 ms; gathered, the fetches take about the longest one.
#include <aio/aio.hpp>

#include <chrono>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

using namespace std::chrono_literals;

// A stand-in for aiohttp.ClientSession over a simulated site: page i links to the
// (i % 4) + 1 pages after it.
class client_session {
  public:
    aio::task<client_session&> enter() { co_return *this; }
    aio::task<> exit(std::exception_ptr) { co_return; }

    aio::task<std::string> get(std::string url) {
        const int i = std::stoi(url.substr(url.rfind("page") + 4));
        co_await aio::sleep(std::chrono::milliseconds(50 + 10 * i)); // network latency
        std::string html = "<html><body><h1>Page " + std::to_string(i) + "</h1>";
        for (int k = 1; k <= i % 4 + 1; ++k) {
            html += "<a href=\"/page" + std::to_string((i + k) % 10) + "\">next</a>";
        }
        co_return html + "</body></html>";
    }
};

aio::task<std::string> fetch_page(client_session& session, std::string url) {
    co_return co_await session.get(url); // async with session.get(url) as response
}

// soup.find_all('a', href=True), for the simulated pages' simple markup.
aio::task<std::vector<std::string>> parse_page(std::string html) {
    std::vector<std::string> links;
    const std::string open = "<a href=\"";
    for (auto pos = html.find(open); pos != std::string::npos; pos = html.find(open, pos)) {
        pos += open.size();
        links.push_back(html.substr(pos, html.find('"', pos) - pos));
    }
    co_return links;
}

// The body of `async with aiohttp.ClientSession() as session:`.
aio::task<std::vector<std::string>> scrape_with(client_session& session,
                                                std::vector<std::string> urls) {
    std::vector<aio::task<std::string>> tasks;
    for (const std::string& url : urls)
        tasks.push_back(fetch_page(session, url));
    std::vector<std::string> pages = co_await aio::gather(std::move(tasks));

    std::vector<std::string> all_links;
    for (std::string& html : pages) {
        std::vector<std::string> links = co_await parse_page(std::move(html));
        all_links.insert(all_links.end(), links.begin(), links.end());
    }
    co_return all_links;
}

aio::task<std::vector<std::string>> scrape_site(std::vector<std::string> urls) {
    co_return co_await aio::with(
        client_session(), [&urls](client_session& session) { return scrape_with(session, urls); });
}

int main() {
    std::vector<std::string> urls;
    for (int i = 0; i < 10; ++i)
        urls.push_back("https://example.com/page" + std::to_string(i));
    std::vector<std::string> links = aio::run(scrape_site(urls));
    std::cout << "Found " << links.size() << " links\n";
}
