// aio::net::address: an IPv4, IPv6 or Unix-domain socket endpoint, held by value.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace aio::net {

/// The kind of endpoint an address names.
enum class address_family : std::uint8_t {
    unspecified, ///< a default-constructed address
    ipv4,        ///< AF_INET
    ipv6,        ///< AF_INET6
    unix_domain, ///< AF_UNIX (a path, or an abstract name starting with '\0')
};

/// A socket endpoint (a copy of the OS `sockaddr`, no allocation). Regular value type:
/// copyable, comparable, usable from any thread.
///
///     auto a = aio::net::address::parse("127.0.0.1:8080");
///     auto b = aio::net::address::parse("::1", 8080);          // "[::1]:8080"
///     auto u = aio::net::address::unix_domain("/tmp/app.sock");
///     a.port();  // 8080
class address {
  public:
    /// An unspecified address (family() == unspecified).
    address() noexcept = default;

    /// Parses "1.2.3.4:80", "[::1]:80" or "unix:/path". Throws
    /// aio::net::invalid_argument_error saying what is wrong (no port, bad IP, ...).
    /// Host names are not resolved here: use aio::net::resolve.
    static address parse(std::string_view text);
    /// An IP address ("127.0.0.1", "::1", "fe80::1%lo" with a scope) and a port. Throws
    /// aio::net::invalid_argument_error if `ip` is not a numeric IPv4/IPv6 address.
    static address parse(std::string_view ip, std::uint16_t port);
    /// Like parse(ip, port) but returns false instead of throwing.
    static bool try_parse(std::string_view ip, std::uint16_t port, address& out) noexcept;
    /// A Unix-domain socket path; a leading '\0' names the abstract namespace. Throws
    /// aio::net::invalid_argument_error if the path does not fit a sockaddr_un (107 bytes).
    static address unix_domain(std::string_view path);
    /// Copies an OS sockaddr (for the library's own layers and for interop).
    static address from_sockaddr(const void* sa, std::size_t len);

    address_family family() const noexcept;
    /// The port (0 for Unix-domain and unspecified addresses).
    std::uint16_t port() const noexcept;
    /// A copy with the port replaced (IP addresses only).
    address with_port(std::uint16_t port) const noexcept;
    /// The IP text without port ("127.0.0.1", "::1"), or the Unix path.
    std::string host() const;
    /// "127.0.0.1:80", "[::1]:80", "unix:/path" ("unix:@name" for abstract names).
    std::string to_string() const;
    bool is_ip() const noexcept {
        return family() == address_family::ipv4 || family() == address_family::ipv6;
    }
    bool is_loopback() const noexcept;

    /// The OS sockaddr bytes and their length (for the implementation and interop).
    const void* data() const noexcept { return m_storage.data(); }
    void* data() noexcept { return m_storage.data(); }
    std::size_t size() const noexcept { return m_size; }
    static constexpr std::size_t capacity = 128; // sizeof(sockaddr_storage)
    void set_size(std::size_t n) noexcept { m_size = static_cast<std::uint32_t>(n); }

    friend bool operator==(const address& a, const address& b) noexcept;

  private:
    alignas(8) std::array<std::byte, capacity> m_storage{};
    std::uint32_t m_size = 0;
};

} // namespace aio::net
