// response::stream: a body produced by a generator, framed by Content-Length, chunked
// coding or the connection's close (see body_source.hpp and docs/design/http.md).
#include "http/body_source.hpp"

#include <aio/core/error.hpp>

#include <cstdio>
#include <string>
#include <utility>

namespace aio::http {

namespace detail {
namespace {

class generator_source final : public body_source {
  public:
    generator_source(generator<std::string> g, std::optional<std::uint64_t> n)
        : m_gen(std::move(g)), m_length(n) {}

    std::optional<std::uint64_t> length() const noexcept override { return m_length; }

    task<std::uint64_t> write(net::stream& s, body_framing_out f) override {
        std::uint64_t sent = 0;
        char size_line[24];
        while (auto chunk = co_await m_gen.next()) {
            if (chunk->empty())
                continue; // an empty chunk would end a chunked body
            if (f == body_framing_out::length && sent + chunk->size() > *m_length)
                throw error("aio::http::response::stream: the generator yielded more than the "
                            "announced Content-Length of " +
                            std::to_string(*m_length) + " bytes");
            if (f == body_framing_out::chunked) {
                const int n = std::snprintf(size_line, sizeof size_line, "%zx\r\n", chunk->size());
                co_await s.write(std::string_view(size_line, static_cast<std::size_t>(n)));
                co_await s.write(*chunk);
                co_await s.write("\r\n");
            } else {
                co_await s.write(*chunk);
            }
            sent += chunk->size();
        }
        if (f == body_framing_out::length && sent != *m_length)
            throw error("aio::http::response::stream: the generator ended after " +
                        std::to_string(sent) + " of the announced " + std::to_string(*m_length) +
                        " bytes");
        if (f == body_framing_out::chunked)
            co_await s.write("0\r\n\r\n");
        co_return sent;
    }

  private:
    generator<std::string> m_gen;
    std::optional<std::uint64_t> m_length;
};

} // namespace
} // namespace detail

response response::stream(int status,
                          generator<std::string> chunks,
                          std::optional<std::uint64_t> content_length) {
    response r(status, std::string());
    r.source = std::make_shared<detail::generator_source>(std::move(chunks), content_length);
    return r;
}

} // namespace aio::http
