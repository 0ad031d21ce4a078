// aio::net::tls_context when aiocpp is built with AIO_WITH_TLS=OFF: every way to obtain a
// context throws, so code that needs TLS fails with a clear message instead of a link error.
#include "net/tls/upgrade.hpp"

#include <aio/net/stream.hpp>
#include <aio/net/tls.hpp>

namespace aio::net {

namespace detail {
struct tls_context_impl {
    std::vector<std::string> m_alpn;
};
} // namespace detail

namespace {
[[noreturn]] void no_tls() {
    throw tls_error("TLS is not available: aiocpp was built with AIO_WITH_TLS=OFF "
                    "(OpenSSL 3 was not found at build time)",
                    "built without TLS");
}
} // namespace

tls_context tls_context::client() {
    no_tls();
}
tls_context tls_context::server() {
    no_tls();
}
tls_context tls_context::server(const std::string&, const std::string&) {
    no_tls();
}
bool tls_context::is_client() const noexcept {
    return false;
}
void tls_context::load_verify_locations(const std::string&, const std::string&) {
    no_tls();
}
void tls_context::clear_default_verify_paths() {
    no_tls();
}
void tls_context::load_cert_chain(const std::string&, const std::string&) {
    no_tls();
}
void tls_context::set_alpn_protocols(const std::vector<std::string>&) {
    no_tls();
}
const std::vector<std::string>& tls_context::alpn_protocols() const noexcept {
    return m_impl->m_alpn;
}
void tls_context::set_check_hostname(bool) {
    no_tls();
}
bool tls_context::check_hostname() const noexcept {
    return false;
}
void tls_context::insecure_disable_verification() {
    no_tls();
}
bool tls_context::verifies_peer() const noexcept {
    return false;
}
void tls_context::require_client_certificate(bool) {
    no_tls();
}
void tls_context::set_minimum_version(tls_version) {
    no_tls();
}
void tls_context::add_sni_context(const std::string&, const tls_context&) {
    no_tls();
}

task<void> stream::start_tls(tls_context, std::string) {
    no_tls();
}

namespace detail {
task<void> tls_connect(state_ref, tls_context, std::string, std::chrono::milliseconds) {
    no_tls();
}
task<bool> tls_accept(state_ref, tls_context, std::chrono::milliseconds, std::string) {
    no_tls();
}
} // namespace detail
std::optional<tls_info> stream::tls() const {
    return std::nullopt;
}

} // namespace aio::net
