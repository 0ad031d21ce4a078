// The practical guide's web scraper, for real: fetch ten pages concurrently through one
// aio::http::client_session (aiohttp.ClientSession), then extract the links of each page
// with an HTML parser (gumbo, where the Python original uses BeautifulSoup).
// The site is served by the example itself on 127.0.0.1 (a port the kernel picks), so it
// runs offline: page i answers after 50 + 10 i ms and links to the (i % 4) + 1 pages after it.
// Gathered, the fetches take about the longest one (140 ms), not their sum (950 ms).
#include <aio/aio.hpp>

#include <chrono>
#include <iostream>
#include <string>
#include <vector>

#include <gumbo.h>

using namespace std::chrono_literals;

// The site (aiohttp.web): GET /page0 ... /page9.
aio::task<aio::http::response> page(aio::http::request& req) {
    const std::string name(req.param("name"));
    if (name.size() != 5 || name.rfind("page", 0) != 0 || name[4] < '0' || name[4] > '9')
        co_return aio::http::response::text(404, "no such page");
    const int i = name[4] - '0';
    co_await aio::sleep(std::chrono::milliseconds(50 + 10 * i)); // network latency
    std::string html = "<html><body><h1>Page " + std::to_string(i) + "</h1>";
    for (int k = 1; k <= i % 4 + 1; ++k) {
        html += "<a href=\"/page" + std::to_string((i + k) % 10) + "\">next</a>";
    }
    aio::http::response r(200, html + "</body></html>");
    r.headers.set("Content-Type", "text/html; charset=utf-8");
    co_return r;
}

aio::task<std::string> fetch_page(aio::http::client_session& session, std::string url) {
    aio::http::client_response response = co_await session.get(url); // async with session.get
    co_return co_await response.text();
}

// soup.find_all('a', href=True): every <a> element's href, in document order.
void find_links(const GumboNode* node, std::vector<std::string>& links) {
    if (node->type != GUMBO_NODE_ELEMENT)
        return;
    if (node->v.element.tag == GUMBO_TAG_A) {
        if (const GumboAttribute* href = gumbo_get_attribute(&node->v.element.attributes, "href"))
            links.emplace_back(href->value);
    }
    const GumboVector& children = node->v.element.children;
    for (unsigned i = 0; i < children.length; ++i)
        find_links(static_cast<const GumboNode*>(children.data[i]), links);
}

aio::task<std::vector<std::string>> parse_page(std::string html) {
    GumboOutput* soup = gumbo_parse_with_options(&kGumboDefaultOptions, html.data(), html.size());
    std::vector<std::string> links;
    find_links(soup->root, links);
    gumbo_destroy_output(&kGumboDefaultOptions, soup);
    co_return links;
}

// The body of `async with aiohttp.ClientSession() as session:`.
aio::task<std::vector<std::string>> scrape_with(aio::http::client_session& session,
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
    aio::http::client_session session; // closes its connections when the scope ends
    co_return co_await scrape_with(session, std::move(urls));
}

aio::task<std::size_t> amain() {
    aio::http::server site;
    site.route("GET", "/{name}", page);
    co_await site.listen("127.0.0.1", 0);
    const std::string base = "http://127.0.0.1:" + std::to_string(site.port());

    std::vector<std::string> urls;
    for (int i = 0; i < 10; ++i)
        urls.push_back(base + "/page" + std::to_string(i));
    std::vector<std::string> links = co_await scrape_site(urls);
    co_await site.shutdown(1s);
    co_return links.size();
}

int main() {
    std::cout << "Found " << aio::run(amain()) << " links\n";
}
