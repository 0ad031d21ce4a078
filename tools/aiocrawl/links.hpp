// Link extraction: <a href> and <base href> from an HTML page, with gumbo (a real HTML5
// parser, so malformed markup is read the way a browser reads it).
#pragma once

#include <aio/http/url.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace aiocrawl {

/// What extract_links found in one page.
struct page_links {
    /// Absolute http(s) URLs, fragments dropped, normalised (RFC 3986 §6), de-duplicated, in
    /// document order.
    std::vector<std::string> urls;
    /// hrefs that could not be made into a URL (kept for the count; not followed).
    std::size_t malformed = 0;
};

/// Parses `html` and returns the targets of its `<a href>` elements resolved against the
/// first `<base href>` (itself resolved against `page`) or else `page`. hrefs are trimmed
/// of HTML whitespace and bytes a URL may not hold raw (spaces, non-ASCII...) are
/// percent-encoded first, as browsers do. Non-http(s) targets (mailto:, javascript:) are
/// left out. Never throws for any input bytes (gumbo replaces invalid UTF-8).
page_links extract_links(std::string_view html, const aio::http::url& page);

/// `reference` resolved against `base`, fragment dropped and normalised, or "" when it is not
/// an http(s) URL with a host or cannot be parsed. Used for links and for start URLs.
std::string normalise_link(const aio::http::url& base, std::string_view reference);

/// Offset of the first byte of `s` that is not valid UTF-8, or npos.
std::size_t first_invalid_utf8(std::string_view s) noexcept;

} // namespace aiocrawl
