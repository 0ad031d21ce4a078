// House rule (docs/design/core.md): options passed as designated initializers inside a
// co_await hold only trivially destructible members, because GCC 12 double-destroys
// owning members of such temporaries.
#include <aio/net.hpp>
#include <aio/os.hpp>

#include <type_traits>

#include <gtest/gtest.h>

static_assert(std::is_trivially_destructible_v<aio::net::connect_options>);
static_assert(std::is_trivially_destructible_v<aio::net::server_options>);
static_assert(std::is_trivially_destructible_v<aio::net::stream_options>);
static_assert(std::is_trivially_destructible_v<aio::net::datagram_options>);
static_assert(std::is_trivially_destructible_v<aio::subprocess_options>);

TEST(options, are_trivially_destructible_so_braced_temporaries_survive_gcc_12) {
    SUCCEED(); // the static_asserts above are the test
}
