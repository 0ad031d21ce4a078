// server::access_log's line (aiohttp's default AccessLogger format plus the time taken).
#include "http/server_state.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace aio::http::detail {

std::string access_log_line(std::string_view peer,
                            const request& req,
                            int status,
                            std::uint64_t body_bytes,
                            double seconds) {
    static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    ::gmtime_r(&now, &tm);
    char when[40];
    std::snprintf(when, sizeof when, "[%02d/%s/%04d:%02d:%02d:%02d +0000]", tm.tm_mday,
                  months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    auto field = [&req](std::string_view name) {
        auto v = req.headers.get(name);
        return v && !v->empty() ? std::string(*v) : std::string("-");
    };
    std::string line;
    line.reserve(160);
    line += peer;
    line += ' ';
    line += when;
    line += " \"";
    line += req.method;
    line += ' ';
    line += req.target;
    line += " HTTP/1.";
    line += static_cast<char>('0' + req.version.minor);
    line += "\" ";
    line += std::to_string(status);
    line += ' ';
    line += std::to_string(body_bytes);
    line += " \"";
    line += field("referer");
    line += "\" \"";
    line += field("user-agent");
    line += "\" ";
    char secs[32];
    std::snprintf(secs, sizeof secs, "%.6fs", seconds);
    line += secs;
    return line;
}

} // namespace aio::http::detail
