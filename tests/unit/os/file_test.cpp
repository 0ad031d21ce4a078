#include "io/sys.hpp"
#include "support/os.hpp"

#include <aio/core.hpp>
#include <aio/os/file.hpp>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <random>

#include <gtest/gtest.h>
#include <sys/stat.h>

using namespace std::chrono_literals;
using aio_test::temp_dir;

namespace {

std::string pattern(std::size_t n, std::uint32_t seed) {
    std::string s(n, '\0');
    std::mt19937 rng(seed);
    for (std::size_t i = 0; i < n; i += 4) {
        const std::uint32_t v = rng();
        for (std::size_t k = 0; k < 4 && i + k < n; ++k)
            s[i + k] = static_cast<char>(v >> (8 * k));
    }
    return s;
}

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

} // namespace

constexpr std::size_t total = 64u << 20, chunk = 1u << 20;

TEST(file, large_round_trip_keeps_every_byte) {
    temp_dir dir;
    const std::string path = dir / "big.bin";
    const int fds = aio_test::open_fds();
    auto [wrote, read] =
        aio::run([](std::string p) -> aio::task<std::pair<std::uint64_t, std::uint64_t>> {
            std::uint64_t hw = aio_test::fnv1a("");
            auto f = co_await aio::file::open(p, aio::open_mode::write | aio::open_mode::create |
                                                     aio::open_mode::truncate);
            for (std::size_t i = 0; i < total / chunk; ++i) {
                std::string block = pattern(chunk, static_cast<std::uint32_t>(i));
                hw = aio_test::fnv1a(block, hw);
                co_await f.write(std::move(block));
            }
            co_await f.fsync();
            co_await f.close();

            auto g = co_await aio::file::open(p);
            EXPECT_EQ(g.size(), total);
            std::uint64_t hr = aio_test::fnv1a("");
            for (;;) {
                std::string s = co_await g.read(64 * 1024);
                if (s.empty())
                    break;
                hr = aio_test::fnv1a(s, hr);
            }
            EXPECT_EQ(g.position(), total);
            co_return std::pair{hw, hr};
        }(path));
    EXPECT_EQ(wrote, read);
    EXPECT_EQ(std::filesystem::file_size(path), total);
    EXPECT_EQ(aio_test::open_fds(), fds);
}

TEST(file, concurrent_positional_reads_of_one_file) {
    temp_dir dir;
    const std::string path = dir / "data.bin";
    const std::string content = pattern(4u << 20, 7);
    std::ofstream(path, std::ios::binary) << content;
    aio::run([](std::string p, std::string expect) -> aio::task<> {
        auto f = co_await aio::file::open(p);
        std::vector<aio::task<std::string>> reads;
        constexpr std::size_t part = 256 * 1024;
        for (std::size_t off = 0; off < expect.size(); off += part) {
            reads.push_back(f.read_at(part, off));
        }
        std::vector<std::string> parts = co_await aio::gather(std::move(reads));
        std::string joined;
        for (auto& s : parts)
            joined += s;
        EXPECT_TRUE(joined == expect);
        EXPECT_EQ(co_await f.read_at(10, expect.size()), ""); // past the end: EOF
    }(path, content));
}

TEST(file, read_all_returns_the_rest_and_advances) {
    temp_dir dir;
    const std::string path = dir / "t.txt";
    std::ofstream(path) << "hello, world";
    aio::run([](std::string p) -> aio::task<> {
        auto f = co_await aio::file::open(p);
        EXPECT_EQ(co_await f.read(7), "hello, ");
        EXPECT_EQ(co_await f.read_all(), "world");
        EXPECT_EQ(co_await f.read(10), "");
        f.seek(0);
        EXPECT_EQ(co_await f.read_all(), "hello, world");
    }(path));
}

TEST(file, write_at_and_append_modes) {
    temp_dir dir;
    const std::string path = dir / "w.txt";
    aio::run([](std::string p) -> aio::task<> {
        auto f = co_await aio::file::open(p, aio::open_mode::read_write | aio::open_mode::create);
        co_await f.write_at("XXXXXXXX", 0);
        co_await f.write_at("ab", 3);
        EXPECT_EQ(co_await f.read_all(), "XXXabXXX");
        co_await f.close();
        auto a = co_await aio::file::open(p, aio::open_mode::write | aio::open_mode::append);
        co_await a.write("!1");
        co_await a.write("!2");
    }(path));
    EXPECT_EQ(slurp(path), "XXXabXXX!1!2");
}

