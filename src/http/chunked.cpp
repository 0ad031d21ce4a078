// The chunked transfer coding decoder (RFC 9112 §7.1). Data is handed out as views as soon
// as it arrives; a chunk-size line or the trailer section is consumed only once complete
// (searched incrementally: m_scan remembers how far), so the caller never has to keep more
// than the limits allow. Limits are checked on the incomplete line or section, at the
// offset of the first byte past them, so the outcome does not depend on how bytes arrive.
#include "http/syntax.hpp"

#include <aio/http/chunked.hpp>

#include <algorithm>
#include <cstring>

namespace aio::http {

using namespace detail;

chunked_decoder::chunked_decoder(const chunked_limits& limits) noexcept : m_limits(limits) {
    m_limits.max_size_digits = std::clamp<std::size_t>(m_limits.max_size_digits, 1, 16);
}

void chunked_decoder::reset() noexcept {
    m_state = state::size_line;
    m_remaining = 0;
    m_offset = 0;
    m_scan = 0;
    m_trailer_lines = 0;
    m_line = 0;
    m_trailers.clear();
    m_error = {};
}

chunk_result chunked_decoder::fail(parse_errc code, std::size_t offset) noexcept {
    m_state = state::error;
    m_error = {code, offset};
    return {chunk_status::error, 0, {}};
}

// chunk-size [ chunk-ext ], CRLF excluded; `at` is the line's offset in the body.
bool chunked_decoder::size_line(std::string_view line, std::size_t at) noexcept {
    auto bad = [&](parse_errc code, std::size_t i) {
        if (i < line.size() && line[i] == '\r')
            code = parse_errc::bare_cr;
        fail(code, at + i);
        return false;
    };
    std::size_t i = 0;
    std::uint64_t size = 0;
    while (i < line.size() && is(line[i], c_hex)) {
        if (i == m_limits.max_size_digits)
            return bad(parse_errc::chunk_size_too_long, i);
        char c = line[i];
        unsigned d = c <= '9' ? static_cast<unsigned>(c - '0')
                              : static_cast<unsigned>((c | 0x20) - 'a' + 10);
        size = size << 4 | d; // at most 16 digits: no overflow
        ++i;
    }
    if (i == 0)
        return bad(parse_errc::invalid_chunk_size, 0);
    const std::size_t digits_end = i;
    // chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] ) (RFC 9112 §7.1.1)
    while (i < line.size()) {
        std::size_t j = i;
        while (j < line.size() && is_ows(line[j]))
            ++j;
        if (j == line.size() || line[j] != ';')
            return bad(j == digits_end ? parse_errc::invalid_chunk_size
                                       : parse_errc::invalid_chunk_extension,
                       j);
        ++j;
        while (j < line.size() && is_ows(line[j]))
            ++j;
        std::size_t name = j;
        while (j < line.size() && is(line[j], c_tchar))
            ++j;
        if (j == name)
            return bad(parse_errc::invalid_chunk_extension, j);
        std::size_t k = j;
        while (k < line.size() && is_ows(line[k]))
            ++k;
        if (k < line.size() && line[k] == '=') {
            ++k;
            while (k < line.size() && is_ows(line[k]))
                ++k;
            if (k < line.size() && line[k] == '"') {
                // quoted-string (RFC 9110 §5.6.4)
                ++k;
                while (true) {
                    if (k == line.size())
                        return bad(parse_errc::invalid_chunk_extension, k);
                    char c = line[k];
                    if (c == '"')
                        break;
                    if (c == '\\') {
                        ++k;
                        if (k == line.size() || !is(line[k], c_value))
                            return bad(parse_errc::invalid_chunk_extension, k);
                    } else if (!is(c, c_value)) {
                        return bad(parse_errc::invalid_chunk_extension, k);
                    }
                    ++k;
                }
                ++k;
            } else {
                std::size_t v = k;
                while (k < line.size() && is(line[k], c_tchar))
                    ++k;
                if (k == v)
                    return bad(parse_errc::invalid_chunk_extension, k);
            }
            j = k;
        }
        i = j;
    }
    m_remaining = size;
    return true;
}

chunk_result chunked_decoder::decode(std::string_view in) noexcept {
    const char* p = in.data();
    const std::size_t n = in.size();
    std::size_t pos = 0;
    auto done_with = [&](chunk_status s, std::string_view data = {}) {
        m_offset += pos;
        return chunk_result{s, pos, data};
    };
    auto at = [&](std::size_t i) { return static_cast<std::size_t>(m_offset) + i; };
    while (true) {
        switch (m_state) {
        case state::done:
            return {chunk_status::done, 0, {}};
        case state::error:
            return {chunk_status::error, 0, {}};
        case state::size_line: {
            if (pos + m_scan > n)
                m_scan = 0; // misuse (fewer bytes than before): search again
            const void* hit =
                pos + m_scan < n ? std::memchr(p + pos + m_scan, '\n', n - pos - m_scan) : nullptr;
            if (!hit) {
                m_scan = n - pos;
                std::size_t o = incomplete_line_overrun(p, pos, n, m_limits.max_line);
                if (o != std::string_view::npos)
                    return fail(parse_errc::chunk_line_too_long, at(o));
                return done_with(chunk_status::need_more);
            }
            std::size_t lf = static_cast<std::size_t>(static_cast<const char*>(hit) - p);
            bool crlf = lf > pos && p[lf - 1] == '\r';
            std::size_t end = crlf ? lf - 1 : lf;
            if (end - pos > m_limits.max_line)
                return fail(parse_errc::chunk_line_too_long, at(pos + m_limits.max_line));
            if (!crlf)
                return fail(parse_errc::bare_lf, at(lf));
            if (!size_line(std::string_view(p + pos, end - pos), at(pos)))
                return {chunk_status::error, 0, {}};
            pos = lf + 1;
            m_scan = 0;
            m_state = m_remaining == 0 ? state::trailers : state::data;
            break;
        }
        case state::data: {
            if (pos == n)
                return done_with(chunk_status::need_more);
            std::size_t take = static_cast<std::size_t>(
                std::min<std::uint64_t>(m_remaining, static_cast<std::uint64_t>(n - pos)));
            std::string_view data(p + pos, take);
            pos += take;
            m_remaining -= take;
            if (m_remaining == 0)
                m_state = state::data_cr;
            return done_with(chunk_status::data, data);
        }
        case state::data_cr:
        case state::data_lf: {
            if (pos == n)
                return done_with(chunk_status::need_more);
            char want = m_state == state::data_cr ? '\r' : '\n';
            if (p[pos] != want)
                return fail(parse_errc::missing_chunk_crlf, at(pos));
            ++pos;
            m_state = m_state == state::data_cr ? state::data_lf : state::size_line;
            break;
        }
        case state::trailers: {
            // The trailer section [pos, ...) is consumed whole once its empty line arrived;
            // m_scan counts the bytes of it searched so far, m_line is where the line being
            // received starts, m_trailer_lines how many lines before it were validated.
            const std::size_t base = pos;
            if (base + m_scan > n)
                m_scan = m_line = m_trailer_lines = 0; // misuse (fewer bytes): start over
            std::size_t line = base + m_line;          // start of the line being looked at
            std::size_t scan = base + m_scan;
            while (true) {
                const void* hit = scan < n ? std::memchr(p + scan, '\n', n - scan) : nullptr;
                if (!hit) {
                    if (n - base > m_limits.max_trailer_bytes)
                        return fail(parse_errc::header_section_too_large,
                                    at(base + m_limits.max_trailer_bytes));
                    m_scan = n - base;
                    m_line = line - base;
                    return done_with(chunk_status::need_more);
                }
                std::size_t lf = static_cast<std::size_t>(static_cast<const char*>(hit) - p);
                scan = lf + 1;
                bool crlf = lf > line && p[lf - 1] == '\r';
                std::size_t end = crlf ? lf - 1 : lf;
                if (lf + 1 - base > m_limits.max_trailer_bytes)
                    return fail(parse_errc::header_section_too_large,
                                at(base + m_limits.max_trailer_bytes));
                if (!crlf)
                    return fail(parse_errc::bare_lf, at(lf));
                if (end == line) { // the empty line: the body ends here
                    m_trailers.clear();
                    std::size_t l = base;
                    while (l < line) {
                        std::size_t e = static_cast<std::size_t>(
                            static_cast<const char*>(std::memchr(p + l, '\n', line - l)) - p);
                        field_line f = parse_field_line(p, l, e - 1);
                        m_trailers.push_back(
                            {std::string_view(p + l, f.name_end - l),
                             std::string_view(p + f.value_begin, f.value_end - f.value_begin)});
                        l = e + 1;
                    }
                    pos = lf + 1;
                    m_scan = m_line = m_trailer_lines = 0;
                    m_state = state::done;
                    return done_with(chunk_status::done);
                }
                if (m_trailer_lines == m_limits.max_trailers)
                    return fail(parse_errc::too_many_headers, at(line));
                field_line f = parse_field_line(p, line, end);
                if (f.error != parse_errc::none)
                    return fail(f.error, at(f.error_at));
                ++m_trailer_lines;
                line = lf + 1;
            }
        }
        }
    }
}

chunk_result chunked_decoder::decode_into(std::string_view in, std::string& out) {
    std::size_t total = 0;
    while (true) {
        chunk_result r = decode(in.substr(total));
        total += r.consumed;
        if (r.status == chunk_status::data) {
            out.append(r.data);
            continue;
        }
        return {r.status, total, {}};
    }
}

} // namespace aio::http
