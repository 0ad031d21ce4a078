// Internal to src/http: filling an aio::http::headers without validating again, for fields
// that are valid already (the parser's, or literals of the library's own).
#pragma once

#include <aio/http/headers.hpp>

namespace aio::http::detail {

struct headers_access {
    /// Appends a field known to be valid (a literal of the library's; not user data).
    static void append_valid(headers& h, std::string_view name, std::string_view value) {
        h.m_entries.push_back({std::string(name), std::string(value)});
    }

    /// Replaces the fields of `h` by the parser's (validated by it), reusing the storage
    /// `h` already has: a recycled object costs no allocation for short fields.
    static void assign_parsed(headers& h, header_view view) {
        auto& e = h.m_entries;
        const std::size_t n = view.size();
        if (e.size() > n)
            e.resize(n);
        for (std::size_t i = 0; i < n; ++i) {
            if (i < e.size()) {
                e[i].name.assign(view[i].name);
                e[i].value.assign(view[i].value);
            } else {
                e.push_back({std::string(view[i].name), std::string(view[i].value)});
            }
        }
    }
};

} // namespace aio::http::detail
