// aio::pg: PostgreSQL over libpq's non-blocking API (docs/guide/pg.md).
#pragma once

#include <aio/pg/connection.hpp>
#include <aio/pg/errors.hpp>
#include <aio/pg/json.hpp>
#include <aio/pg/params.hpp>
#include <aio/pg/pool.hpp>
#include <aio/pg/row.hpp>
