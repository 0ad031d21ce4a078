// The fixture of the pg tests: the executable's throw-away server (support/pg_server.hpp),
// skipped with the reason when none could start.
#pragma once

#include "support/helpers.hpp"
#include "support/pg_server.hpp"

#include <aio/pg.hpp>

#include <gtest/gtest.h>

/// ASSERT_TRUE inside a coroutine (gtest's `return;` is not allowed there): records the
/// failure and leaves the coroutine.
#define AIO_CO_ASSERT(cond)                                                                        \
    if (!(cond)) {                                                                                 \
        ADD_FAILURE() << "assertion failed: " #cond;                                               \
        co_return;                                                                                 \
    }

class pg_fixture : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string why;
        m_server = aio_test::shared_pg_server(&why);
        if (!m_server)
            GTEST_SKIP() << "no PostgreSQL server: " << why;
        m_dsn = m_server->dsn();
    }
    aio_test::pg_server* m_server = nullptr;
    std::string m_dsn;
};

using pg_connection = pg_fixture;
using pg_types = pg_fixture;
using pg_errors = pg_fixture;
using pg_transaction = pg_fixture;
using pg_listen = pg_fixture;
using pg_copy = pg_fixture;
using pg_pool = pg_fixture;
using pg_faults = pg_fixture;
