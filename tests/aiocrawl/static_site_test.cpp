// aiocrawl on a real static site nobody here wrote: valgrind's HTML manual (Debian package
// valgrind) served by nginx on 127.0.0.1, crawled by aiocrawl and by a reference crawler
// (bench/peers/crawl_bs4.py: Python aiohttp + BeautifulSoup, the same logic); both must find
// the same set of pages.
#include "process.hpp"
#include "support/free_port.hpp"

#include <filesystem>
#include <set>

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <sys/socket.h>

using aiocrawl_test::child;
using aiocrawl_test::have_program;
using aiocrawl_test::lines_of;
using aiocrawl_test::read_text;
using aiocrawl_test::run;

namespace {

const char* const site_root = "/usr/share/doc/valgrind/html";

bool answers(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    return ok;
}

/// nginx in the foreground serving `root` on 127.0.0.1:port, all its files in `dir`.
struct nginx {
    int port = 0;
    std::unique_ptr<child> proc;
    nginx(const aio_test::temp_dir& dir, const std::string& root) {
        for (int attempt = 0; attempt < 3 && !proc; ++attempt) {
            port = aio_test::free_port();
            const std::string conf = dir / "nginx.conf";
            std::ofstream(conf) << "daemon off;\nworker_processes 1;\npid " << (dir / "nginx.pid")
                                << ";\nerror_log " << (dir / "error.log")
                                << ";\nevents {}\nhttp {\n"
                                << "  include /etc/nginx/mime.types;\n  access_log off;\n"
                                << "  client_body_temp_path " << (dir / "body")
                                << ";\n  proxy_temp_path " << (dir / "proxy")
                                << ";\n  server {\n    listen 127.0.0.1:" << port << ";\n    root "
                                << root << ";\n  }\n}\n";
            auto p =
                std::make_unique<child>(std::vector<std::string>{"nginx", "-e", dir / "error.log",
                                                                 "-c", conf, "-p", dir.path},
                                        dir);
            for (int i = 0; i < 250 && !answers(port); ++i)
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
            if (answers(port))
                proc = std::move(p);
        }
    }
};

std::set<std::string> pages_of(const std::string& jsonl) {
    std::set<std::string> s;
    for (const std::string& line : lines_of(jsonl)) {
        const auto row = nlohmann::json::parse(line, nullptr, false);
        if (row.is_object() && row.contains("url"))
            s.insert(row["url"].get<std::string>() + " " +
                     std::to_string(row["status"].get<int>()));
    }
    return s;
}

} // namespace

TEST(aiocrawl_static_site,
     finds_the_same_pages_as_a_reference_crawler_on_a_manual_served_by_nginx) {
    if (!have_program("nginx") && !std::filesystem::exists("/usr/sbin/nginx"))
        GTEST_SKIP() << "nginx is not installed (tools/deps.sh installs nginx-light)";
    if (!std::filesystem::exists(std::string(site_root) + "/index.html"))
        GTEST_SKIP() << site_root << " is missing (Debian package valgrind)";
    if (std::system("/usr/bin/python3 -c 'import aiohttp, bs4' 2>/dev/null") != 0)
        GTEST_SKIP() << "python3-aiohttp and python3-bs4 are not installed";
    setenv("PATH",
           ("/usr/sbin:" + std::string(getenv("PATH") ? getenv("PATH") : "/usr/bin")).c_str(), 1);
    aio_test::temp_dir dir;
    nginx server(dir, site_root);
    ASSERT_TRUE(server.proc) << "nginx did not start: " << read_text(dir / "error.log");
    const std::string start = "http://127.0.0.1:" + std::to_string(server.port) + "/index.html";

    const auto ours =
        run({AIOCRAWL_BIN, "--quiet", "--max-pages", "0", "--out", dir / "ours.jsonl", start});
    ASSERT_EQ(ours.code, 0) << ours.out << ours.err;
    const auto ref = run({"/usr/bin/python3", AIOCRAWL_REFERENCE_CRAWLER, start});
    ASSERT_EQ(ref.code, 0) << ref.err;

    const std::set<std::string> a = pages_of(read_text(dir / "ours.jsonl")), b = pages_of(ref.out);
    EXPECT_GT(a.size(), 30u) << "the manual has dozens of linked pages";
    std::string only_ours, only_ref;
    for (const auto& u : a)
        if (!b.contains(u))
            only_ours += "  " + u + "\n";
    for (const auto& u : b)
        if (!a.contains(u))
            only_ref += "  " + u + "\n";
    EXPECT_EQ(only_ours, "") << "found by aiocrawl only";
    EXPECT_EQ(only_ref, "") << "found by the reference crawler only";
}
