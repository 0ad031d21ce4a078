#include <aio/pg/errors.hpp>

namespace aio::pg {

namespace {
std::string compose(const std::string& message,
                    const std::string& sqlstate,
                    const std::string& detail,
                    const std::string& query) {
    std::string w = "aio::pg: " + message;
    if (!sqlstate.empty())
        w += " (SQLSTATE " + sqlstate + ")";
    if (!detail.empty())
        w += ": " + detail;
    if (!query.empty())
        w += " in query: " + query;
    return w;
}
std::string strip(std::string m) {
    if (m.rfind("aio::pg: ", 0) == 0)
        m.erase(0, 9);
    return m;
}
} // namespace

error::error(std::string message,
             std::string sqlstate,
             std::string detail,
             std::string hint,
             std::string query)
    : aio::error(compose(strip(message), sqlstate, detail, query)),
      m_message(strip(std::move(message))), m_sqlstate(std::move(sqlstate)),
      m_detail(std::move(detail)), m_hint(std::move(hint)), m_query(std::move(query)) {}

} // namespace aio::pg
