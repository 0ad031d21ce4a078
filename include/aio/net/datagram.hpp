// aio::net::datagram_endpoint: UDP and Unix-domain datagram sockets (asyncio's
// create_datagram_endpoint, as awaitables).
#pragma once

#include <aio/core/task.hpp>
#include <aio/net/address.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace aio::net {

namespace detail {
class datagram_state;
}

/// Options of open_datagram_endpoint. Give a local address to receive on, a remote one to
/// "connect" (then send() and receive() talk to that peer only), or both: as host and port
/// for UDP, or as paths for a Unix-domain datagram socket (AF_UNIX, SOCK_DGRAM).
///
/// The host names are views: the text must outlive the open_datagram_endpoint call (string
/// literals and named strings do). They are views, not std::string, on purpose: GCC 12
/// relocates a braced temporary holding a std::string bitwise into the calling coroutine's
/// frame (a miscompilation that frees a bogus pointer), and options are written as braced
/// temporaries inside co_await expressions.
struct datagram_options {
    /// Local address to bind ("" with a remote: the kernel picks). Port 0: any free port.
    std::string_view local_host{};
    std::uint16_t local_port = 0;
    /// Remote peer (optional): the socket is connected to it.
    std::string_view remote_host{};
    std::uint16_t remote_port = 0;
    /// Unix-domain datagrams instead of UDP (asyncio: family=AF_UNIX, local_addr=path):
    /// the filesystem path to bind (a stale socket file there is replaced; the file is
    /// removed when the endpoint closes), or an abstract name written with a leading '@'
    /// or '\0' (no file). At most 107 bytes. Not with local_host / remote_host.
    std::string_view local_path{};
    /// The Unix-domain peer to connect to (path or '@' / '\0' abstract name).
    std::string_view remote_path{};
    /// Restrict resolution to ipv4 or ipv6; unix_domain with no path at all gives an unbound
    /// Unix datagram socket that can only send_to (its datagrams carry no return address).
    address_family family = address_family::unspecified;
    bool reuse_port = false;
    bool allow_broadcast = false;
    /// Largest datagram receive_from returns (longer ones are truncated).
    std::size_t max_datagram = 65536;
};
static_assert(std::is_trivially_destructible_v<datagram_options>);

/// A UDP or Unix-domain datagram socket. Move-only; closes on destruction. Loop thread only.
/// Several tasks may send at once; one task at a time may receive. Errors are aio::io_error
/// subclasses (a connected endpoint whose peer has no listener gets connection_refused_error from a
/// later receive). Cancellation of a send or receive leaves nothing in flight. Unix-domain
/// senders appear as address::unix_domain values (host() is their path; "" for an unbound
/// sender); sending to a path where nobody is bound throws an io_error naming that path.
///
///     auto ep = co_await aio::net::open_datagram_endpoint({.local_host = "127.0.0.1"});
///     co_await ep.send_to("ping", peer);
///     auto [data, from] = co_await ep.receive_from();
class datagram_endpoint {
  public:
    datagram_endpoint() noexcept = default;
    datagram_endpoint(datagram_endpoint&& o) noexcept;
    datagram_endpoint& operator=(datagram_endpoint&& o) noexcept;
    datagram_endpoint(const datagram_endpoint&) = delete;
    datagram_endpoint& operator=(const datagram_endpoint&) = delete;
    ~datagram_endpoint();

    /// Sends one datagram to `to`. `data` must stay valid until the task completes.
    [[nodiscard]] task<void> send_to(std::string_view data, address to);
    /// Sends one datagram to the connected peer.
    [[nodiscard]] task<void> send(std::string_view data);
    /// Waits for one datagram; returns its bytes and its sender.
    [[nodiscard]] task<std::pair<std::string, address>> receive_from();
    /// Waits for one datagram and returns its bytes.
    [[nodiscard]] task<std::string> receive();

    /// The bound local address (with the port the kernel chose).
    address local_address() const;
    /// The connected peer, if any.
    std::optional<address> remote_address() const;
    /// Closes: pending sends/receives end (aio::invalid_state_error); the socket is
    /// released once they have completed.
    void close() noexcept;
    /// Waits until the socket is released after close().
    [[nodiscard]] task<void> wait_closed();
    int native_handle() const noexcept;

    explicit operator bool() const noexcept { return m_s != nullptr; }
    explicit datagram_endpoint(detail::datagram_state* s) noexcept : m_s(s) {}

  private:
    detail::datagram_state* m_s = nullptr;
};

/// Creates a UDP or Unix-domain datagram endpoint (see datagram_options). Throws
/// aio::net::invalid_argument_error when neither a local nor a remote address is given, when
/// host and path options are mixed, or when a path is too long for sockaddr_un (the message
/// names the path and the 107-byte limit); aio::net::dns_error; aio::io_error (bind or
/// connect failures name the address, e.g. "connect to unix:/run/x.sock: No such file ...").
///
///     auto ep = co_await aio::net::open_datagram_endpoint({.local_path = "/tmp/app.sock"});
///     auto [data, from] = co_await ep.receive_from();   // from.host(): the sender's path
[[nodiscard]] task<datagram_endpoint> open_datagram_endpoint(datagram_options options);

} // namespace aio::net