TEST(file, errors_name_the_path_and_carry_the_code) {
    temp_dir dir;
    const std::string missing = dir / "no-such-file.txt";
    const std::string exists = dir / "exists.txt";
    std::ofstream(exists) << "x";
    const int fds = aio_test::open_fds();
    aio::run([](std::string missing, std::string exists) -> aio::task<> {
        try {
            co_await aio::file::open(missing);
            ADD_FAILURE() << "open of a missing file succeeded";
        } catch (const aio::io_error& e) {
            EXPECT_EQ(e.code(), std::errc::no_such_file_or_directory);
            EXPECT_NE(std::string(e.what()).find(missing), std::string::npos) << e.what();
        }
        try {
            co_await aio::file::open(exists, aio::open_mode::write | aio::open_mode::create |
                                                 aio::open_mode::exclusive);
            ADD_FAILURE() << "exclusive create of an existing file succeeded";
        } catch (const aio::io_error& e) {
            EXPECT_EQ(e.code(), std::errc::file_exists);
            EXPECT_NE(std::string(e.what()).find(exists), std::string::npos);
        }
        try {
            co_await aio::read_file(missing);
            ADD_FAILURE();
        } catch (const aio::io_error& e) {
            EXPECT_NE(std::string(e.what()).find(missing), std::string::npos);
        }
        // Writing to a read-only descriptor: EBADF, named.
        auto f = co_await aio::file::open(exists);
        try {
            co_await f.write("y");
            ADD_FAILURE();
        } catch (const aio::io_error& e) {
            EXPECT_EQ(e.code().value(), EBADF);
            EXPECT_NE(std::string(e.what()).find(exists), std::string::npos);
        }
        co_await f.close();
        EXPECT_THROW(co_await f.read(1), aio::invalid_state_error);
    }(missing, exists));
    EXPECT_EQ(aio_test::open_fds(), fds);
}

TEST(file, injected_read_failure_is_reported_with_the_path) {
    temp_dir dir;
    const std::string path = dir / "f.txt";
    std::ofstream(path) << "content";
    aio::run([](std::string p) -> aio::task<> {
        auto f = co_await aio::file::open(p);
        aio::detail::sys::fault_plan plan{aio::detail::sys::call::pread, EIO, 1, 0};
        aio::detail::sys::g_fault = &plan;
        try {
            co_await f.read(4);
            ADD_FAILURE();
        } catch (const aio::io_error& e) {
            EXPECT_EQ(e.code().value(), EIO);
            EXPECT_NE(std::string(e.what()).find(p), std::string::npos);
        }
        aio::detail::sys::g_fault = nullptr;
        EXPECT_EQ(f.position(), 0u);
        EXPECT_EQ(co_await f.read(4), "cont");
    }(path));
}

TEST(file, read_file_and_write_file_round_trip) {
    temp_dir dir;
    const std::string path = dir / "rt.txt";
    aio::run([](std::string p) -> aio::task<> {
        co_await aio::write_file(p, "data");
        EXPECT_EQ(co_await aio::read_file(p), "data");
        co_await aio::write_file(p, "");
        EXPECT_EQ(co_await aio::read_file(p), "");
    }(path));
}

TEST(file, write_file_is_atomic_for_concurrent_readers) {
    temp_dir dir;
    const std::string path = dir / "state.bin";
    std::ofstream(path) << std::string(1u << 20, 'a');
    ::chmod(path.c_str(), 0640);
    int torn = aio::run([](std::string p) -> aio::task<int> {
        bool stop = false;
        int bad = 0, seen = 0;
        auto reader =
            aio::create_task([](std::string p, bool& stop, int& bad, int& seen) -> aio::task<> {
                while (!stop) {
                    std::string s = co_await aio::read_file(p);
                    ++seen;
                    if (s.size() != (1u << 20) || s.find_first_not_of(s[0]) != std::string::npos)
                        ++bad;
                }
            }(p, stop, bad, seen));
        for (int i = 0; i < 20; ++i) {
            co_await aio::write_file(p, std::string(1u << 20, i % 2 ? 'b' : 'c'));
        }
        stop = true;
        co_await reader;
        EXPECT_GT(seen, 0);
        co_return bad;
    }(path));
    EXPECT_EQ(torn, 0);
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0640u); // permissions kept
    // No temporary file left behind.
    int entries = 0;
    for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(dir.path))
        ++entries;
    EXPECT_EQ(entries, 1);
}

