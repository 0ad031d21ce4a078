#include <aio/net/errors.hpp>

#include <ares.h>

namespace aio::net {

namespace {
class dns_category_impl final : public std::error_category {
  public:
    const char* name() const noexcept override { return "aio.dns"; }
    std::string message(int status) const override { return ::ares_strerror(status); }
};
} // namespace

const std::error_category& dns_category() noexcept {
    static const dns_category_impl category;
    return category;
}

dns_error::dns_error(std::error_code code, std::string host)
    : io_error(code, "aio::net: cannot resolve host '" + host + "'"), m_host(std::move(host)) {}

} // namespace aio::net
