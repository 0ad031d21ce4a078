// Unix-domain datagram endpoints (AF_UNIX, SOCK_DGRAM): paths, abstract names, connected and
// unconnected use, socket-file lifetime, errors, cancellation, and interop with Python.
#include "support/helpers.hpp"
#include "support/net.hpp"

#include <aio/core.hpp>
#include <aio/net.hpp>
#include <aio/os.hpp>

#include <cstdlib>
#include <string>

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

using namespace std::chrono_literals;
using aio::task;
using aio::net::address;
using aio::net::open_datagram_endpoint;

namespace {

/// A fresh directory for socket files, removed (with what is left in it) at the end.
struct temp_dir {
    std::string path;
    temp_dir() {
        char tmpl[] = "/tmp/aio-unixdg-XXXXXX";
        path = ::mkdtemp(tmpl);
    }
    ~temp_dir() { std::system(("rm -rf '" + path + "'").c_str()); }
    std::string operator/(const char* name) const { return path + "/" + name; }
};

bool is_socket_file(const std::string& p) {
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0 && S_ISSOCK(st.st_mode);
}

bool exists(const std::string& p) {
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0;
}

/// An abstract name unique to this process and test.
std::string abstract_name(const char* tag) {
    return "@aio-unixdg-" + std::to_string(::getpid()) + "-" + tag;
}

/// Binds one datagram and echoes it upper-cased to its sender, then exits. argv[1] is the
/// path to bind ('@' first: abstract namespace). "ready" on stdout once bound.
constexpr const char* python_echo = R"(
import socket, sys
name = sys.argv[1]
if name.startswith("@"):
    name = "\0" + name[1:]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(name)
print("ready", flush=True)
s.settimeout(20)
data, peer = s.recvfrom(65536)
s.sendto(data.upper(), peer)
print("peer=" + (peer.decode() if isinstance(peer, bytes) else peer).replace("\0", "@"), flush=True)
)";

task<std::string> echo_through_python(std::string peer_name, std::string my_name) {
    auto p = co_await aio::create_subprocess_exec("/usr/bin/python3", "-c", python_echo, peer_name,
                                                  aio::subprocess_options{.out = aio::pipe});
    EXPECT_EQ(co_await aio::wait_for(p.out().read_line(), 20s), "ready\n");
    auto ep = co_await open_datagram_endpoint({.local_path = my_name, .remote_path = peer_name});
    co_await ep.send("hello from c++");
    std::string reply = co_await aio::wait_for(ep.receive(), 20s);
    EXPECT_EQ(co_await aio::wait_for(p.out().read_line(), 20s), "peer=" + my_name + "\n");
    EXPECT_EQ(co_await aio::wait_for(p.wait(), 20s), 0);
    co_return reply;
}

} // namespace

TEST(unix_datagram, bound_path_receives_with_the_senders_path_and_replies) {
    temp_dir dir;
    aio::run([&]() -> task<> {
        auto server = co_await open_datagram_endpoint({.local_path = dir / "server.sock"});
        auto client = co_await open_datagram_endpoint({.local_path = dir / "client.sock"});
        EXPECT_EQ(server.local_address().host(), dir / "server.sock");
        co_await client.send_to("ping", address::unix_domain(dir / "server.sock"));
        auto [data, from] = co_await aio::wait_for(server.receive_from(), 10s);
        EXPECT_EQ(data, "ping");
        EXPECT_EQ(from.family(), aio::net::address_family::unix_domain);
        EXPECT_EQ(from.host(), dir / "client.sock");
        EXPECT_EQ(from.to_string(), "unix:" + (dir / "client.sock"));
        co_await server.send_to("pong", from);
        auto [reply, from2] = co_await aio::wait_for(client.receive_from(), 10s);
        EXPECT_EQ(reply, "pong");
        EXPECT_EQ(from2.host(), dir / "server.sock");
    }());
}

TEST(unix_datagram, connected_endpoint_keeps_datagram_boundaries) {
    temp_dir dir;
    aio::run([&]() -> task<> {
        auto server = co_await open_datagram_endpoint({.local_path = dir / "s"});
        auto client =
            co_await open_datagram_endpoint({.local_path = dir / "c", .remote_path = dir / "s"});
        EXPECT_EQ(client.remote_address().value_or(address()).host(), dir / "s");
        co_await client.send("a");
        co_await client.send("bc");
        EXPECT_EQ(co_await aio::wait_for(server.receive(), 10s), "a");
        EXPECT_EQ(co_await aio::wait_for(server.receive(), 10s), "bc");
        co_await server.send_to("back", address::unix_domain(dir / "c"));
        EXPECT_EQ(co_await aio::wait_for(client.receive(), 10s), "back");
    }());
}

