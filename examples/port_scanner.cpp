// A concurrent TCP port scanner over 127.0.0.1 (this machine only), with a bound on how
// many connects are in flight (aio::semaphore) and a timeout per port.
//
//     port_scanner [--from 1] [--to 1024] [--concurrency 100] [--timeout-ms 300]
//     port_scanner --selftest    opens three listeners, scans around them, exits 0 if
//                                those ports were found open and no more than
//                                --concurrency connects (8 there) were ever in flight
#include <aio/aio.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace {

struct scan_options {
    unsigned from = 1;
    unsigned to = 1024;
    unsigned concurrency = 100;
    std::chrono::milliseconds timeout{300};
};

/// How many probes are connecting at once, and the most there ever were.
struct in_flight {
    unsigned now = 0;
    unsigned peak = 0;
};

aio::task<bool>
probe(aio::semaphore* limit, in_flight* count, std::uint16_t port, std::chrono::milliseconds t) {
    auto permit = co_await limit->scoped(); // at most `concurrency` connects at once
    count->peak = std::max(count->peak, ++count->now);
    struct leave {
        in_flight* c;
        ~leave() { --c->now; }
    } guard{count};
    try {
        auto s = co_await aio::net::open_connection("127.0.0.1", port, {.timeout = t});
        co_await s.close();
        co_return true;
    } catch (const aio::io_error&) {
        co_return false; // refused, unreachable, ...
    } catch (const aio::timeout_error&) {
        co_return false; // filtered / no answer
    }
}

aio::task<std::vector<std::uint16_t>> scan(scan_options o, in_flight* count) {
    aio::semaphore limit(static_cast<std::ptrdiff_t>(o.concurrency));
    std::vector<aio::task<bool>> probes;
    for (unsigned p = o.from; p <= o.to; ++p) {
        probes.push_back(probe(&limit, count, static_cast<std::uint16_t>(p), o.timeout));
    }
    std::vector<bool> open = co_await aio::gather(std::move(probes));
    std::vector<std::uint16_t> found;
    for (unsigned p = o.from; p <= o.to; ++p) {
        if (open[p - o.from])
            found.push_back(static_cast<std::uint16_t>(p));
    }
    co_return found;
}

aio::task<> idle(aio::net::stream) {
    co_return;
}

aio::task<int> selftest() {
    std::vector<aio::net::server> servers;
    std::vector<std::uint16_t> expected;
    for (int i = 0; i < 3; ++i) {
        servers.push_back(co_await aio::net::start_server(idle, "127.0.0.1", 0));
        expected.push_back(servers.back().port());
    }
    std::sort(expected.begin(), expected.end());
    // Scan a window around each listener (ephemeral ports are far apart).
    std::vector<std::uint16_t> found;
    in_flight count;
    const unsigned bound = 8;
    for (auto p : expected) {
        scan_options o{
            .from = p > 20 ? p - 20u : 1u, .to = std::min(65535u, p + 20u), .concurrency = bound};
        for (auto f : co_await scan(o, &count)) {
            if (std::find(found.begin(), found.end(), f) == found.end())
                found.push_back(f);
        }
    }
    std::sort(found.begin(), found.end());
    for (auto& s : servers)
        s.close();
    for (auto& s : servers)
        co_await s.wait_closed();
    // Other processes may listen nearby: every expected port must be found.
    const bool found_all =
        std::includes(found.begin(), found.end(), expected.begin(), expected.end());
    // The bound holds, and is used: 41 ports per window, 8 at a time.
    const bool bounded = count.peak <= bound && count.peak > 1;
    const bool ok = found_all && bounded;
    std::printf("selftest %s (found %zu open ports%s; at most %u connects in flight, bound %u)\n",
                ok ? "ok" : "FAILED", found.size(), found_all ? "" : ", MISSING some", count.peak,
                bound);
    co_return ok ? 0 : 1;
}

aio::task<int> run_scan(scan_options o) {
    const auto t0 = std::chrono::steady_clock::now();
    in_flight count;
    auto found = co_await scan(o, &count);
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
            .count();
    for (auto p : found)
        std::printf("open: %u\n", static_cast<unsigned>(p));
    std::printf("scanned 127.0.0.1 ports %u-%u in %lld ms: %zu open (at most %u connects at "
                "once)\n",
                o.from, o.to, static_cast<long long>(ms), found.size(), count.peak);
    co_return 0;
}

} // namespace

int main(int argc, char** argv) {
    scan_options o;
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (a == "--selftest")
            return aio::run(selftest());
        if (i + 1 >= argc) {
            std::fprintf(stderr, "usage: port_scanner [--from N] [--to N] [--concurrency N] "
                                 "[--timeout-ms N] | --selftest\n");
            return 2;
        }
        const unsigned long v = std::strtoul(argv[++i], nullptr, 10);
        if (a == "--from")
            o.from = static_cast<unsigned>(v);
        else if (a == "--to")
            o.to = static_cast<unsigned>(v);
        else if (a == "--concurrency")
            o.concurrency = static_cast<unsigned>(std::max(1ul, v));
        else if (a == "--timeout-ms")
            o.timeout = std::chrono::milliseconds(v);
        else {
            std::fprintf(stderr, "port_scanner: unknown option %s\n", argv[i - 1]);
            return 2;
        }
    }
    if (o.from < 1 || o.to > 65535 || o.from > o.to) {
        std::fprintf(stderr, "port_scanner: need 1 <= --from <= --to <= 65535\n");
        return 2;
    }
    return aio::run(run_scan(o));
}
