// json and jsonb values as nlohmann::json, both ways.
#pragma once

#include <aio/pg/params.hpp>
#include <aio/pg/row.hpp>

#include <nlohmann/json.hpp>

namespace aio::pg {

namespace detail {
/// The JSON text of a json or jsonb field (jsonb's binary form is a version byte and the
/// text); decode_error for other types.
std::string_view json_text(const field& f);
} // namespace detail

/// nlohmann::json parameters are sent as text of unknown type: the server makes them json
/// or jsonb from the context (cast with $1::jsonb where it cannot tell).
template <> struct encoder<nlohmann::json> {
    static void encode(detail::params& p, const nlohmann::json& j) { p.add_text(j.dump()); }
};

/// json and jsonb columns read as nlohmann::json (nlohmann::json::parse_error on bad JSON,
/// which the server never sends).
template <> struct decoder<nlohmann::json> {
    static nlohmann::json decode(const field& f) {
        return nlohmann::json::parse(detail::json_text(f));
    }
};

} // namespace aio::pg
