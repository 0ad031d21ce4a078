// The request serialiser of the http client.
#include "http/client_detail.hpp"

namespace aio::http::detail {

std::string write_request(std::string_view method,
                          const url& u,
                          const headers& h,
                          const headers& extra,
                          const request_body& body) {
    std::string out;
    out.reserve(256 + body.data().size());
    // The target in origin-form (url::target(), without its string).
    out.append(method).append(" ").append(u.path().empty() ? std::string_view("/") : u.path());
    if (u.has_query())
        out.append("?").append(u.query());
    out.append(" HTTP/1.1\r\n");
    if (!h.contains("host")) {
        // Host is the authority without userinfo; the port only when it is not the default.
        out.append("Host: ").append(u.host());
        const std::uint16_t default_port = u.scheme() == "https" ? 443 : 80;
        if (u.port() && *u.port() != default_port)
            out.append(":").append(std::to_string(*u.port()));
        out.append("\r\n");
    }
    for (const headers* list : {&h, &extra})
        for (const auto& e : *list)
            out.append(e.name).append(": ").append(e.value).append("\r\n");
    const bool wants_length = method == "POST" || method == "PUT" || method == "PATCH";
    if (body.present() || wants_length) {
        if (body.present() && !body.content_type().empty() && !h.contains("content-type"))
            out.append("Content-Type: ").append(body.content_type()).append("\r\n");
        if (!h.contains("content-length"))
            out.append("Content-Length: ")
                .append(std::to_string(body.data().size()))
                .append("\r\n");
    }
    out.append("\r\n");
    out.append(body.data());
    return out;
}

} // namespace aio::http::detail
