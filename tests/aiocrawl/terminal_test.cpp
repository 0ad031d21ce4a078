// aiocrawl's progress bar on a real pseudo-terminal: under `script` (the bytes written) and
// under tmux (what the screen shows afterwards).
#include "process.hpp"

#include <regex>

#include <gtest/gtest.h>

using aiocrawl_test::have_program;
using aiocrawl_test::read_text;
using aiocrawl_test::run;

namespace {

std::string shell_quote(const std::string& s) {
    std::string q = "'";
    for (char c : s)
        q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

// A short crawl: 60 pages, /never cut at 1 s.
const std::string small_crawl = shell_quote(AIOCRAWL_BIN) + " --max-pages 60 --timeout 1";

std::size_t count(const std::string& s, const std::string& what) {
    std::size_t n = 0;
    for (std::size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1))
        ++n;
    return n;
}

} // namespace

TEST(aiocrawl_terminal, progress_bar_is_redrawn_in_place_and_the_cursor_restored) {
    if (!have_program("script"))
        GTEST_SKIP() << "script (bsdutils) is not installed";
    // script gives the program a pty as stdout and copies what it writes to our stdout.
    const auto r = run({"script", "-qfec", small_crawl, "/dev/null"}, std::chrono::seconds(60));
    ASSERT_EQ(r.code, 0) << r.out << r.err;
    const std::string& o = r.out;
    const std::size_t hide = o.find("\x1b[?25l"), show = o.rfind("\x1b[?25h");
    ASSERT_NE(hide, std::string::npos) << "the cursor is never hidden";
    ASSERT_NE(show, std::string::npos) << "the cursor is never shown again";
    EXPECT_LT(hide, show);
    EXPECT_EQ(count(o, "\x1b[?25l"), 1u);
    // Redrawn in place: several frames, each "\r[bar] ... erase to end of line", no newline
    // between them.
    const std::string bar_part = o.substr(hide, show - hide);
    EXPECT_GE(count(bar_part, "\r["), 2u) << "the bar was drawn once only";
    EXPECT_EQ(count(bar_part, "\x1b[K"), count(bar_part, "\r["));
    EXPECT_EQ(bar_part.find('\n'), bar_part.rfind('\n'))
        << "the bar scrolled instead of being redrawn";
    // The last frame shows the crawl complete, then the line is ended and the summary follows.
    EXPECT_TRUE(std::regex_search(bar_part, std::regex(R"(\] (\d+)/\1 done  0 in flight)")))
        << bar_part;
    EXPECT_NE(o.find("a sequential crawl would have taken", show), std::string::npos);
}

TEST(aiocrawl_terminal, screen_under_tmux_holds_one_final_bar_line_and_the_summary) {
    if (!have_program("tmux"))
        GTEST_SKIP() << "tmux is not installed";
    aio_test::temp_dir dir;
    const std::string sock = dir / "tmux.sock";
    const std::string tmux = "tmux -S " + shell_quote(sock) + " ";
    // The command leaves a marker file when aiocrawl is done, then keeps the pane open.
    const std::string cmd = small_crawl + "; touch " + shell_quote(dir / "done") + "; sleep 60";
    ASSERT_EQ(std::system((tmux + "new-session -d -x 120 -y 40 " + shell_quote(cmd)).c_str()), 0);
    for (int i = 0; i < 3000 && !std::filesystem::exists(dir / "done"); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const std::string screen_file = dir / "screen.txt";
    (void)std::system((tmux + "capture-pane -p > " + shell_quote(screen_file)).c_str());
    (void)std::system((tmux + "kill-server").c_str());
    ASSERT_TRUE(std::filesystem::exists(dir / "done")) << "aiocrawl did not finish under tmux";
    const std::string screen = read_text(screen_file);
    const auto lines = aiocrawl_test::lines_of(screen);
    std::size_t bar_lines = 0, bar_at = 0, summary_at = 0;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (lines[i].rfind("[", 0) == 0 && lines[i].find(" done ") != std::string::npos) {
            ++bar_lines;
            bar_at = i;
        }
        if (lines[i].rfind("aiocrawl: ", 0) == 0)
            summary_at = i;
    }
    EXPECT_EQ(bar_lines, 1u) << screen;
    EXPECT_EQ(summary_at, bar_at + 1) << "the summary must start on the line after the bar:\n"
                                      << screen;
    EXPECT_TRUE(std::regex_search(lines[bar_at], std::regex(R"(\] (\d+)/\1 done)")))
        << lines[bar_at];
}
