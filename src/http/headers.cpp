#include "http/syntax.hpp"

#include <aio/http/errors.hpp>
#include <aio/http/headers.hpp>

#include <algorithm>

namespace aio::http {

namespace {
char lower(char c) noexcept {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c | 0x20) : c;
}

void check_field(std::string_view name, std::string_view value) {
    if (!detail::is_token(name))
        throw invalid_header_error("aio: invalid header name \"" + std::string(name) +
                                   "\": not a token");
    for (char c : value)
        if (!detail::is(c, detail::c_value))
            throw invalid_header_error("aio: invalid value for header \"" + std::string(name) +
                                       "\": control character (CR, LF, NUL ...)");
}
} // namespace

bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i]))
            return false;
    return true;
}

bool has_token(std::string_view list, std::string_view token) noexcept {
    while (!list.empty()) {
        std::size_t e = list.find(',');
        std::string_view elem = list.substr(0, e);
        while (!elem.empty() && detail::is_ows(elem.front()))
            elem.remove_prefix(1);
        while (!elem.empty() && detail::is_ows(elem.back()))
            elem.remove_suffix(1);
        if (iequals(elem, token))
            return true;
        if (e == std::string_view::npos)
            break;
        list.remove_prefix(e + 1);
    }
    return false;
}

std::optional<std::string_view> header_view::get(std::string_view name) const noexcept {
    for (const field& f : m_fields)
        if (iequals(f.name, name))
            return f.value;
    return std::nullopt;
}

std::vector<std::string_view> header_view::get_all(std::string_view name) const {
    std::vector<std::string_view> out;
    for (const field& f : m_fields)
        if (iequals(f.name, name))
            out.push_back(f.value);
    return out;
}

headers::headers(header_view view) {
    m_entries.reserve(view.size());
    for (const field& f : view)
        m_entries.push_back({std::string(f.name), std::string(f.value)});
}

void headers::add(std::string_view name, std::string_view value) {
    check_field(name, value);
    m_entries.push_back({std::string(name), std::string(value)});
}

void headers::set(std::string_view name, std::string_view value) {
    check_field(name, value);
    auto it = std::find_if(m_entries.begin(), m_entries.end(),
                           [&](const entry& e) { return iequals(e.name, name); });
    if (it == m_entries.end()) {
        m_entries.push_back({std::string(name), std::string(value)});
        return;
    }
    it->value = std::string(value);
    ++it;
    m_entries.erase(
        std::remove_if(it, m_entries.end(), [&](const entry& e) { return iequals(e.name, name); }),
        m_entries.end());
}

std::size_t headers::remove(std::string_view name) {
    auto it = std::remove_if(m_entries.begin(), m_entries.end(),
                             [&](const entry& e) { return iequals(e.name, name); });
    std::size_t n = static_cast<std::size_t>(m_entries.end() - it);
    m_entries.erase(it, m_entries.end());
    return n;
}

std::optional<std::string_view> headers::get(std::string_view name) const noexcept {
    for (const entry& e : m_entries)
        if (iequals(e.name, name))
            return std::string_view(e.value);
    return std::nullopt;
}

std::vector<std::string_view> headers::get_all(std::string_view name) const {
    std::vector<std::string_view> out;
    for (const entry& e : m_entries)
        if (iequals(e.name, name))
            out.push_back(e.value);
    return out;
}

} // namespace aio::http
