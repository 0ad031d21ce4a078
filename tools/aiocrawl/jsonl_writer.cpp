// --out (JSONL) and the shared file helper; see writers.hpp.
#include "writers.hpp"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace aiocrawl {

std::string jsonl_row(const fetch_record& r) {
    nlohmann::ordered_json j;
    j["url"] = r.url;
    j["status"] = r.status;
    j["bytes"] = r.bytes;
    j["ms"] = std::round(r.ms() * 10.0) / 10.0;
    j["depth"] = r.depth;
    j["links"] = r.links;
    j["error"] = r.kind == error_kind::none ? nlohmann::ordered_json(nullptr)
                                            : nlohmann::ordered_json(r.error);
    j["error_kind"] = r.kind == error_kind::none
                          ? nlohmann::ordered_json(nullptr)
                          : nlohmann::ordered_json(std::string(kind_name(r.kind)));
    j["content_type"] = r.content_type;
    if (r.redirected_to)
        j["redirected_to"] = *r.redirected_to;
    // Error messages quote what a server sent; replace bytes that are not UTF-8 instead of
    // throwing (nlohmann's default).
    return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

jsonl_writer::jsonl_writer(const std::string& path) : m_file(std::fopen(path.c_str(), "we")) {
    if (m_file == nullptr)
        throw std::runtime_error("cannot write " + path + ": " + std::strerror(errno));
}

jsonl_writer::~jsonl_writer() {
    close();
}

void jsonl_writer::write(const fetch_record& r) {
    if (m_file == nullptr)
        return;
    const std::string row = jsonl_row(r) + "\n";
    std::fwrite(row.data(), 1, row.size(), m_file);
    std::fflush(m_file); // a row is complete on disk once its fetch is: Ctrl-C loses nothing
}

void jsonl_writer::close() {
    if (m_file != nullptr) {
        std::fclose(m_file);
        m_file = nullptr;
    }
}

void write_text_file(const std::string& path, const std::string& text) {
    std::FILE* f = std::fopen(path.c_str(), "we");
    if (f == nullptr)
        throw std::runtime_error("cannot write " + path + ": " + std::strerror(errno));
    const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
    if (std::fclose(f) != 0 || !ok)
        throw std::runtime_error("cannot write " + path + ": " + std::strerror(errno));
}

} // namespace aiocrawl
