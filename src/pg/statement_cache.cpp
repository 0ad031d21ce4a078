// The prepared-statement cache (statement_cache.hpp).
#include "pg/statement_cache.hpp"

#include <algorithm>

namespace aio::pg::detail {

statement_cache::lookup statement_cache::get(std::string_view key) {
    if (m_capacity == 0)
        return {};
    if (auto it = m_index.find(key); it != m_index.end()) {
        m_entries.splice(m_entries.begin(), m_entries, it->second);
        return {&it->second->name, false};
    }
    if (m_entries.size() >= m_capacity) {
        auto& last = m_entries.back();
        m_index.erase(last.key);
        m_evicted.push_back(std::move(last.name));
        m_entries.pop_back();
    }
    m_entries.push_front(entry{std::string(key), "aio_" + std::to_string(m_next++)});
    // The map's key views the list node's string, which never moves (std::list).
    m_index.emplace(m_entries.front().key, m_entries.begin());
    return {&m_entries.front().name, true};
}

void statement_cache::forget(std::string_view name, bool prepared) {
    auto it = std::find_if(m_entries.begin(), m_entries.end(),
                           [&](const entry& e) { return e.name == name; });
    if (it == m_entries.end())
        return;
    m_index.erase(it->key);
    if (prepared)
        m_evicted.push_back(std::move(it->name));
    m_entries.erase(it);
}

} // namespace aio::pg::detail
