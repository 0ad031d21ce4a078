// aio::http::url: URLs per RFC 3986 (parse, resolve, normalise), percent-encoding and a
// query-string builder. Design notes: docs/design/http.md ("URLs").
#pragma once

#include <aio/http/errors.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace aio::http {

/// An absolute URI (RFC 3986 §4.3, plus a fragment): scheme, authority (userinfo, host,
/// port), path, query, fragment, each kept in its encoded form. A value type.
///
/// - Parsing is strict: every byte must be allowed where it stands (no spaces, no raw
///   non-ASCII: percent-encode them), percent-escapes must be `%` HEXDIG HEXDIG, an IPv6
///   literal must be valid, the port at most 65535; http, https, ws and wss URLs need a
///   host (RFC 9110 §4.2.1). Anything else throws invalid_url, whose message quotes the URL
///   and says what is wrong where:
///   `aio: invalid URL "http://a b/": invalid character ' ' in host at position 8`.
/// - Two things are made canonical while parsing, because they cannot change the meaning:
///   the scheme is lowercased and the port is kept as a number (":080" is 80, an empty
///   ":" is dropped). Everything else is kept as written until normalized().
/// - resolve() is RFC 3986 §5.2 (strict), normalized() is §6.2.2 plus the scheme-based
///   rules of §6.2.3 for http(s)/ws(s).
/// - Threads: a value; const members may be called concurrently.
///
///     aio::http::url base("http://Example.com:80/a/b/c?x#f");
///     base.resolve("../d?y").str();        // "http://Example.com:80/a/d?y"
///     base.normalized().str();             // "http://example.com/a/b/c?x#f"
///     base.origin();                       // "http://example.com" (a connection pool's key)
///     base.target();                       // "/a/b/c?x" (the request-target)
class url {
  public:
    /// Parses `text`, which must be an absolute URL. Throws invalid_url.
    explicit url(std::string_view text);
    /// The same as the constructor.
    static url parse(std::string_view text) { return url(text); }

    /// Lowercase scheme: "http".
    std::string_view scheme() const noexcept { return m_scheme; }
    /// True if the URL has an authority ("//" after the scheme), even an empty one.
    bool has_authority() const noexcept { return m_has_authority; }
    /// Userinfo before '@' (encoded), "" if none; has_userinfo() tells "" from absent.
    std::string_view userinfo() const noexcept { return m_userinfo; }
    bool has_userinfo() const noexcept { return m_has_userinfo; }
    /// The host as written: "example.com", "127.0.0.1", "[::1]" (brackets kept).
    std::string_view host() const noexcept { return m_host; }
    /// The host without the brackets of an IP literal: "::1". What to resolve or connect to.
    std::string_view hostname() const noexcept;
    /// The explicit port, or nullopt.
    std::optional<std::uint16_t> port() const noexcept { return m_port; }
    /// The explicit port, else the scheme's default (http/ws 80, https/wss 443), else 0.
    std::uint16_t effective_port() const noexcept;
    /// The path (encoded), possibly empty.
    std::string_view path() const noexcept { return m_path; }
    /// The query without '?' (encoded); has_query() tells "" from absent.
    std::string_view query() const noexcept { return m_query; }
    bool has_query() const noexcept { return m_has_query; }
    /// The fragment without '#' (encoded); has_fragment() tells "" from absent.
    std::string_view fragment() const noexcept { return m_fragment; }
    bool has_fragment() const noexcept { return m_has_fragment; }

    /// The whole URL (RFC 3986 §5.3).
    std::string str() const;
    /// The request-target in origin-form: path (or "/") and "?query". No fragment.
    std::string target() const;
    /// RFC 6454 origin: lowercase "scheme://host" and ":port" unless it is the default;
    /// equal for URLs that can share a connection. "null" for a URL without a host.
    std::string origin() const;
    /// "host:port" with the effective port ("[::1]:8080", "example.com:443"); just the host
    /// if the scheme has no default port and none is given.
    std::string host_port() const;

    /// Resolves the URI reference `reference` (relative or absolute) against this URL
    /// (RFC 3986 §5.2, strict: "http:g" is absolute). Throws invalid_url if `reference` is
    /// malformed. The result is not normalised, and it follows RFC 3986 only: an
    /// http URL without a host may come out ("http:g", §5.4.2); the client rejects those.
    url resolve(std::string_view reference) const;
    /// This URL normalised (RFC 3986 §6.2.2-6.2.3): scheme and host lowercase, escapes of
    /// unreserved characters decoded and the others' hex digits uppercase, dot segments
    /// removed, the default port dropped, an empty http(s)/ws(s) path made "/". Idempotent.
    url normalized() const;
    /// This URL without its fragment.
    url without_fragment() const;
    /// Replaces the query with `encoded` (without '?'; e.g. query_builder::str()). Throws
    /// invalid_url if it holds a byte a query may not.
    void set_query(std::string_view encoded);
    /// Removes the query ('?' included).
    void clear_query() noexcept;

    friend bool operator==(const url&, const url&) = default;

  private:
    url() = default;
    static url parse_reference(std::string_view text, bool absolute);

    std::string m_scheme, m_userinfo, m_host, m_path, m_query, m_fragment;
    std::optional<std::uint16_t> m_port;
    bool m_has_authority = false, m_has_userinfo = false, m_has_query = false,
         m_has_fragment = false;
};

/// Percent-encodes `s` (RFC 3986 §2.1, uppercase hex): every byte but the unreserved
/// characters (ALPHA DIGIT - . _ ~) and those listed in `safe`. percent_encode("a b/c", "/")
/// is "a%20b/c".
std::string percent_encode(std::string_view s, std::string_view safe = {});

/// Decodes %XX escapes (nothing else: '+' stays '+'). Throws invalid_url for a '%' not
/// followed by two hex digits. The result may hold any byte, NUL included.
std::string percent_decode(std::string_view s);

/// Builds a query string from name/value pairs, each percent-encoded (all but unreserved
/// characters; a space is "%20"), in the order added:
///
///     aio::http::query_builder q;
///     q.add("q", "C++ coroutines").add("page", 2);
///     q.str();                               // "q=C%2B%2B%20coroutines&page=2"
///     u.set_query(q.str());
class query_builder {
  public:
    query_builder& add(std::string_view name, std::string_view value);
    query_builder& add(std::string_view name, long long value);
    /// Adds a name without '=' ("flag").
    query_builder& add(std::string_view name);
    const std::string& str() const noexcept { return m_query; }
    bool empty() const noexcept { return m_query.empty(); }

  private:
    std::string m_query;
};

} // namespace aio::http
