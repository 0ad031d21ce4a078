// The gtest Environment that starts one throw-away PostgreSQL server per test executable
// and stops it at the end (support/pg_server.hpp).
#include "support/pg_server.hpp"

#include <gtest/gtest.h>

namespace aio_test {

namespace {

class pg_environment : public ::testing::Environment {
  public:
    void SetUp() override {
        if (!m_server.start(&m_why))
            m_failed = true;
    }
    void TearDown() override { m_server.stop(); }
    pg_server m_server;
    std::string m_why;
    bool m_failed = false;
};

pg_environment* g_env = nullptr;

// Registered before main() runs the tests (gtest_main's main calls RUN_ALL_TESTS).
const bool g_registered = [] {
    g_env = static_cast<pg_environment*>(::testing::AddGlobalTestEnvironment(new pg_environment));
    return true;
}();

} // namespace

pg_server* shared_pg_server(std::string* skip_reason) {
    (void)g_registered;
    if (!g_env || g_env->m_failed) {
        *skip_reason = g_env ? g_env->m_why : "no pg_environment";
        return nullptr;
    }
    return &g_env->m_server;
}

} // namespace aio_test
