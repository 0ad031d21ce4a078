// The per-connection cache of prepared statements: (SQL text + parameter type OIDs) ->
// server-side name (aio_<n>), bounded, least recently used evicted first (asyncpg's
// statement_cache_size). Evicted and invalidated names are collected for the connection to
// DEALLOCATE on the server, pipelined in front of its next query (docs/design/pg.md).
#pragma once

#include <cstdint>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace aio::pg::detail {

class statement_cache {
  public:
    explicit statement_cache(std::uint32_t capacity) noexcept : m_capacity(capacity) {}

    struct lookup {
        const std::string* name = nullptr; // nullptr: use the unnamed statement
        bool prepare = false;              // new entry: send its Parse first
    };
    /// The statement for `key`: a hit becomes the most recently used; a miss makes a new
    /// entry (evicting the least recently used one when full). Capacity 0: never cached.
    lookup get(std::string_view key);
    /// Forgets the entry named `name` (its Parse failed, or its plan went stale); a
    /// prepared one is queued for DEALLOCATE. Unknown names are ignored.
    void forget(std::string_view name, bool prepared);
    /// Names to DEALLOCATE on the server, oldest first.
    std::vector<std::string>& evicted() noexcept { return m_evicted; }
    std::size_t size() const noexcept { return m_entries.size(); }
    std::uint32_t capacity() const noexcept { return m_capacity; }

  private:
    struct entry {
        std::string key;
        std::string name;
    };
    std::uint32_t m_capacity;
    unsigned m_next = 0;
    std::list<entry> m_entries; // most recently used first
    std::unordered_map<std::string_view, std::list<entry>::iterator> m_index; // views of keys
    std::vector<std::string> m_evicted;
};

} // namespace aio::pg::detail
