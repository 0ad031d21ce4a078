// The embedded demo site; see demo_site.hpp.
#include "demo_site.hpp"

#include <aio/core/sleep.hpp>

#include <string_view>

namespace aiocrawl {

namespace {

using aio::http::request;
using aio::http::response;

/// splitmix64: a fixed, portable mix (std's distributions differ between libraries).
std::uint64_t mix(std::uint64_t x) {
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

std::uint64_t hash_text(std::uint64_t seed, std::string_view s) {
    std::uint64_t h = mix(seed);
    for (unsigned char c : s)
        h = mix(h ^ c);
    return h;
}

response html(int status, std::string body) {
    response r;
    r.status = status;
    r.headers.set("Content-Type", "text/html; charset=utf-8");
    r.body = std::move(body);
    return r;
}

response redirect(std::string location) {
    response r = response::empty(302);
    r.headers.set("Location", std::move(location));
    return r;
}

std::string page_head(const std::string& title) {
    return "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>" + title +
           "</title></head>\n<body><h1>" + title + "</h1>\n";
}

} // namespace

demo_site::demo_site(shape s)
    : m_pages(s.pages), m_seed(s.seed), m_latency_scale(s.latency_scale), m_specials(s.specials) {
    m_server.use([this](request& req, aio::http::next_handler next) { return delayed(req, next); });
    m_server.route("GET", "/", [this](request&) -> aio::task<response> { co_return home(); });
    m_server.route("GET", "/robots.txt", [](request&) -> aio::task<response> {
        co_return response::text(200, "User-agent: *\nDisallow: /private/\n");
    });
    m_server.route("GET", "/specials",
                   [this](request&) -> aio::task<response> { co_return specials(); });
    m_server.route("GET", "/page/{n}", [this](request& req) -> aio::task<response> {
        const std::string_view n = req.param("n");
        int v = 0;
        for (char c : n) {
            if (c < '0' || c > '9' || v > 100000)
                co_return response::text(404, "no such page\n");
            v = v * 10 + (c - '0');
        }
        if (n.empty() || v < 1 || v > m_pages)
            co_return response::text(404, "no such page\n");
        co_return page(v);
    });
    m_server.route("GET", "/error/{n}", [](request&) -> aio::task<response> {
        co_return response::text(500, "simulated server error\n");
    });
    m_server.route("GET", "/slow/{n}", [](request& req) -> aio::task<response> {
        co_return html(200,
                       page_head("slow page " + std::string(req.param("n"))) +
                           "<p>This one took a while.</p><a href=\"/\">home</a></body></html>\n");
    });
    m_server.route("GET", "/redirect/chain/{n}", [](request& req) -> aio::task<response> {
        const std::string n(req.param("n"));
        co_return redirect(n == "1" ? "/redirect/chain/2" : n == "2" ? "3" : "/page/3");
    });
    m_server.route("GET", "/redirect/loop/{x}", [](request& req) -> aio::task<response> {
        co_return redirect(req.param("x") == "a" ? "/redirect/loop/b" : "/redirect/loop/a");
    });
    m_server.route("GET", "/never", [this](request&) { return never(); });
    m_server.route("GET", "/latin1", [](request&) -> aio::task<response> {
        // "café" and "naïve" in ISO-8859-1, served as UTF-8: 0xE9 and 0xEF are not UTF-8 here.
        co_return html(
            200, page_head("latin-1") +
                     "<p>caf\xE9, na\xEFve</p><a href=\"/page/2\">page 2</a></body></html>\n");
    });
    m_server.route("GET", "/huge", [this](request&) -> aio::task<response> {
        if (m_huge.empty()) {
            m_huge = page_head("huge");
            const std::string para = "<p>" + std::string(1000, 'x') + "</p>\n";
            while (m_huge.size() < 8u * 1024 * 1024)
                m_huge += para;
            m_huge += "</body></html>\n";
        }
        co_return html(200, m_huge);
    });
    m_server.route("GET", "/data.json", [](request&) -> aio::task<response> {
        co_return response::json(200, R"({"links": ["/page/1", "/page/2"], "note": "not HTML"})");
    });
    m_server.route("GET", "/private/{rest...}", [](request&) -> aio::task<response> {
        co_return html(200, page_head("private") + "<p>robots.txt says no.</p></body></html>\n");
    });
}

demo_site::~demo_site() = default;

aio::task<void> demo_site::start() {
    co_await m_server.listen("127.0.0.1", 0);
}

aio::task<void> demo_site::stop() {
    co_await m_server.shutdown(std::chrono::milliseconds(100));
}

std::string demo_site::url() const {
    return "http://127.0.0.1:" + std::to_string(m_server.port()) + "/";
}

std::chrono::milliseconds demo_site::latency(const std::string& path) const {
    if (path == "/slow/1")
        return std::chrono::milliseconds(1500);
    if (path == "/slow/2")
        return std::chrono::milliseconds(2500);
    return std::chrono::milliseconds(20 + hash_text(m_seed, path) % 281);
}

aio::task<response> demo_site::delayed(request& req, aio::http::next_handler next) {
    if (m_latency_scale > 0)
        co_await aio::sleep(std::chrono::milliseconds(static_cast<long long>(
            static_cast<double>(latency(req.path).count()) * m_latency_scale)));
    co_return co_await next(req);
}

aio::task<response> demo_site::never() {
    co_await aio::sleep(std::chrono::hours(24));
    co_return response::text(200, "too late\n");
}

std::string demo_site::link_to(int from, int to, int form) const {
    const std::string t = std::to_string(to);
    switch (form % 5) {
    case 0:
        return "/page/" + t;
    case 1:
        return t; // relative to /page/<from>
    case 2:
        return "../page/" + t + "#top";
    case 3:
        return url() + "page/" + t;
    default:
        return "./" + t + "#section-" + std::to_string(from % 3);
    }
}

response demo_site::home() const {
    std::string b = page_head("aiocrawl demo site");
    b += "<p>A generated site: " + std::to_string(m_pages) +
         " linked pages with simulated latencies, and some trouble.</p>\n<ul>\n"
         "<li><a href=\"/page/1\">page 1</a></li>\n<li><a href=\"page/2\">page 2</a></li>\n" +
         std::string(m_specials ? "<li><a href=\"/specials\">special cases</a></li>\n" : "") +
         "</ul></body></html>\n";
    return html(200, std::move(b));
}

response demo_site::specials() const {
    std::string b = page_head("special cases");
    b += "<ul>\n";
    for (const char* href :
         {"/slow/1", "/slow/2", "/redirect/chain/1", "/redirect/loop/a", "/never", "/latin1",
          "/huge", "/data.json", "/private/secret", "http://example.invalid/elsewhere",
          "mailto:nobody@example.invalid", "#top"})
        b += std::string("<li><a href=\"") + href + "\">" + href + "</a></li>\n";
    b += "</ul></body></html>\n";
    return html(200, std::move(b));
}

response demo_site::page(int n) const {
    std::string b = page_head("page " + std::to_string(n));
    const bool with_base = n % 7 == 3;
    if (with_base) // relative links then resolve against /page/ whatever the page's own URL
        b.insert(b.find("</head>"), "<base href=\"/page/\">");
    b += "<p>Generated page " + std::to_string(n) + ".</p>\n<ul>\n";
    auto add = [&](const std::string& href, const std::string& text) {
        b += "<li><a href=\"" + href + "\">" + text + "</a></li>\n";
    };
    for (int child : {2 * n + 1, 2 * n + 2})
        if (child <= m_pages)
            add(with_base ? std::to_string(child) : link_to(n, child, child),
                "child " + std::to_string(child));
    for (int k = 0; k < 4; ++k) {
        const auto other =
            static_cast<int>(1 + mix(m_seed ^ mix(static_cast<std::uint64_t>(n * 8 + k))) %
                                     static_cast<std::uint64_t>(m_pages));
        add(with_base ? std::to_string(other) : link_to(n, other, k + n),
            "see also " + std::to_string(other));
    }
    if (m_specials && n % 25 == 0)
        add("/missing/" + std::to_string(n), "a page that is gone");
    if (m_specials && n % 40 == 7)
        add("/error/" + std::to_string(n), "a page that fails");
    add("/", "home");
    b += "</ul></body></html>\n";
    return html(200, std::move(b));
}

} // namespace aiocrawl