TEST(unix_datagram, unbound_sender_arrives_without_a_path) {
    temp_dir dir;
    aio::run([&]() -> task<> {
        auto server = co_await open_datagram_endpoint({.local_path = dir / "s"});
        auto connected = co_await open_datagram_endpoint({.remote_path = dir / "s"});
        auto loose =
            co_await open_datagram_endpoint({.family = aio::net::address_family::unix_domain});
        co_await connected.send("one");
        co_await loose.send_to("two", address::unix_domain(dir / "s"));
        const std::string wanted[] = {"one", "two"}; // no initializer_list across co_await
        for (const std::string& want : wanted) {
            auto [data, from] = co_await aio::wait_for(server.receive_from(), 10s);
            EXPECT_EQ(data, want);
            EXPECT_EQ(from.host(), "");
        }
    }());
}

TEST(unix_datagram, abstract_names_take_at_or_nul_and_leave_no_file) {
    aio::run([]() -> task<> {
        const std::string at = abstract_name("abs");
        std::string nul = at;
        nul.front() = '\0';
        auto server = co_await open_datagram_endpoint({.local_path = at});
        // The same name written with '\0' reaches it.
        auto client = co_await open_datagram_endpoint({.remote_path = nul});
        EXPECT_EQ(server.local_address().to_string(), "unix:" + at);
        EXPECT_FALSE(exists(at));
        co_await client.send("hi");
        EXPECT_EQ(co_await aio::wait_for(server.receive(), 10s), "hi");
    }());
}

TEST(unix_datagram, removes_its_socket_file_on_close_and_on_destruction) {
    temp_dir dir;
    aio::run([&]() -> task<> {
        auto ep = co_await open_datagram_endpoint({.local_path = dir / "a"});
        EXPECT_TRUE(is_socket_file(dir / "a"));
        ep.close();
        co_await ep.wait_closed();
        EXPECT_FALSE(exists(dir / "a"));
        {
            auto other = co_await open_datagram_endpoint({.local_path = dir / "b"});
            EXPECT_TRUE(is_socket_file(dir / "b"));
        }
        co_await aio::sleep(0ms);
        EXPECT_FALSE(exists(dir / "b"));
    }());
}

TEST(unix_datagram, leaves_a_file_that_replaced_its_socket) {
    temp_dir dir;
    aio::run([&]() -> task<> {
        auto ep = co_await open_datagram_endpoint({.local_path = dir / "a"});
        ::unlink((dir / "a").c_str());
        co_await aio::write_file(dir / "a", "someone else's");
        ep.close();
        co_await ep.wait_closed();
        EXPECT_EQ(co_await aio::read_file(dir / "a"), "someone else's");
    }());
}

TEST(unix_datagram, replaces_a_stale_socket_file_but_not_a_regular_file) {
    temp_dir dir;
    {
        // A socket file left behind by a process that did not clean up.
        const address a = address::unix_domain(dir / "stale");
        const int fd = ::socket(AF_UNIX, SOCK_DGRAM, 0);
        ASSERT_EQ(
            ::bind(fd, static_cast<const sockaddr*>(a.data()), static_cast<socklen_t>(a.size())),
            0);
        ::close(fd);
    }
    ASSERT_TRUE(is_socket_file(dir / "stale"));
    aio::run([&]() -> task<> {
        auto ep = co_await open_datagram_endpoint({.local_path = dir / "stale"});
        EXPECT_TRUE(is_socket_file(dir / "stale"));
        co_await aio::write_file(dir / "plain", "data");
        try {
            auto bad = co_await open_datagram_endpoint({.local_path = dir / "plain"});
            ADD_FAILURE() << "bound over a regular file";
        } catch (const aio::io_error& e) {
            EXPECT_NE(std::string(e.what()).find(dir / "plain"), std::string::npos) << e.what();
        }
        EXPECT_EQ(co_await aio::read_file(dir / "plain"), "data");
    }());
}

