// aiocrawl's output files: the JSONL written as fetches finish, and the Chrome trace and the
// HTML report written at the end from every record.
#pragma once

#include "fetch_record.hpp"

#include <cstdio>
#include <string>
#include <vector>

namespace aiocrawl {

/// --out: one JSON object per finished fetch, one per line, written (and flushed) as each
/// fetch finishes, so a crawl cut short still leaves every finished row. Fields: url,
/// status, bytes, ms, depth, links, error (null or a message), error_kind (null or a
/// kind_name()), content_type, and redirected_to when redirects were followed.
class jsonl_writer {
  public:
    /// Opens (truncates) `path`; throws std::runtime_error naming the file and errno's text.
    explicit jsonl_writer(const std::string& path);
    ~jsonl_writer();
    jsonl_writer(const jsonl_writer&) = delete;
    jsonl_writer& operator=(const jsonl_writer&) = delete;
    void write(const fetch_record& r);
    void close();

  private:
    std::FILE* m_file = nullptr;
};

/// One record as the JSON text of its JSONL row (no newline).
std::string jsonl_row(const fetch_record& r);

/// --trace: a Chrome trace (chrome://tracing, Perfetto): one complete ("X") event per fetch
/// on the row (tid) of the fetch slot that ran it, times in microseconds from `origin`, with
/// the URL's status, bytes, depth and error as args; plus a name for each row.
void write_trace(const std::string& path,
                 const std::vector<fetch_record>& records,
                 clock::time_point origin);

/// --report: one self-contained HTML page (inline CSS, SVG and one line of script; no
/// network): the summary, a waterfall with one bar (an SVG rect of class "bar", its URL,
/// status and time as a tooltip) per fetch in start order, coloured by outcome, and a
/// histogram of latencies. The script only counts the bars laid out (body's
/// data-rendered-bars); the page reads the same without it.
void write_report(const std::string& path,
                  const std::vector<fetch_record>& records,
                  clock::time_point origin,
                  const std::string& title,
                  const std::string& summary_text);

/// Writes `text` to `path` whole; throws std::runtime_error naming the file.
void write_text_file(const std::string& path, const std::string& text);

} // namespace aiocrawl
