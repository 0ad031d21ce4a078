// examples/ws_chat.cpp with real browsers: two headless Chromium pages (driven through the
// DevTools protocol by chat_browser.py) and one aio::ws client join the room; each member
// sends three messages after "go"; every member must show the same 10 lines ("go" and the
// nine messages) in the same order, each sender's messages in the order sent.

#include "support/helpers.hpp"

#include <aio/core.hpp>
#include <aio/os.hpp>
#include <aio/ws.hpp>

#include <csignal>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

using namespace std::chrono_literals;
using aio::task;

namespace {

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::size_t start = 0;
    for (;;) {
        const auto at = s.find(sep, start);
        out.push_back(s.substr(start, at - start));
        if (at == std::string::npos)
            return out;
        start = at + 1;
    }
}

bool have(const char* what) {
    return std::system(what) == 0;
}

} // namespace

TEST(ws_chat, two_chromium_pages_and_a_cpp_client_see_every_message_in_order) {
    if (::access("/usr/bin/chromium", X_OK) != 0)
        GTEST_SKIP() << "Debian chromium is not installed (tools/deps.sh)";
    if (!have("/usr/bin/python3 -c 'import websockets' >/dev/null 2>&1"))
        GTEST_SKIP() << "python3-websockets is not installed (tools/deps.sh)";
    aio_test::run([]() -> task<> {
        auto server = co_await aio::create_subprocess_exec(
            AIO_WS_CHAT_BIN, "--port", "0", aio::subprocess_options{.out = aio::pipe});
        const std::string banner = co_await aio::wait_for(server.out().read_line(), 20s);
        const auto at = banner.find("http://");
        if (at == std::string::npos) {
            ADD_FAILURE() << "no URL in: " << banner;
            server.kill();
            (void)co_await server.wait();
            co_return;
        }
        std::string page = banner.substr(at);
        while (!page.empty() && (page.back() == '\n' || page.back() == '/'))
            page.pop_back();
        const std::string host = page.substr(7);

        auto me = co_await aio::ws::connect("ws://" + host + "/chat?name=cpp");
        // Runs while we chat below; it prints only at the end (well within a pipe's buffer).
        auto py = co_await aio::create_subprocess_exec(
            "/usr/bin/python3", AIO_WS_CHAT_BROWSER, "10", "60", page + "/?name=alice&auto=3",
            page + "/?name=bob&auto=3",
            aio::subprocess_options{.out = aio::pipe, .err = aio::pipe});
        std::vector<std::string> mine;
        bool sent = false;
        try {
            while (mine.size() < 10) {
                auto m = co_await aio::wait_for(me.receive(), 60s);
                if (!m)
                    break;
                if (m->data.rfind("* ", 0) == 0) {
                    if (m->data.ends_with("joined (3 here)"))
                        co_await me.send("go");
                    continue;
                }
                mine.push_back(m->data);
                if (!sent && m->data == "cpp: go") {
                    sent = true;
                    for (int i = 1; i <= 3; ++i)
                        co_await me.send("message " + std::to_string(i));
                }
            }
        } catch (const std::exception& e) {
            ADD_FAILURE() << "the C++ member failed: " << e.what();
        }
        auto [out, err] = co_await aio::wait_for(py.communicate(), 90s);
        EXPECT_EQ(co_await py.wait(), 0) << err;
        co_await me.close();
        server.send_signal(SIGTERM);
        EXPECT_EQ(co_await aio::wait_for(server.wait(), 20s), 0);

        EXPECT_EQ(mine.size(), 10u);
        if (mine.size() != 10u)
            co_return;
        EXPECT_EQ(mine[0], "cpp: go");
        for (const char* who : {"cpp", "alice", "bob"}) {
            int next = 1; // each sender's messages in the order sent
            for (const auto& l : mine) {
                if (l.rfind(std::string(who) + ": message ", 0) == 0) {
                    EXPECT_EQ(l, std::string(who) + ": message " + std::to_string(next++));
                }
            }
            EXPECT_EQ(next, 4) << who;
        }
        const std::vector<std::string> pages = split(out, '\n');
        EXPECT_GE(pages.size(), 2u) << out << err;
        if (pages.size() < 2u)
            co_return;
        for (int p = 0; p < 2; ++p)
            EXPECT_EQ(split(pages[p], '|'), mine) << "page " << p << ": " << pages[p];
    });
}
