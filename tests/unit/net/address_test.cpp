#include "net/connect_order.hpp"

#include <aio/net.hpp>

#include <vector>

#include <gtest/gtest.h>

using aio::net::address;
using aio::net::address_family;

TEST(address, parses_and_prints_ipv4) {
    auto a = address::parse("127.0.0.1:8080");
    EXPECT_EQ(a.family(), address_family::ipv4);
    EXPECT_EQ(a.port(), 8080);
    EXPECT_EQ(a.host(), "127.0.0.1");
    EXPECT_EQ(a.to_string(), "127.0.0.1:8080");
    EXPECT_TRUE(a.is_loopback());
    EXPECT_EQ(a, address::parse("127.0.0.1", 8080));
}

TEST(address, parses_and_prints_ipv6) {
    auto a = address::parse("[::1]:443");
    EXPECT_EQ(a.family(), address_family::ipv6);
    EXPECT_EQ(a.port(), 443);
    EXPECT_EQ(a.to_string(), "[::1]:443");
    EXPECT_EQ(address::parse("::1", 443), a);
    EXPECT_EQ(address::parse("2001:db8::1", 1).to_string(), "[2001:db8::1]:1");
    EXPECT_EQ(a.with_port(9).port(), 9);
}

TEST(address, unix_paths) {
    auto u = address::unix_domain("/tmp/x.sock");
    EXPECT_EQ(u.family(), address_family::unix_domain);
    EXPECT_EQ(u.port(), 0);
    EXPECT_EQ(u.host(), "/tmp/x.sock");
    EXPECT_EQ(u.to_string(), "unix:/tmp/x.sock");
    EXPECT_EQ(address::parse("unix:/tmp/x.sock"), u);
    EXPECT_EQ(address::unix_domain(std::string("\0abs", 4)).to_string(), "unix:@abs");
    EXPECT_THROW(address::unix_domain(std::string(200, 'p')), aio::net::invalid_argument_error);
}

TEST(address, rejects_bad_input_with_a_message) {
    for (const char* bad : {"127.0.0.1", "127.0.0.1:", "127.0.0.1:99999", "1.2.3:80", "[::1:80",
                            "::1:80", "host.example:80", ""}) {
        try {
            address::parse(bad);
            ADD_FAILURE() << "accepted " << bad;
        } catch (const aio::net::invalid_argument_error& e) {
            EXPECT_NE(std::string(e.what()).find("aio::net::address::parse"), std::string::npos);
        }
    }
    EXPECT_THROW(address::parse("localhost", 80), aio::net::invalid_argument_error);
    address out;
    EXPECT_FALSE(address::try_parse("nope", 1, out));
}

TEST(address, default_is_unspecified) {
    address a;
    EXPECT_EQ(a.family(), address_family::unspecified);
    EXPECT_EQ(a.to_string(), "<unspecified>");
    EXPECT_FALSE(a.is_ip());
}

TEST(connect_order, alternates_families_starting_with_the_first_resolved) {
    using aio::net::detail::interleave;
    const address v6a = address::parse("::1", 1), v6b = address::parse("fe80::1", 2),
                  v6c = address::parse("2001:db8::1", 3);
    const address v4a = address::parse("127.0.0.1", 4), v4b = address::parse("10.0.0.1", 5);
    EXPECT_EQ(interleave({v6a, v6b, v6c, v4a, v4b}),
              (std::vector<address>{v6a, v4a, v6b, v4b, v6c}));
    EXPECT_EQ(interleave({v4a, v6a, v4b, v6b}), (std::vector<address>{v4a, v6a, v4b, v6b}));
    EXPECT_EQ(interleave({v4a, v4b, v6a}), (std::vector<address>{v4a, v6a, v4b}));
    EXPECT_EQ(interleave({v4b, v4a}), (std::vector<address>{v4b, v4a})); // one family: as is
    EXPECT_TRUE(interleave({}).empty());
}
