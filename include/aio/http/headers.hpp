// HTTP header fields: `field` (a viewed name/value pair), `header_view` (the parser's
// zero-copy result) and `headers` (an owning list, what requests and responses carry).
// Lookup is ASCII case-insensitive everywhere (RFC 9110 §5.1).
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace aio::http {

namespace detail {
struct headers_access; // src/http: fills a headers object from already-validated fields
}

/// True if `a` and `b` are equal ignoring ASCII case (field names, tokens, schemes).
bool iequals(std::string_view a, std::string_view b) noexcept;

/// True if the comma-separated list `list` (a Connection, Upgrade or Transfer-Encoding value)
/// holds `token`, ignoring ASCII case and optional whitespace: has_token("keep-alive, Upgrade",
/// "upgrade") is true.
bool has_token(std::string_view list, std::string_view token) noexcept;

/// One field line, viewed: `name` as received (any case), `value` without the surrounding
/// whitespace. Both point into the buffer the parser was given.
struct field {
    std::string_view name;
    std::string_view value;
};

/// The fields of a parsed message head, in order, as views (what the parser returns). Cheap
/// to copy; it points into the parser's field array, whose views point into the caller's
/// buffer: valid until the parser is reset or parses again, and the caller keeps the bytes.
///
///     if (auto ct = head.headers.get("content-type")) use(*ct);
class header_view {
  public:
    header_view() noexcept = default;
    explicit header_view(std::span<const field> fields) noexcept : m_fields(fields) {}

    /// The value of the first field named `name` (any case), or nullopt.
    std::optional<std::string_view> get(std::string_view name) const noexcept;
    /// Every value of the fields named `name`, in order.
    std::vector<std::string_view> get_all(std::string_view name) const;
    bool contains(std::string_view name) const noexcept { return get(name).has_value(); }

    std::size_t size() const noexcept { return m_fields.size(); }
    bool empty() const noexcept { return m_fields.empty(); }
    const field& operator[](std::size_t i) const noexcept { return m_fields[i]; }
    auto begin() const noexcept { return m_fields.begin(); }
    auto end() const noexcept { return m_fields.end(); }

  private:
    std::span<const field> m_fields;
};

/// An owning, ordered list of header fields (duplicates allowed, as on the wire). What a
/// response carries once its head is parsed and what a request is built from. add() and set()
/// validate: a name must be a token and a value must not hold CR, LF, NUL or another control
/// character but HTAB, else they throw aio::http::invalid_header_error, so data from a user can
/// never inject a header line or split a message.
///
///     aio::http::headers h;
///     h.add("Accept", "text/html");
///     h.get("accept");           // "text/html"
class headers {
  public:
    struct entry {
        std::string name;
        std::string value;
    };

    headers() = default;
    /// Copies the parser's fields (already validated by it).
    explicit headers(header_view view);

    /// Appends a field line. Throws invalid_header_error (see the class comment).
    void add(std::string_view name, std::string_view value);
    /// Replaces every field named `name` by one with `value` (appended if there was none).
    void set(std::string_view name, std::string_view value);
    /// Removes every field named `name`; returns how many there were.
    std::size_t remove(std::string_view name);

    /// The value of the first field named `name` (any case), or nullopt.
    std::optional<std::string_view> get(std::string_view name) const noexcept;
    /// Every value of the fields named `name`, in order.
    std::vector<std::string_view> get_all(std::string_view name) const;
    bool contains(std::string_view name) const noexcept { return get(name).has_value(); }

    std::size_t size() const noexcept { return m_entries.size(); }
    bool empty() const noexcept { return m_entries.empty(); }
    const entry& operator[](std::size_t i) const noexcept { return m_entries[i]; }
    auto begin() const noexcept { return m_entries.begin(); }
    auto end() const noexcept { return m_entries.end(); }

  private:
    friend struct detail::headers_access;
    std::vector<entry> m_entries;
};

} // namespace aio::http
