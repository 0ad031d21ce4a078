#include <aio/core.hpp>
#include <aio/net.hpp>

#include <gtest/gtest.h>
#include <string>

using aio::task;
using aio::net::address;

TEST(resolve, numeric_hosts_skip_dns) {
    aio::run([]() -> task<> {
        auto v4 = co_await aio::net::resolve("127.0.0.1", 80);
        EXPECT_EQ(v4.size(), 1u);
        EXPECT_EQ(v4.at(0).to_string(), "127.0.0.1:80");
        auto v6 = co_await aio::net::resolve("::1", 443);
        EXPECT_EQ(v6.at(0).to_string(), "[::1]:443");
        auto br = co_await aio::net::resolve("[::1]", 1);
        EXPECT_EQ(br.at(0).family(), aio::net::address_family::ipv6);
    }());
}

TEST(resolve, localhost_comes_from_hosts_file_with_port) {
    aio::run([]() -> task<> {
        auto addrs = co_await aio::net::resolve("localhost", 8080);
        EXPECT_FALSE(addrs.empty());
        for (const auto& a : addrs) {
            EXPECT_TRUE(a.is_loopback()) << a.to_string();
            EXPECT_EQ(a.port(), 8080);
        }
        auto v4 = co_await aio::net::resolve("localhost", 1, aio::net::address_family::ipv4);
        for (const auto& a : v4) EXPECT_EQ(a.family(), aio::net::address_family::ipv4);
    }());
}

TEST(resolve, invalid_tld_fails_with_dns_error_naming_the_host) {
    aio::run([]() -> task<> {
        try {
            co_await aio::net::resolve("no-such-host.invalid", 80);
            ADD_FAILURE() << "no exception";
        } catch (const aio::net::dns_error& e) {
            EXPECT_EQ(e.host(), "no-such-host.invalid");
            EXPECT_NE(std::string(e.what()).find("no-such-host.invalid"), std::string::npos);
            EXPECT_EQ(e.code().category(), aio::net::dns_category());
        }
    }());
}

TEST(resolve, open_connection_to_unresolvable_host_throws_dns_error) {
    aio::run([]() -> task<> {
        EXPECT_THROW(co_await aio::net::open_connection("aio-test.invalid", 80),
                     aio::net::dns_error);
    }());
}

TEST(resolve, empty_host_is_bad_input) {
    aio::run([]() -> task<> {
        EXPECT_THROW(co_await aio::net::resolve("", 80), aio::net::invalid_argument_error);
    }());
}

TEST(resolve, hosts_file_names_resolve_through_c_ares) {
    // Any name of /etc/hosts other than localhost exercises the c-ares path ("fb" lookups).
    aio::run([]() -> task<> {
        std::string name;
        if (FILE* f = std::fopen("/etc/hosts", "r")) {
            char line[512];
            while (name.empty() && std::fgets(line, sizeof line, f)) {
                char ip[128], host[256];
                if (line[0] != '#' && std::sscanf(line, "%127s %255s", ip, host) == 2 &&
                    std::string(ip).find("127.") == 0 && std::string(host) != "localhost") {
                    name = host;
                }
            }
            std::fclose(f);
        }
        if (name.empty()) co_return; // nothing suitable in this machine's hosts file
        auto addrs = co_await aio::net::resolve(name, 7);
        EXPECT_FALSE(addrs.empty());
        EXPECT_TRUE(addrs.at(0).is_loopback()) << addrs.at(0).to_string();
    }());
}
