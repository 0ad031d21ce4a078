// Helpers shared by the http parser tests: feeding a message whole, split in two at a given
// byte, or one byte at a time (each call with every byte so far, as the contract says).
#pragma once

#include <aio/http/parser.hpp>

#include <cstddef>
#include <ostream>
#include <string>
#include <string_view>

namespace aio::http {
/// gtest prints error codes by name.
inline void PrintTo(parse_errc c, std::ostream* os) {
    *os << describe(c);
}
} // namespace aio::http

namespace aio::http::test {

/// What a parse came to, comparable across ways of feeding the same bytes.
struct outcome {
    parse_status status = parse_status::need_more;
    std::size_t consumed = 0;
    parse_errc code = parse_errc::none;
    std::size_t offset = 0;
    friend bool operator==(const outcome&, const outcome&) = default;
};

template <class Parser> outcome finish(Parser& p, parse_result r) {
    outcome o{r.status, r.consumed, p.error().code, p.error().offset};
    return o;
}

/// Feeds text[0, split) then, if the parser wants more, all of text.
template <class Parser> outcome feed_split(Parser& p, std::string_view text, std::size_t split) {
    // Copies, so that the second call sees the bytes at another address (as after a
    // buffer grew) and views into the first buffer would be caught by ASan.
    std::string first(text.substr(0, split));
    parse_result r = p.parse(first);
    if (r.status != parse_status::need_more) {
        // Done on the copy: parse `text` again so that the head's views outlive this call.
        const outcome o = finish(p, r);
        p.reset();
        p.parse(text);
        return o;
    }
    first.clear();
    first.shrink_to_fit();
    return finish(p, p.parse(text));
}

/// Feeds text one byte more at a time.
template <class Parser> outcome feed_bytewise(Parser& p, std::string_view text) {
    parse_result r;
    for (std::size_t n = 1; n <= text.size(); ++n) {
        std::string prefix(text.substr(0, n));
        r = p.parse(prefix);
        if (r.status != parse_status::need_more)
            break;
    }
    return finish(p, r);
}

} // namespace aio::http::test
