// permessage-deflate over zlib (RFC 7692). Compression: raw deflate with the negotiated
// window, Z_SYNC_FLUSH, and the trailing 00 00 FF FF removed (§7.2.1); with
// no_context_takeover the stream is reset after each message. Decompression always uses a
// 32 KiB window (it inflates anything a smaller window produced) and keeps its context:
// a peer that resets its own is still read correctly. zlib cannot make raw deflate with an
// 8-bit window, so a peer that asks us for 8 is declined (server) or refused (client).

#include "ws/deflate.hpp"

#include <cstring>
#include <stdexcept>
#include <vector>

#include <zlib.h>

namespace aio::ws::detail {

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

bool ieq(std::string_view a, std::string_view b) {
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z')
            x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = static_cast<char>(y - 'A' + 'a');
        if (x != y)
            return false;
    }
    return true;
}

// Splits `s` at `sep` outside double quotes.
std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    bool quoted = false;
    std::size_t start = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '"')
            quoted = !quoted;
        else if (s[i] == sep && !quoted) {
            out.push_back(trim(s.substr(start, i - start)));
            start = i + 1;
        }
    }
    out.push_back(trim(s.substr(start)));
    return out;
}

struct param {
    std::string_view name;
    std::optional<std::string_view> value;
};

std::optional<param> parse_param(std::string_view p) {
    param r;
    const auto eq = p.find('=');
    r.name = trim(p.substr(0, eq));
    if (r.name.empty())
        return std::nullopt;
    if (eq != std::string_view::npos) {
        std::string_view v = trim(p.substr(eq + 1));
        if (v.size() >= 2 && v.front() == '"' && v.back() == '"')
            v = v.substr(1, v.size() - 2);
        r.value = v;
    }
    return r;
}

// "9".."15" -> the number; else 0.
int window_bits(std::string_view v) {
    if (v.empty() || v.size() > 2)
        return 0;
    int n = 0;
    for (char c : v) {
        if (c < '0' || c > '9')
            return 0;
        n = n * 10 + (c - '0');
    }
    if (v.size() == 2 && v[0] == '0')
        return 0;
    return n >= 8 && n <= 15 ? n : 0;
}

// Parses one extension's parameters into `out`; false if malformed or unknown, or repeated.
bool parse_deflate_params(const std::vector<std::string_view>& parts,
                          deflate_params& out,
                          bool& client_bits_offered,
                          std::string* error) {
    bool seen[4] = {};
    for (std::size_t i = 1; i < parts.size(); ++i) {
        const auto p = parse_param(parts[i]);
        auto fail = [&](const char* why) {
            if (error)
                *error = std::string(why) + ": " + std::string(parts[i]);
            return false;
        };
        if (!p)
            return fail("malformed permessage-deflate parameter");
        int which = -1;
        if (ieq(p->name, "server_no_context_takeover")) {
            which = 0;
            if (p->value)
                return fail("server_no_context_takeover takes no value");
            out.server_no_context_takeover = true;
        } else if (ieq(p->name, "client_no_context_takeover")) {
            which = 1;
            if (p->value)
                return fail("client_no_context_takeover takes no value");
            out.client_no_context_takeover = true;
        } else if (ieq(p->name, "server_max_window_bits")) {
            which = 2;
            const int b = p->value ? window_bits(*p->value) : 0;
            if (!b)
                return fail("server_max_window_bits needs a value in 8..15");
            out.server_max_window_bits = b;
        } else if (ieq(p->name, "client_max_window_bits")) {
            which = 3;
            client_bits_offered = true;
            if (p->value) {
                const int b = window_bits(*p->value);
                if (!b)
                    return fail("client_max_window_bits must be in 8..15");
                out.client_max_window_bits = b;
            }
        } else {
            return fail("unknown permessage-deflate parameter");
        }
        if (seen[which])
            return fail("repeated permessage-deflate parameter");
        seen[which] = true;
    }
    return true;
}

} // namespace

std::string deflate_offer() {
    return "permessage-deflate; client_max_window_bits";
}

std::optional<std::pair<deflate_params, std::string>> deflate_accept(std::string_view offers) {
    for (std::string_view ext : split(offers, ',')) {
        const std::vector<std::string_view> parts = split(ext, ';');
        if (!ieq(parts[0], "permessage-deflate"))
            continue;
        deflate_params p;
        bool client_bits = false;
        if (!parse_deflate_params(parts, p, client_bits, nullptr))
            continue;
        if (p.server_max_window_bits == 8)
            continue; // zlib: no raw deflate with a 256-byte window
        std::string resp = "permessage-deflate";
        if (p.server_no_context_takeover)
            resp += "; server_no_context_takeover";
        if (p.client_no_context_takeover)
            resp += "; client_no_context_takeover";
        if (p.server_max_window_bits != 15)
            resp += "; server_max_window_bits=" + std::to_string(p.server_max_window_bits);
        if (client_bits && p.client_max_window_bits != 15)
            resp += "; client_max_window_bits=" + std::to_string(p.client_max_window_bits);
        return std::make_pair(p, resp);
    }
    return std::nullopt;
}

