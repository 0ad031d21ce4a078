// aio::pg's exceptions: a server error with its SQLSTATE, a lost connection, a value that
// does not decode into the type asked for.
#pragma once

#include <aio/core/error.hpp>

#include <string>

namespace aio::pg {

/// An error reported by PostgreSQL or by the driver. what() is
/// "aio::pg: <message> (SQLSTATE <code>)[: <detail>] in query: <query>"; the parts are
/// available one by one. Errors the server reports carry their five-character SQLSTATE
/// (https://www.postgresql.org/docs/15/errcodes-appendix.html); the driver's own errors
/// (a NULL read into a non-optional, a closed connection) have an empty one.
///
///     try { co_await db.execute("INSERT INTO users(name) VALUES ($1)", "ann"); }
///     catch (const aio::pg::unique_violation& e) { /* e.detail(): Key (name)=(ann) ... */ }
class error : public aio::error {
  public:
    error(std::string message,
          std::string sqlstate = {},
          std::string detail = {},
          std::string hint = {},
          std::string query = {});
    /// The primary message, e.g. `relation "nowhere" does not exist`.
    const std::string& message() const noexcept { return m_message; }
    /// The SQLSTATE code ("23505"), empty for the driver's own errors.
    const std::string& sqlstate() const noexcept { return m_sqlstate; }
    /// The server's DETAIL line, if any.
    const std::string& detail() const noexcept { return m_detail; }
    /// The server's HINT line, if any.
    const std::string& hint() const noexcept { return m_hint; }
    /// The SQL text of the query that failed (empty when no query was involved).
    const std::string& query() const noexcept { return m_query; }
    /// SQLSTATE 23505 (a UNIQUE or PRIMARY KEY constraint).
    bool is_unique_violation() const noexcept { return m_sqlstate == "23505"; }
    /// SQLSTATE 23503 (a FOREIGN KEY constraint).
    bool is_foreign_key_violation() const noexcept { return m_sqlstate == "23503"; }
    /// SQLSTATE 57014: cancelled by statement_timeout or by a cancel request.
    bool is_query_canceled() const noexcept { return m_sqlstate == "57014"; }

  private:
    std::string m_message, m_sqlstate, m_detail, m_hint, m_query;
};

/// SQLSTATE 23505: a row would duplicate a UNIQUE or PRIMARY KEY value.
class unique_violation : public error {
  public:
    using error::error;
};

/// SQLSTATE 23503: a row refers to a missing row, or is still referred to.
class foreign_key_violation : public error {
  public:
    using error::error;
};

/// The connection could not be made or is lost (refused, authentication failed, the
/// server shut down or terminated the backend: SQLSTATE class 08, 57P01-57P03, or none).
/// A connection that threw it is closed; a pool replaces it.
class connection_error : public error {
  public:
    using error::error;
};

/// A value cannot be read as the C++ type asked for (a NULL into a non-optional, an int8
/// that does not fit an int, a type the driver does not decode). The message names the
/// column.
class decode_error : public error {
  public:
    using error::error;
};

} // namespace aio::pg