TEST(file, failed_or_cancelled_write_file_leaves_the_target_untouched) {
    temp_dir dir;
    const std::string path = dir / "keep.txt";
    std::ofstream(path) << "original";
    const int fds = aio_test::open_fds();
    aio::run([](std::string p, std::string d) -> aio::task<> {
        // Into a missing directory: named error.
        try {
            co_await aio::write_file(d + "/missing/x.txt", "z");
            ADD_FAILURE();
        } catch (const aio::io_error& e) {
            EXPECT_NE(std::string(e.what()).find(d + "/missing/x.txt"), std::string::npos);
        }
        // fsync fails: the temporary goes away and the target keeps its content.
        aio::detail::sys::fault_plan plan{aio::detail::sys::call::fsync, EIO, 1, 0};
        aio::detail::sys::g_fault = &plan;
        EXPECT_THROW(co_await aio::write_file(p, std::string(1 << 20, 'n')), aio::io_error);
        aio::detail::sys::g_fault = nullptr;
        // Cancelled half way (many small steps give the cancel a chance to land).
        for (int delay_us : {0, 50, 200, 1000}) {
            auto h = aio::create_task(aio::write_file(p, std::string(8 << 20, 'n')));
            co_await aio::sleep(std::chrono::microseconds(delay_us));
            h.cancel();
            try {
                co_await h;
            } catch (const aio::cancelled_error&) {
            }
        }
    }(path, dir.path));
    const std::string now = slurp(path);
    EXPECT_TRUE(now == "original" || now == std::string(8 << 20, 'n'));
    int entries = 0;
    for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(dir.path))
        ++entries;
    EXPECT_EQ(entries, 1);
    EXPECT_EQ(aio_test::open_fds(), fds);
}

TEST(file, cancelled_read_does_not_move_the_position) {
    temp_dir dir;
    const std::string path = dir / "c.txt";
    std::ofstream(path) << "abcdef";
    aio::run([](std::string p) -> aio::task<> {
        auto f = co_await aio::file::open(p);
        for (int i = 0; i < 20; ++i) {
            auto h = aio::create_task(f.read(3));
            if (i % 2)
                co_await aio::sleep(0s);
            h.cancel();
            try {
                std::string s = co_await h;
                EXPECT_EQ(s, i == 0 ? "abc" : s); // completed before the cancel: kept
                if (!s.empty())
                    f.seek(0);
            } catch (const aio::cancelled_error&) {
            }
            EXPECT_EQ(f.position(), 0u);
        }
        EXPECT_EQ(co_await f.read(3), "abc");
    }(path));
}

TEST(file, read_into_fills_a_caller_buffer) {
    temp_dir dir;
    const std::string path = dir / "r.txt";
    std::ofstream(path) << "0123456789";
    aio::run([](std::string p) -> aio::task<> {
        auto f = co_await aio::file::open(p);
        char buf[4];
        EXPECT_EQ(co_await f.read_into(buf), 4u);
        EXPECT_EQ(std::string_view(buf, 4), "0123");
        EXPECT_EQ(co_await f.read_at_into(std::span<char>(buf, 3), 8), 2u);
        EXPECT_EQ(std::string_view(buf, 2), "89");
        EXPECT_EQ(co_await f.read_into(buf), 4u); // position unaffected by read_at_into
        EXPECT_EQ(std::string_view(buf, 4), "4567");
        EXPECT_EQ(co_await f.read_into(buf), 2u);
        EXPECT_EQ(co_await f.read_into(buf), 0u); // EOF
    }(path));
}
