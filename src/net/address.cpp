#include <aio/net/address.hpp>
#include <aio/net/errors.hpp>

#include <arpa/inet.h>
#include <charconv>
#include <cstring>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

namespace aio::net {

namespace {

[[noreturn]] void bad(std::string_view fn, std::string_view text, std::string_view why) {
    throw invalid_argument_error("aio::net::address::" + std::string(fn) + ": '" +
                                 std::string(text) + "' " + std::string(why));
}

bool parse_port(std::string_view s, std::uint16_t& port) {
    unsigned v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size() || s.empty() || v > 65535) return false;
    port = static_cast<std::uint16_t>(v);
    return true;
}

} // namespace

bool address::try_parse(std::string_view ip, std::uint16_t port, address& out) noexcept {
    char buf[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
    if (ip.size() >= 2 && ip.front() == '[' && ip.back() == ']') ip = ip.substr(1, ip.size() - 2);
    if (ip.empty() || ip.size() >= sizeof buf) return false;
    std::memcpy(buf, ip.data(), ip.size());
    buf[ip.size()] = '\0';
    address a;
    auto* v4 = static_cast<sockaddr_in*>(a.data());
    if (::inet_pton(AF_INET, buf, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        a.m_size = sizeof(sockaddr_in);
        out = a;
        return true;
    }
    auto* v6 = static_cast<sockaddr_in6*>(a.data());
    char* scope = std::strchr(buf, '%');
    if (scope) *scope++ = '\0';
    if (::inet_pton(AF_INET6, buf, &v6->sin6_addr) != 1) return false;
    if (scope) {
        unsigned id = ::if_nametoindex(scope);
        if (id == 0) {
            auto [end, ec] = std::from_chars(scope, scope + std::strlen(scope), id);
            if (ec != std::errc() || *end != '\0') return false;
        }
        v6->sin6_scope_id = id;
    }
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    a.m_size = sizeof(sockaddr_in6);
    out = a;
    return true;
}

address address::parse(std::string_view ip, std::uint16_t port) {
    address a;
    if (!try_parse(ip, port, a)) bad("parse", ip, "is not a numeric IPv4 or IPv6 address");
    return a;
}

address address::parse(std::string_view text) {
    if (text.starts_with("unix:")) return unix_domain(text.substr(5));
    std::string_view host;
    std::string_view port;
    if (text.starts_with("[")) {
        const auto close = text.find(']');
        if (close == std::string_view::npos) bad("parse", text, "lacks the closing ']'");
        host = text.substr(1, close - 1);
        if (close + 1 >= text.size() || text[close + 1] != ':') {
            bad("parse", text, "lacks a port (expected \"[v6]:port\")");
        }
        port = text.substr(close + 2);
    } else {
        const auto colon = text.rfind(':');
        if (colon == std::string_view::npos) {
            bad("parse", text, "lacks a port (expected \"ip:port\", \"[v6]:port\" or \"unix:path\")");
        }
        host = text.substr(0, colon);
        if (host.find(':') != std::string_view::npos) {
            bad("parse", text, "is ambiguous: write IPv6 addresses as \"[v6]:port\"");
        }
        port = text.substr(colon + 1);
    }
    std::uint16_t p = 0;
    if (!parse_port(port, p)) bad("parse", text, "has an invalid port (expected 0-65535)");
    address a;
    if (!try_parse(host, p, a)) bad("parse", text, "does not start with a numeric IP address");
    return a;
}

address address::unix_domain(std::string_view path) {
    address a;
    auto* un = static_cast<sockaddr_un*>(a.data());
    if (path.empty()) bad("unix_domain", path, "is empty");
    if (path.size() >= sizeof un->sun_path) {
        bad("unix_domain", path, "is too long for a Unix socket (107 bytes at most)");
    }
    un->sun_family = AF_UNIX;
    std::memcpy(un->sun_path, path.data(), path.size());
    a.m_size = static_cast<std::uint32_t>(offsetof(sockaddr_un, sun_path) + path.size() +
                                          (path.front() == '\0' ? 0 : 1));
    return a;
}

address address::from_sockaddr(const void* sa, std::size_t len) {
    address a;
    if (len > capacity) len = capacity;
    std::memcpy(a.m_storage.data(), sa, len);
    a.m_size = static_cast<std::uint32_t>(len);
    return a;
}

address_family address::family() const noexcept {
    if (m_size < sizeof(sa_family_t)) return address_family::unspecified;
    switch (static_cast<const sockaddr*>(data())->sa_family) {
    case AF_INET: return address_family::ipv4;
    case AF_INET6: return address_family::ipv6;
    case AF_UNIX: return address_family::unix_domain;
    default: return address_family::unspecified;
    }
}

std::uint16_t address::port() const noexcept {
    switch (family()) {
    case address_family::ipv4: return ntohs(static_cast<const sockaddr_in*>(data())->sin_port);
    case address_family::ipv6: return ntohs(static_cast<const sockaddr_in6*>(data())->sin6_port);
    default: return 0;
    }
}

address address::with_port(std::uint16_t port) const noexcept {
    address a = *this;
    switch (family()) {
    case address_family::ipv4: static_cast<sockaddr_in*>(a.data())->sin_port = htons(port); break;
    case address_family::ipv6: static_cast<sockaddr_in6*>(a.data())->sin6_port = htons(port); break;
    default: break;
    }
    return a;
}

std::string address::host() const {
    char buf[INET6_ADDRSTRLEN + IF_NAMESIZE + 2] = {};
    switch (family()) {
    case address_family::ipv4:
        ::inet_ntop(AF_INET, &static_cast<const sockaddr_in*>(data())->sin_addr, buf, sizeof buf);
        return buf;
    case address_family::ipv6: {
        const auto* v6 = static_cast<const sockaddr_in6*>(data());
        ::inet_ntop(AF_INET6, &v6->sin6_addr, buf, sizeof buf);
        std::string s = buf;
        if (v6->sin6_scope_id) {
            char name[IF_NAMESIZE] = {};
            s += '%';
            s += ::if_indextoname(v6->sin6_scope_id, name) ? std::string(name)
                                                           : std::to_string(v6->sin6_scope_id);
        }
        return s;
    }
    case address_family::unix_domain: {
        const auto* un = static_cast<const sockaddr_un*>(data());
        const std::size_t off = offsetof(sockaddr_un, sun_path);
        if (m_size <= off) return {}; // unnamed (an unbound client socket)
        std::string path(un->sun_path, m_size - off);
        if (!path.empty() && path.front() != '\0') {
            const auto nul = path.find('\0');
            if (nul != std::string::npos) path.resize(nul);
        }
        return path;
    }
    default:
        return {};
    }
}

std::string address::to_string() const {
    // Built with append: GCC 12 warns falsely (-Wrestrict, PR105329) on chained operator+.
    std::string s;
    switch (family()) {
    case address_family::ipv4:
        s.append(host()).append(":").append(std::to_string(port()));
        return s;
    case address_family::ipv6:
        s.append("[").append(host()).append("]:").append(std::to_string(port()));
        return s;
    case address_family::unix_domain: {
        std::string p = host();
        if (!p.empty() && p.front() == '\0') p.front() = '@';
        s.append("unix:").append(p);
        return s;
    }
    default:
        return "<unspecified>";
    }
}

bool address::is_loopback() const noexcept {
    switch (family()) {
    case address_family::ipv4:
        return (ntohl(static_cast<const sockaddr_in*>(data())->sin_addr.s_addr) >> 24) == 127;
    case address_family::ipv6: {
        const auto* a = &static_cast<const sockaddr_in6*>(data())->sin6_addr;
        if (IN6_IS_ADDR_LOOPBACK(a)) return true;
        return IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127;
    }
    default: return false;
    }
}

bool operator==(const address& a, const address& b) noexcept {
    return a.m_size == b.m_size && std::memcmp(a.data(), b.data(), a.m_size) == 0;
}

} // namespace aio::net