TEST(unix_datagram, path_too_long_names_the_path_and_the_limit) {
    const std::string long_path = "/tmp/" + std::string(120, 'x');
    aio::run([&]() -> task<> {
        for (int remote = 0; remote < 2; ++remote) {
            aio::net::datagram_options o;
            (remote ? o.remote_path : o.local_path) = long_path;
            try {
                auto ep = co_await open_datagram_endpoint(o);
                ADD_FAILURE() << "accepted a " << long_path.size() << "-byte path";
            } catch (const aio::net::invalid_argument_error& e) {
                const std::string msg = e.what();
                EXPECT_NE(msg.find(long_path), std::string::npos) << msg;
                EXPECT_NE(msg.find("107"), std::string::npos) << msg;
            }
        }
    }());
}

TEST(unix_datagram, sending_to_a_missing_path_names_it) {
    temp_dir dir;
    aio::run([&]() -> task<> {
        auto ep = co_await open_datagram_endpoint({.local_path = dir / "me"});
        try {
            co_await ep.send_to("x", address::unix_domain(dir / "nobody"));
            ADD_FAILURE() << "sent to a missing path";
        } catch (const aio::io_error& e) {
            EXPECT_NE(std::string(e.what()).find(dir / "nobody"), std::string::npos) << e.what();
        }
        try {
            auto c = co_await open_datagram_endpoint(
                {.local_path = dir / "bound", .remote_path = dir / "nobody"});
            ADD_FAILURE() << "connected to a missing path";
        } catch (const aio::io_error& e) {
            EXPECT_NE(std::string(e.what()).find(dir / "nobody"), std::string::npos) << e.what();
        }
        EXPECT_FALSE(exists(dir / "bound")); // the file bound before the failed connect
        // The endpoint still works after the failed send.
        co_await ep.send_to("self", ep.local_address());
        EXPECT_EQ(co_await aio::wait_for(ep.receive(), 10s), "self");
    }());
}

TEST(unix_datagram, mixing_host_and_path_is_rejected) {
    aio::run([]() -> task<> {
        EXPECT_THROW(auto ep = co_await open_datagram_endpoint(
                         {.local_host = "127.0.0.1", .local_path = "/tmp/x.sock"}),
                     aio::net::invalid_argument_error);
    }());
}

TEST(unix_datagram, cancelled_receive_loses_no_later_datagram_and_leaks_no_fd) {
    temp_dir dir;
    aio::run([&]() -> task<> {
        const int before = aio_test::open_fds(); // the loop's own fds are open by now
        {
            auto server = co_await open_datagram_endpoint({.local_path = dir / "s"});
            auto client = co_await open_datagram_endpoint({.remote_path = dir / "s"});
            for (int round = 0; round < 3; ++round) {
                auto pending = aio::create_task(server.receive());
                co_await aio::sleep(0ms);
                co_await aio::sleep(0ms);
                EXPECT_FALSE(pending.done());
                pending.cancel();
                EXPECT_THROW(co_await pending, aio::cancelled_error);
                co_await client.send("after cancel " + std::to_string(round));
                EXPECT_EQ(co_await aio::wait_for(server.receive(), 10s),
                          "after cancel " + std::to_string(round));
            }
            // A timeout around a receive is the same cancellation path.
            EXPECT_THROW(co_await aio::wait_for(server.receive(), 1ms), aio::timeout_error);
            // Closing with a receive pending ends it with invalid_state_error.
            auto parked = aio::create_task(server.receive());
            co_await aio::sleep(0ms);
            server.close();
            EXPECT_THROW(co_await parked, aio::invalid_state_error);
            co_await server.wait_closed();
        }
        EXPECT_EQ(co_await aio_test::settle_fds(before), before);
    }());
    EXPECT_FALSE(exists(dir / "s"));
}

TEST(unix_datagram, python_peer_echoes_over_a_path_and_an_abstract_name) {
    if (::access("/usr/bin/python3", X_OK) != 0)
        GTEST_SKIP() << "/usr/bin/python3 is not installed";
    temp_dir dir;
    aio::run([&]() -> task<> {
        EXPECT_EQ(co_await echo_through_python(dir / "py.sock", dir / "cpp.sock"),
                  "HELLO FROM C++");
        EXPECT_EQ(co_await echo_through_python(abstract_name("py"), abstract_name("cpp")),
                  "HELLO FROM C++");
    }());
}
