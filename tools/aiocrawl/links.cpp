// Link extraction with gumbo (see links.hpp).
#include "links.hpp"

#include <cctype>
#include <string>
#include <unordered_set>
#include <vector>

#include <gumbo.h>

namespace aiocrawl {

namespace {

bool is_html_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

bool is_hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/// Trims HTML whitespace and percent-encodes what the strict URL parser would refuse but a
/// browser accepts in an href: controls, space, non-ASCII bytes, `"<>\^`{|}` and a '%' that
/// does not start an escape. Removes tabs and newlines inside (the URL standard does).
std::string clean_href(std::string_view href) {
    while (!href.empty() && is_html_space(href.front()))
        href.remove_prefix(1);
    while (!href.empty() && is_html_space(href.back()))
        href.remove_suffix(1);
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(href.size());
    for (std::size_t i = 0; i < href.size(); ++i) {
        const auto c = static_cast<unsigned char>(href[i]);
        if (c == '\t' || c == '\n' || c == '\r')
            continue;
        const bool bad_percent =
            c == '%' && !(i + 2 < href.size() && is_hex(href[i + 1]) && is_hex(href[i + 2]));
        if (c <= 0x20 || c >= 0x7f || bad_percent ||
            std::string_view("\"<>\\^`{|}").find(static_cast<char>(c)) != std::string_view::npos) {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

void collect(const GumboNode* node, std::vector<std::string_view>& hrefs, std::string_view& base) {
    if (node->type != GUMBO_NODE_ELEMENT && node->type != GUMBO_NODE_TEMPLATE)
        return;
    const GumboElement& el = node->v.element;
    if (el.tag == GUMBO_TAG_A) {
        if (const GumboAttribute* href = gumbo_get_attribute(&el.attributes, "href"))
            hrefs.emplace_back(href->value);
    } else if (el.tag == GUMBO_TAG_BASE && base.data() == nullptr) {
        if (const GumboAttribute* href = gumbo_get_attribute(&el.attributes, "href"))
            base = href->value;
    }
    for (unsigned i = 0; i < el.children.length; ++i)
        collect(static_cast<const GumboNode*>(el.children.data[i]), hrefs, base);
}

} // namespace

std::string normalise_link(const aio::http::url& base, std::string_view reference) {
    const std::string cleaned = clean_href(reference);
    try {
        aio::http::url u = base.resolve(cleaned);
        if ((u.scheme() != "http" && u.scheme() != "https") || u.host().empty())
            return {};
        return u.without_fragment().normalized().str();
    } catch (const aio::http::invalid_url&) {
        return {};
    }
}

page_links extract_links(std::string_view html, const aio::http::url& page) {
    page_links result;
    GumboOutput* doc = gumbo_parse_with_options(&kGumboDefaultOptions, html.data(), html.size());
    std::vector<std::string_view> hrefs;
    std::string_view base_href;
    collect(doc->root, hrefs, base_href);

    aio::http::url base = page;
    if (base_href.data() != nullptr) {
        const std::string b = normalise_link(page, base_href);
        if (!b.empty())
            base = aio::http::url(b);
    }
    std::unordered_set<std::string> seen;
    for (std::string_view h : hrefs) {
        std::string_view trimmed = h;
        while (!trimmed.empty() && is_html_space(trimmed.front()))
            trimmed.remove_prefix(1);
        if (trimmed.empty() || trimmed.front() == '#')
            continue; // the page itself
        const std::string::size_type colon = trimmed.find(':');
        std::string link = normalise_link(base, trimmed);
        if (link.empty()) {
            // mailto:, javascript:, tel: and the like are not links to crawl, not errors.
            std::string scheme(colon == std::string_view::npos ? std::string_view{}
                                                               : trimmed.substr(0, colon));
            for (char& c : scheme)
                c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            const bool other_scheme = !scheme.empty() && scheme != "http" && scheme != "https" &&
                                      scheme.find_first_of("/?#") == std::string::npos;
            if (!other_scheme)
                ++result.malformed;
            continue;
        }
        if (seen.insert(link).second)
            result.urls.push_back(std::move(link));
    }
    gumbo_destroy_output(&kGumboDefaultOptions, doc);
    return result;
}

std::size_t first_invalid_utf8(std::string_view s) noexcept {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        std::size_t n = 0;
        unsigned cp = 0;
        if (c < 0x80) {
            ++i;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            n = 1;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3;
            cp = c & 0x07;
        } else {
            return i;
        }
        if (i + n >= s.size())
            return i;
        for (std::size_t k = 1; k <= n; ++k) {
            const auto cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xC0) != 0x80)
                return i;
            cp = (cp << 6) | (cc & 0x3F);
        }
        // Overlong forms, surrogates and values past U+10FFFF are invalid too.
        if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
            (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
            return i;
        i += n + 1;
    }
    return std::string_view::npos;
}

} // namespace aiocrawl