std::optional<deflate_params> deflate_check_response(std::string_view value, std::string& error) {
    const std::vector<std::string_view> exts = split(value, ',');
    if (exts.size() != 1) {
        error = "the server accepted more than the one extension offered: " + std::string(value);
        return std::nullopt;
    }
    const std::vector<std::string_view> parts = split(exts[0], ';');
    if (!ieq(parts[0], "permessage-deflate")) {
        error = "the server accepted an extension that was not offered: " + std::string(parts[0]);
        return std::nullopt;
    }
    deflate_params p;
    bool client_bits = false;
    if (!parse_deflate_params(parts, p, client_bits, &error))
        return std::nullopt;
    if (p.client_max_window_bits == 8) {
        error = "the server asked for client_max_window_bits=8, which zlib cannot produce";
        return std::nullopt;
    }
    return p;
}

struct deflater::impl {
    z_stream z{};
};

deflater::deflater(int window_bits, bool no_context_takeover)
    : m(std::make_unique<impl>()), m_reset(no_context_takeover) {
    if (deflateInit2(&m->z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -window_bits, 8,
                     Z_DEFAULT_STRATEGY) != Z_OK)
        throw std::bad_alloc();
}

deflater::~deflater() {
    deflateEnd(&m->z);
}

std::string deflater::compress(std::string_view message) {
    // A vector, not a string resized in place: GCC 12 warns (-Wrestrict, a false positive)
    // on std::string::resize after the loop.
    std::vector<char> buf(deflateBound(&m->z, static_cast<uLong>(message.size())) + 16);
    m->z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(message.data()));
    m->z.avail_in = static_cast<uInt>(message.size());
    std::size_t used = 0;
    for (;;) {
        m->z.next_out = reinterpret_cast<Bytef*>(buf.data() + used);
        m->z.avail_out = static_cast<uInt>(buf.size() - used);
        const int rc = deflate(&m->z, Z_SYNC_FLUSH);
        used = buf.size() - m->z.avail_out;
        if (rc != Z_OK && rc != Z_BUF_ERROR)
            throw std::runtime_error("aio::ws: deflate failed");
        if (m->z.avail_out != 0 && m->z.avail_in == 0)
            break;
        buf.resize(buf.size() * 2);
    }
    // Z_SYNC_FLUSH ends with an empty stored block: 00 00 FF FF, removed on the wire.
    if (used >= 4 && std::memcmp(buf.data() + used - 4, "\x00\x00\xff\xff", 4) == 0)
        used -= 4;
    if (m_reset)
        deflateReset(&m->z);
    // zlib writes nothing when a sync flush finds no new input (an empty message right after
    // another flush); the wire form of an empty message is one empty stored block, 0x00
    // (RFC 7692 §7.2.3.6). Found by fuzz/ws_frame_fuzz.cpp.
    if (used == 0)
        return std::string(1, '\0');
    return std::string(buf.data(), used);
}

struct inflater::impl {
    z_stream z{};
};

inflater::inflater() : m(std::make_unique<impl>()) {
    if (inflateInit2(&m->z, -15) != Z_OK)
        throw std::bad_alloc();
}

inflater::~inflater() {
    inflateEnd(&m->z);
}

bool inflater::decompress(std::string_view compressed,
                          std::size_t max,
                          std::string& out,
                          bool& too_big) {
    out.clear();
    return feed(compressed, max, out, too_big) && finish(max, out, too_big);
}

bool inflater::finish(std::size_t max, std::string& out, bool& too_big) {
    static const char tail[4] = {0x00, 0x00, static_cast<char>(0xff), static_cast<char>(0xff)};
    return feed(std::string_view(tail, 4), max, out, too_big);
}

bool inflater::feed(std::string_view in, std::size_t max, std::string& out, bool& too_big) {
    too_big = false;
    char buf[16384];
    m->z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    m->z.avail_in = static_cast<uInt>(in.size());
    do {
        m->z.next_out = reinterpret_cast<Bytef*>(buf);
        m->z.avail_out = sizeof buf;
        const int rc = inflate(&m->z, Z_SYNC_FLUSH);
        if (rc != Z_OK && rc != Z_BUF_ERROR && rc != Z_STREAM_END)
            return false;
        const std::size_t got = sizeof buf - m->z.avail_out;
        if (out.size() + got > max) {
            too_big = true;
            return false;
        }
        out.append(buf, got);
        if (rc == Z_STREAM_END) {
            // A final block (BFINAL) ends the deflate stream; the next message starts a
            // new one (a peer may end each message so).
            inflateReset(&m->z);
            if (m->z.avail_in != 0)
                continue;
            break;
        }
        if (rc == Z_BUF_ERROR && m->z.avail_out != 0)
            break; // no progress possible: all input used
    } while (m->z.avail_in != 0 || m->z.avail_out == 0);
    return true;
}

} // namespace aio::ws::detail
