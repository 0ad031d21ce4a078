// --trace: the Chrome trace of every fetch; see writers.hpp.
#include "writers.hpp"

#include <set>

#include <nlohmann/json.hpp>

namespace aiocrawl {

void write_trace(const std::string& path,
                 const std::vector<fetch_record>& records,
                 clock::time_point origin) {
    using nlohmann::json;
    auto us = [&](clock::time_point t) {
        return std::chrono::duration<double, std::micro>(t - origin).count();
    };
    json events = json::array();
    std::set<int> slots;
    for (const fetch_record& r : records) {
        slots.insert(r.slot);
        json args = {{"url", r.url}, {"status", r.status}, {"bytes", r.bytes}, {"depth", r.depth}};
        if (r.kind != error_kind::none)
            args["error"] = r.error;
        if (r.redirected_to)
            args["redirected_to"] = *r.redirected_to;
        const std::string target =
            r.url.substr(std::min(r.url.size(), r.url.find('/', r.url.find("//") + 2)));
        events.push_back({{"name", target.empty() ? r.url : target},
                          {"cat", r.kind == error_kind::none ? "fetch" : "fetch,error"},
                          {"ph", "X"},
                          {"ts", us(r.start)},
                          {"dur", us(r.end) - us(r.start)},
                          {"pid", 1},
                          {"tid", r.slot},
                          {"args", std::move(args)}});
    }
    for (int s : slots)
        events.push_back({{"name", "thread_name"},
                          {"ph", "M"},
                          {"pid", 1},
                          {"tid", s},
                          {"args", {{"name", "fetch slot " + std::to_string(s)}}}});
    events.push_back(
        {{"name", "process_name"}, {"ph", "M"}, {"pid", 1}, {"args", {{"name", "aiocrawl"}}}});
    json doc = {{"traceEvents", std::move(events)}, {"displayTimeUnit", "ms"}};
    write_text_file(path, doc.dump(-1, ' ', false, json::error_handler_t::replace) + "\n");
}

} // namespace aiocrawl
