// --report: one self-contained HTML page (a waterfall and a latency histogram, inline SVG);
// see writers.hpp.
#include "writers.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace aiocrawl {

namespace {

std::string escape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        default:
            out += c;
        }
    }
    return out;
}

std::string num(double v, int decimals = 1) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

const char* outcome_class(const fetch_record& r) {
    switch (r.kind) {
    case error_kind::none:
        return r.redirected_to ? "redir" : "ok";
    case error_kind::timeout:
        return "timeout";
    case error_kind::http_4xx:
        return "e4xx";
    default:
        return "err";
    }
}

std::string path_of(const std::string& url) {
    const std::size_t p = url.find('/', url.find("//") + 2);
    return p == std::string::npos ? url : url.substr(p);
}

constexpr const char* style = R"(
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;background:#fafafa}
h1{font-size:20px;margin:0 0 8px} h2{font-size:16px;margin:24px 0 8px}
pre.summary{background:#fff;border:1px solid #ddd;padding:12px;overflow:auto}
svg{background:#fff;border:1px solid #ddd}
.bar.ok{fill:#3b82f6}.bar.redir{fill:#8b5cf6}.bar.e4xx{fill:#f59e0b}.bar.err{fill:#dc2626}
.bar.timeout{fill:#6b7280}.bar:hover{stroke:#000;stroke-width:1}
.hist{fill:#10b981}.axis{stroke:#bbb;stroke-width:1}.tick{font-size:10px;fill:#666}
.label{font-size:8px;fill:#333;font-family:monospace}
.legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;vertical-align:middle}
)";

} // namespace

void write_report(const std::string& path,
                  const std::vector<fetch_record>& records_in,
                  clock::time_point origin,
                  const std::string& title,
                  const std::string& summary_text) {
    std::vector<const fetch_record*> records;
    for (const fetch_record& r : records_in)
        records.push_back(&r);
    std::stable_sort(
        records.begin(), records.end(),
        [](const fetch_record* a, const fetch_record* b) { return a->start < b->start; });
    auto ms_since = [&](clock::time_point t) {
        return std::chrono::duration<double, std::milli>(t - origin).count();
    };
    double total_ms = 1;
    for (const fetch_record* r : records)
        total_ms = std::max(total_ms, ms_since(r->end));

    std::string h = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>" +
                    escape(title) + "</title>\n<style>" + style + "</style></head>\n<body>\n";
    h += "<h1>" + escape(title) + "</h1>\n<pre class=\"summary\">" + escape(summary_text) +
         "</pre>\n";

    // The waterfall: one row per fetch, in start order, like a browser's network tab.
    const double label_w = 220, plot_w = 900, row_h = 9, top = 20;
    const double width = label_w + plot_w + 20;
    const double height = top + row_h * static_cast<double>(records.size()) + 10;
    h += "<h2>Waterfall: " + std::to_string(records.size()) +
         " fetches</h2>\n<p class=\"legend\">"
         "<span style=\"background:#3b82f6\"></span>ok<span "
         "style=\"background:#8b5cf6\"></span>redirected"
         "<span style=\"background:#f59e0b\"></span>4xx<span "
         "style=\"background:#dc2626\"></span>other error"
         "<span style=\"background:#6b7280\"></span>timeout</p>\n";
    h += "<svg id=\"waterfall\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(width, 0) +
         "\" height=\"" + num(height, 0) + "\">\n";
    const double step = total_ms > 20000  ? 5000
                        : total_ms > 5000 ? 1000
                        : total_ms > 1000 ? 250
                                          : 50;
    for (double t = 0; t <= total_ms; t += step) {
        const double x = label_w + plot_w * t / total_ms;
        h += "<line class=\"axis\" x1=\"" + num(x) + "\" y1=\"14\" x2=\"" + num(x) + "\" y2=\"" +
             num(height) + "\"/><text class=\"tick\" x=\"" + num(x + 2) + "\" y=\"11\">" +
             num(t / 1000.0, step < 1000 ? 2 : 0) + " s</text>\n";
    }
    double y = top;
    for (const fetch_record* r : records) {
        const double x = label_w + plot_w * ms_since(r->start) / total_ms;
        const double w = std::max(1.0, plot_w * r->ms() / total_ms);
        const std::string p = path_of(r->url);
        if (records.size() <= 400)
            h += "<text class=\"label\" x=\"4\" y=\"" + num(y + row_h - 0.5) + "\">" +
                 escape(p.size() > 40 ? p.substr(0, 39) + "…" : p) + "</text>";
        h += "<rect class=\"bar " + std::string(outcome_class(*r)) + "\" x=\"" + num(x) +
             "\" y=\"" + num(y) + "\" width=\"" + num(w) + "\" height=\"" + num(row_h - 1) +
             "\"><title>" + escape(r->url) + " — " +
             (r->status ? std::to_string(r->status) : std::string("no status")) + ", " +
             num(r->ms(), 0) + " ms, " + std::to_string(r->bytes) + " bytes" +
             (r->kind != error_kind::none ? ", " + escape(r->error) : std::string()) +
             "</title></rect>\n";
        y += row_h;
    }
    h += "</svg>\n";

    // The latency histogram: 30 equal buckets up to the slowest fetch.
    std::vector<double> lat;
    for (const fetch_record* r : records)
        lat.push_back(r->ms());
    const double max_ms =
        lat.empty() ? 1 : std::max(1.0, *std::max_element(lat.begin(), lat.end()));
    constexpr int buckets = 30;
    std::vector<int> count(buckets, 0);
    for (double v : lat)
        ++count[std::min(buckets - 1, static_cast<int>(v / max_ms * buckets))];
    const int peak = std::max(1, *std::max_element(count.begin(), count.end()));
    const double hw = 900, hh = 200, bw = hw / buckets;
    h += "<h2>Latency histogram (" + std::to_string(lat.size()) + " fetches, 0 to " +
         num(max_ms, 0) +
         " ms)</h2>\n<svg id=\"histogram\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
         num(hw + 60, 0) + "\" height=\"" + num(hh + 40, 0) + "\">\n";
    for (int i = 0; i < buckets; ++i) {
        const double bh = hh * count[i] / peak;
        const double x = 40 + i * bw;
        h += "<rect class=\"hist\" x=\"" + num(x + 1) + "\" y=\"" + num(10 + hh - bh) +
             "\" width=\"" + num(bw - 2) + "\" height=\"" + num(bh) + "\"><title>" +
             num(max_ms * i / buckets, 0) + "–" + num(max_ms * (i + 1) / buckets, 0) +
             " ms: " + std::to_string(count[i]) + "</title></rect>\n";
        if (i % 5 == 0)
            h += "<text class=\"tick\" x=\"" + num(x) + "\" y=\"" + num(hh + 25) + "\">" +
                 num(max_ms * i / buckets, 0) + " ms</text>\n";
    }
    h += "<line class=\"axis\" x1=\"40\" y1=\"" + num(10 + hh) + "\" x2=\"" + num(40 + hw) +
         "\" y2=\"" + num(10 + hh) + "\"/><text class=\"tick\" x=\"2\" y=\"18\">" +
         std::to_string(peak) + "</text>\n</svg>\n";
    // Counts the bars the browser laid out (a width on screen), for the page's own check and
    // the Chromium test: <body data-rendered-bars="N">.
    h += "<script>document.body.dataset.renderedBars = Array.from("
         "document.querySelectorAll('#waterfall rect.bar')).filter(function (r) {"
         " return r.getBoundingClientRect().width > 0; }).length;</script>\n";
    h += "</body></html>\n";
    write_text_file(path, h);
}

} // namespace aiocrawl
