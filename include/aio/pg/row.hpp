// Query results: aio::pg::result (the rows of one query), row, field, and the decoders
// that turn a field into a C++ value.
#pragma once

#include <aio/pg/errors.hpp>
#include <aio/pg/params.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aio::pg {

namespace detail {
struct result_data; // owns a PGresult (src/pg/result.cpp)
}

/// One value of a row, as the server sent it: its bytes (binary format for the queries of
/// fetch/fetchrow/fetchval), its type OID, NULL or not. Valid while its row lives.
class field {
  public:
    field(const char* data,
          int len,
          unsigned oid,
          bool binary,
          bool null,
          int column,
          const detail::result_data* res) noexcept
        : m_data(data), m_len(len), m_oid(oid), m_binary(binary), m_null(null), m_column(column),
          m_res(res) {}
    std::string_view bytes() const noexcept { return {m_data, static_cast<std::size_t>(m_len)}; }
    unsigned type_oid() const noexcept { return m_oid; }
    bool binary() const noexcept { return m_binary; }
    bool is_null() const noexcept { return m_null; }
    int column() const noexcept { return m_column; }
    /// The column's name (for messages: `'id' (column 0)`).
    std::string_view name() const noexcept;
    /// "column 'id' (0, int4)": how error messages name this field.
    std::string describe() const;

    /// The value as T; NULL only into std::optional (else aio::pg::decode_error).
    template <class T> T as() const;

  private:
    const char* m_data;
    int m_len;
    unsigned m_oid;
    bool m_binary;
    bool m_null;
    int m_column;
    const detail::result_data* m_res;
};

/// Customisation point: specialise with `static T decode(const field&)` (never called for
/// NULL) to read your own types. Provided: bool, the integers (int16/32/64: any integer
/// column that fits), float, double (also from integer and numeric columns), std::string
/// (any type the driver knows, as PostgreSQL would print it; numeric exactly),
/// std::string_view (text-like columns, valid while the row lives), aio::pg::bytes
/// (bytea), std::chrono::system_clock::time_point (timestamptz, timestamp read as UTC),
/// std::chrono::sys_days (date); nlohmann::json with <aio/pg/json.hpp>.
template <class T> struct decoder;

#define AIO_PG_DECODER(T)                                                                          \
    template <> struct decoder<T> { static T decode(const field& f); }
AIO_PG_DECODER(bool);
AIO_PG_DECODER(short);
AIO_PG_DECODER(int);
AIO_PG_DECODER(long);
AIO_PG_DECODER(long long);
AIO_PG_DECODER(float);
AIO_PG_DECODER(double);
AIO_PG_DECODER(std::string);
AIO_PG_DECODER(std::string_view);
AIO_PG_DECODER(bytes);
AIO_PG_DECODER(std::chrono::system_clock::time_point);
AIO_PG_DECODER(std::chrono::sys_days);
#undef AIO_PG_DECODER

namespace detail {
[[noreturn]] void throw_null(const field& f);
}

template <class T> T field::as() const {
    if constexpr (detail::is_optional<T>::value) {
        if (m_null)
            return std::nullopt;
        return T(decoder<typename T::value_type>::decode(*this));
    } else {
        if (m_null)
            detail::throw_null(*this);
        return decoder<T>::decode(*this);
    }
}

/// One row of a result. Shares ownership of the result's data, so it may outlive the
/// aio::pg::result it came from. Columns by index (from 0) or by name.
///
///     int id = row.get<int>("id");  std::string name = row.get<std::string>(1);
///     std::optional<std::string> email = row.get<std::optional<std::string>>("email");
class row {
  public:
    row(std::shared_ptr<const detail::result_data> res, int index) noexcept
        : m_res(std::move(res)), m_row(index) {}
    /// The value of column `col` as T (aio::pg::decode_error if it does not fit, or is NULL
    /// and T is not std::optional; std::out_of_range for a bad index or name).
    template <class T> T get(int col) const { return at(col).as<T>(); }
    template <class T> T get(std::string_view name) const { return at(name).as<T>(); }
    field at(int col) const;
    field at(std::string_view name) const;
    field operator[](int col) const { return at(col); }
    field operator[](std::string_view name) const { return at(name); }
    bool is_null(int col) const { return at(col).is_null(); }
    int size() const noexcept;

  private:
    std::shared_ptr<const detail::result_data> m_res;
    int m_row;
};

/// The rows a query returned, in order, and its command tag. A range of rows:
///
///     auto rows = co_await db.fetch("SELECT id, name FROM users");
///     for (auto& row : rows) use(row.get<int>(0), row.get<std::string>("name"));
class result {
  public:
    result() = default;
    explicit result(std::shared_ptr<const detail::result_data> res);
    using iterator = std::vector<row>::const_iterator;
    iterator begin() const noexcept { return m_rows.begin(); }
    iterator end() const noexcept { return m_rows.end(); }
    std::size_t size() const noexcept { return m_rows.size(); }
    bool empty() const noexcept { return m_rows.empty(); }
    const row& operator[](std::size_t i) const { return m_rows.at(i); }
    /// Number of columns, and their names.
    int columns() const noexcept;
    std::string_view column_name(int col) const;
    /// The command tag, e.g. "SELECT 3", "INSERT 0 1".
    std::string_view command_tag() const noexcept;
    /// Rows affected by INSERT/UPDATE/DELETE/SELECT/COPY... (0 when the tag has no count).
    std::uint64_t affected() const noexcept;

  private:
    std::shared_ptr<const detail::result_data> m_res;
    std::vector<row> m_rows;
};

} // namespace aio::pg
