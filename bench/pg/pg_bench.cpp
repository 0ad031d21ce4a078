// aio::pg side by side with asyncpg and psycopg (async), on one throw-away server, in one
// run (bench/README.md). Cases (issue 17):
//   sequential  10,000 x `SELECT $1::int` on one connection, one after the other
//   pool        100,000 x the same from 50 tasks over a pool of 10 connections
//   fetch       1,000,000 rows of (int, text, timestamptz), every value decoded
//   pipelined   the pool case's 100,000 queries from 50 tasks on ONE connection: where
//               pipelining applies (aio::pg pipelines them; asyncpg and psycopg run one
//               query at a time per connection)
// Prints wall seconds, client CPU seconds per case, and the ratios to each peer.
//
//   build/bench/pg/pg_bench [--dsn DSN] [--scale 0.1] [--no-peers] [--case NAME]
// (--case runs one of aio::pg's cases alone, for profiling: valgrind --tool=callgrind ...)
#include "support/pg_server.hpp"

#include <aio/aio.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <sys/resource.h>

namespace {

struct figure {
    double seconds = 0, cpu = 0;
};
using figures = std::map<std::string, figure>;

double cpu_now() {
    rusage u{};
    ::getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

struct stopwatch {
    std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
    double c0 = cpu_now();
    figure stop() const {
        return {std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(),
                cpu_now() - c0};
    }
};

aio::task<> pool_worker(aio::pg::pool& pool, int n) {
    for (int i = 0; i < n; ++i) {
        auto c = co_await pool.acquire();
        co_await c->fetchval<int>("SELECT $1::int", i);
    }
}

aio::task<> shared_worker(aio::pg::connection& db, int n) {
    for (int i = 0; i < n; ++i)
        co_await db.fetchval<int>("SELECT $1::int", i);
}

aio::task<figures> run_ours(std::string dsn, double scale, std::string only) {
    figures out;
    auto db = co_await aio::pg::connect(dsn);
    auto wanted = [&](const char* c) { return only.empty() || only == c; };
    if (wanted("sequential")) {
        const int n = static_cast<int>(10000 * scale);
        stopwatch w;
        for (int i = 0; i < n; ++i)
            co_await db.fetchval<int>("SELECT $1::int", i);
        out["sequential"] = w.stop();
    }
    const int total = static_cast<int>(100000 * scale), workers = 50;
    if (wanted("pool")) {
        aio::pg::pool pool(dsn, {.min_size = 10, .max_size = 10});
        { auto warm = co_await pool.acquire(); } // opens the 10 connections
        stopwatch w;
        std::vector<aio::task<>> tasks;
        for (int k = 0; k < workers; ++k)
            tasks.push_back(pool_worker(pool, total / workers));
        co_await aio::gather(std::move(tasks));
        out["pool"] = w.stop();
    }
    if (wanted("pipelined")) {
        stopwatch w;
        std::vector<aio::task<>> tasks;
        for (int k = 0; k < workers; ++k)
            tasks.push_back(shared_worker(db, total / workers));
        co_await aio::gather(std::move(tasks));
        out["pipelined"] = w.stop();
    }
    if (wanted("fetch")) {
        const int rows = static_cast<int>(1000000 * scale);
        stopwatch w;
        auto res =
            co_await db.fetch("SELECT i, 'name ' || i, now() FROM generate_series(1, $1) i", rows);
        long long sum = 0;
        std::chrono::system_clock::time_point last{};
        for (auto& r : res) {
            sum += r.get<int>(0) + static_cast<long long>(r.get<std::string_view>(1).size());
            last = r.get<std::chrono::system_clock::time_point>(2);
        }
        if (res.size() != static_cast<std::size_t>(rows) || sum <= 0 || last == decltype(last){})
            std::cerr << "fetch: unexpected result\n";
        out["fetch"] = w.stop();
    }
    co_return out;
}

figures
run_peer(const std::string& script, const std::string& dsn, double scale, std::string* why) {
    figures out;
    // Debian's interpreter, where python3-asyncpg and python3-psycopg are installed.
    const std::string cmd =
        "/usr/bin/python3 " + script + " '" + dsn + "' " + std::to_string(scale) + " 2>&1";
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) {
        *why = "popen failed";
        return out;
    }
    char line[4096];
    std::string all;
    while (std::fgets(line, sizeof line, p)) {
        all += line;
        try {
            auto j = nlohmann::json::parse(line);
            out[j.at("case").get<std::string>()] = {j.at("seconds").get<double>(),
                                                    j.at("cpu").get<double>()};
        } catch (...) {
        }
    }
    if (::pclose(p) != 0 || out.empty())
        *why = all.substr(0, 400);
    return out;
}

} // namespace

int main(int argc, char** argv) {
    std::string dsn;
    double scale = 1.0;
    bool peers = true;
    std::string only;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--dsn") && i + 1 < argc)
            dsn = argv[++i];
        else if (!std::strcmp(argv[i], "--scale") && i + 1 < argc)
            scale = std::atof(argv[++i]);
        else if (!std::strcmp(argv[i], "--no-peers"))
            peers = false;
        else if (!std::strcmp(argv[i], "--case") && i + 1 < argc)
            only = argv[++i], peers = false;
        else {
            std::cerr << "usage: pg_bench [--dsn DSN] [--scale S] [--no-peers] [--case NAME]\n";
            return 2;
        }
    }
    aio_test::pg_server server;
    if (dsn.empty()) {
        std::string why;
        if (!server.start(&why)) {
            std::cerr << "pg_bench: no throw-away server: " << why << "\n";
            return 1;
        }
        dsn = server.dsn();
    }
    std::map<std::string, figures> all;
    all["aio::pg"] = aio::run(run_ours(dsn, scale, only));
    if (peers) {
        for (auto [name, script] :
             {std::pair{"asyncpg", "peer_asyncpg.py"}, std::pair{"psycopg", "peer_psycopg.py"}}) {
            std::string why;
            auto f = run_peer(std::string(AIO_PG_BENCH_DIR) + "/" + script, dsn, scale, &why);
            if (!why.empty())
                std::cout << name << ": not run (" << why << ")\n";
            if (!f.empty())
                all[name] = f;
        }
    }
    std::printf("scale %.3g (sequential %d, pool %d, fetch %d rows)\n", scale,
                static_cast<int>(10000 * scale), static_cast<int>(100000 * scale),
                static_cast<int>(1000000 * scale));
    std::printf("%-11s %-9s %9s %9s  %s\n", "case", "driver", "wall s", "cpu s",
                "peer / aio::pg (wall, cpu)");
    for (const char* c : {"sequential", "pool", "pipelined", "fetch"}) {
        const auto& mine = all["aio::pg"];
        auto ours = mine.find(c);
        for (auto& [driver, f] : all) {
            auto it = f.find(c);
            if (it == f.end())
                continue;
            std::string ratio;
            if (driver != "aio::pg" && ours != mine.end()) {
                char buf[64];
                std::snprintf(buf, sizeof buf, "%.2fx wall, %.2fx cpu",
                              it->second.seconds / ours->second.seconds,
                              it->second.cpu / std::max(ours->second.cpu, 1e-6));
                ratio = buf;
            }
            std::printf("%-11s %-9s %9.3f %9.3f  %s\n", c, driver.c_str(), it->second.seconds,
                        it->second.cpu, ratio.c_str());
        }
    }
    std::printf("(peer / aio::pg: > 1 means aio::pg is faster or uses less client CPU)\n");
    return 0;
}
