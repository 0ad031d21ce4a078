// server::add_static: files from a folder, confined to it (openat2 RESOLVE_BENEATH), with
// validators (ETag, Last-Modified), conditional requests (304), single byte ranges (206,
// 416) and a zero-copy body (stream::sendfile). Design: docs/design/http.md, "Static files".
#include "http/body_source.hpp"
#include "http/server_state.hpp"
#include "http/syntax.hpp"

#include <aio/core/error.hpp>
#include <aio/core/shield.hpp>
#include <aio/http/url.hpp>
#include <aio/threads/thread_pool.hpp>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <stdexcept>
#include <string>
#include <utility>

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace aio::http {

namespace detail {

namespace {

// ---- the body: a file region --------------------------------------------------------------

class file_source final : public body_source {
  public:
    file_source(int fd, std::uint64_t offset, std::uint64_t count) noexcept
        : m_fd(fd), m_offset(offset), m_count(count) {}
    ~file_source() override { ::close(m_fd); }
    file_source(const file_source&) = delete;
    file_source& operator=(const file_source&) = delete;

    std::optional<std::uint64_t> length() const noexcept override { return m_count; }

    task<std::uint64_t> write(net::stream& s, body_framing_out) override {
        const std::uint64_t n = co_await s.sendfile(m_fd, m_offset, m_count);
        if (n != m_count)
            throw error("aio::http::server: the file shrank while it was sent (" +
                        std::to_string(n) + " of " + std::to_string(m_count) + " bytes)");
        co_return n;
    }

  private:
    int m_fd;
    std::uint64_t m_offset;
    std::uint64_t m_count;
};

// ---- opening, confined to the root ----------------------------------------------------------

// Files up to this size are read whole by the job that opens them, and answered from
// memory: one pool hop per request instead of two (open, then sendfile), which is most of
// the cost of a small file.
constexpr std::uint64_t small_file = 32 * 1024;

// What the pool job found. Owns `fd` (closed by the destructor), so a request that ends in
// any way — an answer without body, an exception, a cancellation — closes it.
struct opened {
    int fd = -1;
    int err = 0; // errno when fd < 0
    struct stat st {};
    bool small = false; // a small regular file: `data` holds it and fd is closed (-1)
    std::string data;

    opened() = default;
    opened(opened&& o) noexcept
        : fd(std::exchange(o.fd, -1)), err(o.err), st(o.st), small(o.small),
          data(std::move(o.data)) {}
    opened& operator=(opened&& o) noexcept {
        if (this != &o) {
            if (fd >= 0)
                ::close(fd);
            fd = std::exchange(o.fd, -1);
            err = o.err;
            st = o.st;
            small = o.small;
            data = std::move(o.data);
        }
        return *this;
    }
    ~opened() {
        if (fd >= 0)
            ::close(fd);
    }
};

// Opens `rel` beneath `root` (a directory fd). openat2's RESOLVE_BENEATH refuses (EXDEV) any
// resolution that leaves the root: "..", an absolute path, an absolute symlink, a relative
// one climbing out. O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused
// below anyway, as anything but a regular file or directory is).
opened open_beneath(int root, std::string rel) {
    opened o;
    open_how how{};
    how.flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    const char* path = rel.empty() ? "." : rel.c_str();
    const long fd = ::syscall(SYS_openat2, root, path, &how, sizeof how);
    if (fd < 0) {
        o.err = errno;
        return o;
    }
    o.fd = static_cast<int>(fd);
    if (::fstat(o.fd, &o.st) != 0) {
        o.err = errno;
        ::close(o.fd);
        o.fd = -1;
        return o;
    }
    if (S_ISREG(o.st.st_mode) && static_cast<std::uint64_t>(o.st.st_size) <= small_file) {
        o.data.resize(static_cast<std::size_t>(o.st.st_size));
        std::size_t got = 0;
        while (got < o.data.size()) {
            const ssize_t n =
                ::pread(o.fd, o.data.data() + got, o.data.size() - got, static_cast<off_t>(got));
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break; // an error or a file that shrank: serve what was read
            got += static_cast<std::size_t>(n);
        }
        o.data.resize(got);
        o.st.st_size = static_cast<off_t>(got);
        o.small = true;
        ::close(o.fd);
        o.fd = -1;
    }
    return o;
}

// ---- Content-Type ---------------------------------------------------------------------------

std::string_view content_type(std::string_view name) {
    const auto dot = name.rfind('.');
    const auto slash = name.rfind('/');
    if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash))
        return "application/octet-stream";
    std::string ext(name.substr(dot + 1));
    for (char& c : ext)
        c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    struct entry {
        const char* ext;
        const char* type;
    };
    static constexpr entry table[] = {
        {"html", "text/html; charset=utf-8"},
        {"htm", "text/html; charset=utf-8"},
        {"css", "text/css; charset=utf-8"},
        {"js", "text/javascript; charset=utf-8"},
        {"mjs", "text/javascript; charset=utf-8"},
        {"json", "application/json"},
        {"txt", "text/plain; charset=utf-8"},
        {"md", "text/markdown; charset=utf-8"},
        {"csv", "text/csv; charset=utf-8"},
        {"xml", "application/xml"},
        {"svg", "image/svg+xml"},
        {"png", "image/png"},
        {"jpg", "image/jpeg"},
        {"jpeg", "image/jpeg"},
        {"gif", "image/gif"},
        {"webp", "image/webp"},
        {"avif", "image/avif"},
        {"ico", "image/vnd.microsoft.icon"},
        {"woff", "font/woff"},
        {"woff2", "font/woff2"},
        {"ttf", "font/ttf"},
        {"otf", "font/otf"},
        {"wasm", "application/wasm"},
        {"pdf", "application/pdf"},
        {"zip", "application/zip"},
        {"gz", "application/gzip"},
        {"tar", "application/x-tar"},
        {"mp3", "audio/mpeg"},
        {"ogg", "audio/ogg"},
        {"wav", "audio/wav"},
        {"mp4", "video/mp4"},
        {"webm", "video/webm"},
    };
    for (const entry& e : table)
        if (ext == e.ext)
            return e.type;
    return "application/octet-stream";
}

// ---- validators and conditions --------------------------------------------------------------

std::string make_etag(const struct stat& st) {
    const std::uint64_t ns = static_cast<std::uint64_t>(st.st_mtim.tv_sec) * 1000000000ull +
                             static_cast<std::uint64_t>(st.st_mtim.tv_nsec);
    char buf[48];
    const int n =
        std::snprintf(buf, sizeof buf, "\"%llx-%llx\"", static_cast<unsigned long long>(ns),
                      static_cast<unsigned long long>(st.st_size));
    return std::string(buf, static_cast<std::size_t>(n));
}

// If-None-Match uses the weak comparison (RFC 9110 §13.1.2): W/ prefixes are ignored.
bool none_match_hits(std::string_view header, std::string_view etag) {
    while (!header.empty()) {
        const auto comma = header.find(',');
        std::string_view tag = trim_ows(header.substr(0, comma));
        if (tag == "*")
            return true;
        if (tag.substr(0, 2) == "W/")
            tag.remove_prefix(2);
        if (tag == etag)
            return true;
        if (comma == std::string_view::npos)
            break;
        header.remove_prefix(comma + 1);
    }
    return false;
}

int two_digits(std::string_view s, std::size_t at) {
    if (at + 2 > s.size() || s[at] < '0' || s[at] > '9' || s[at + 1] < '0' || s[at + 1] > '9')
        return -1;
    return (s[at] - '0') * 10 + (s[at + 1] - '0');
}

/// Parses an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") into seconds since the epoch;
/// -1 when malformed (the obsolete RFC 850 and asctime forms are not accepted: a condition
/// that cannot be read is ignored, RFC 9110 §13.1.3).
std::int64_t parse_http_date(std::string_view s) {
    static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    s = trim_ows(s);
    if (s.size() != 29 || s[3] != ',' || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' ||
        s[16] != ' ' || s[19] != ':' || s[22] != ':' || s.substr(25) != " GMT")
        return -1;
    std::tm tm{};
    tm.tm_mday = two_digits(s, 5);
    tm.tm_mon = -1;
    for (int m = 0; m < 12; ++m)
        if (s.substr(8, 3) == months[m])
            tm.tm_mon = m;
    const int c = two_digits(s, 12), y = two_digits(s, 14);
    tm.tm_hour = two_digits(s, 17);
    tm.tm_min = two_digits(s, 20);
    tm.tm_sec = two_digits(s, 23);
    if (tm.tm_mday < 1 || tm.tm_mon < 0 || c < 0 || y < 0 || tm.tm_hour < 0 || tm.tm_hour > 23 ||
        tm.tm_min < 0 || tm.tm_min > 59 || tm.tm_sec < 0 || tm.tm_sec > 60)
        return -1;
    tm.tm_year = c * 100 + y - 1900;
    return static_cast<std::int64_t>(::timegm(&tm));
}

/// What a Range header asks of a file of `size` bytes.
struct byte_range {
    enum class kind : unsigned char { whole, part, unsatisfiable } k = kind::whole;
    std::uint64_t first = 0;
    std::uint64_t count = 0;
};

/// Parses `Range` (RFC 9110 §14.2) for a file of `size` bytes. A syntax error or several
/// ranges give `whole` (a server may ignore Range); a single range outside the file gives
/// `unsatisfiable`.
byte_range parse_range(std::string_view h, std::uint64_t size) {
    byte_range r;
    h = trim_ows(h);
    if (h.substr(0, 6) != "bytes=")
        return r;
    h.remove_prefix(6);
    h = trim_ows(h);
    if (h.find(',') != std::string_view::npos)
        return r; // several ranges: answered whole (documented)
    const auto dash = h.find('-');
    if (dash == std::string_view::npos)
        return r;
    const std::string_view a = trim_ows(h.substr(0, dash)), b = trim_ows(h.substr(dash + 1));
    auto number = [](std::string_view t, std::uint64_t& out) {
        if (t.empty())
            return false;
        const auto res = std::from_chars(t.data(), t.data() + t.size(), out);
        return res.ec == std::errc() && res.ptr == t.data() + t.size();
    };
    std::uint64_t x = 0, y = 0;
    if (a.empty()) { // "-n": the last n bytes
        if (!number(b, y))
            return r;
        if (y == 0 || size == 0) {
            r.k = byte_range::kind::unsatisfiable;
            return r;
        }
        r.k = byte_range::kind::part;
        r.count = std::min(y, size);
        r.first = size - r.count;
        return r;
    }
    if (!number(a, x))
        return r;
    if (b.empty()) {
        y = size == 0 ? 0 : size - 1;
    } else if (!number(b, y) || y < x) {
        return r; // "5-3": invalid, ignored
    }
    if (x >= size) {
        r.k = byte_range::kind::unsatisfiable;
        return r;
    }
    r.k = byte_range::kind::part;
    r.first = x;
    r.count = std::min(y, size - 1) - x + 1;
    return r;
}

// ---- the handler ----------------------------------------------------------------------------

struct static_root {
    int fd = -1;
    std::string path;
    std::string index;
    std::string cache_control;
    ~static_root() {
        if (fd >= 0)
            ::close(fd);
    }
};

response text(int status, std::string body) {
    return response::text(status, std::to_string(status) + ": " + std::move(body));
}

void close_fd(opened& o) noexcept {
    if (o.fd >= 0)
        ::close(o.fd);
    o.fd = -1;
}

// Redirects /dir to /dir/ (keeping the raw, encoded path and the query).
response redirect_to_slash(const request& req) {
    std::string_view t = req.target;
    const auto q = t.find('?');
    response r = text(301, "Moved Permanently");
    r.headers.set("Location",
                  std::string(t.substr(0, q)) + "/" +
                      (q == std::string_view::npos ? std::string() : std::string(t.substr(q))));
    return r;
}

task<response> serve_static(std::shared_ptr<static_root> root, request& req) {
    std::string rel(req.param("path"));
    if (rel.find('\0') != std::string::npos)
        co_return text(404, "Not Found");
    // ".." is refused before the kernel is asked (openat2 would refuse one that climbs out
    // too, with EXDEV); a ".." that stays inside is refused as well, so a path has one name.
    {
        std::string_view p = rel;
        while (!p.empty()) {
            const auto slash = p.find('/');
            if (p.substr(0, slash) == "..")
                co_return text(403, "Forbidden");
            if (slash == std::string_view::npos)
                break;
            p.remove_prefix(slash + 1);
        }
    }
    while (!rel.empty() && rel.front() == '/')
        rel.erase(0, 1); // "//x": relative to the root all the same
    // Whether the URL names the folder with its slash (the bare prefix, "/static", matches
    // the tail route with an empty path: it needs the redirect too).
    const std::string_view raw = std::string_view(req.target).substr(0, req.target.find('?'));
    const bool slash_end = !raw.empty() && raw.back() == '/';
    // Shielded: a cancelled wait would leave the job running and drop its result, and with
    // it the descriptor; this way the result always comes back and its destructor closes it.
    opened o = co_await shield(to_thread(open_beneath, root->fd, rel));
    if (o.fd >= 0 && S_ISDIR(o.st.st_mode)) {
        ::close(o.fd);
        o.fd = -1;
        if (!slash_end)
            co_return redirect_to_slash(req);
        if (root->index.empty())
            co_return text(403, "Forbidden");
        rel += root->index;
        o = co_await shield(to_thread(open_beneath, root->fd, rel));
        if (o.fd < 0 && !o.small && (o.err == ENOENT || o.err == ENOTDIR))
            co_return text(403, "Forbidden"); // a directory without an index
    }
    if (o.fd < 0 && !o.small) {
        switch (o.err) {
        case ENOENT:
        case ENOTDIR:
        case ENAMETOOLONG:
        case ELOOP:
            co_return text(404, "Not Found");
        case EXDEV:  // resolution left the root (a symlink out of it)
        case EACCES: // no permission
        case EPERM:
        case ENXIO: // a socket or a FIFO without writer
            co_return text(403, "Forbidden");
        default:
            throw io_error(std::error_code(o.err, std::generic_category()),
                           "aio::http::server: static file '" + rel + "'");
        }
    }
    // From here on the descriptor belongs to the response's source, or is closed here.
    if (!S_ISREG(o.st.st_mode)) {
        close_fd(o);
        co_return text(403, "Forbidden");
    }
    const std::uint64_t size = static_cast<std::uint64_t>(o.st.st_size);
    const std::string etag = make_etag(o.st);
    char lm[32];
    const std::size_t lm_len = format_http_date(o.st.st_mtim.tv_sec, lm);

    response r(200, std::string());
    r.headers.set("Content-Type", std::string(content_type(rel)));
    r.headers.set("ETag", etag);
    r.headers.set("Last-Modified", std::string(lm, lm_len));
    r.headers.set("Accept-Ranges", "bytes");
    if (!root->cache_control.empty())
        r.headers.set("Cache-Control", root->cache_control);

    // Conditions (RFC 9110 §13.2.2): If-None-Match, else If-Modified-Since.
    bool not_modified = false;
    if (auto inm = req.headers.get("if-none-match")) {
        not_modified = none_match_hits(*inm, etag);
    } else if (auto ims = req.headers.get("if-modified-since")) {
        const std::int64_t since = parse_http_date(*ims);
        not_modified = since >= 0 && o.st.st_mtim.tv_sec <= since;
    }
    if (not_modified) {
        close_fd(o);
        r.status = 304;
        co_return r;
    }

    std::uint64_t first = 0, count = size;
    if (auto range = req.headers.get("range")) {
        // If-Range with another validator: the representation changed, send it whole.
        auto if_range = req.headers.get("if-range");
        const bool current =
            !if_range || trim_ows(*if_range) == etag ||
            (parse_http_date(*if_range) >= 0 && parse_http_date(*if_range) == o.st.st_mtim.tv_sec);
        const byte_range br = current ? parse_range(*range, size) : byte_range{};
        if (br.k == byte_range::kind::unsatisfiable) {
            close_fd(o);
            response u = text(416, "Range Not Satisfiable");
            u.headers.set("Content-Range", "bytes */" + std::to_string(size));
            co_return u;
        }
        if (br.k == byte_range::kind::part) {
            first = br.first;
            count = br.count;
            r.status = 206;
            r.headers.set("Content-Range", "bytes " + std::to_string(first) + "-" +
                                               std::to_string(first + count - 1) + "/" +
                                               std::to_string(size));
        }
    }
    if (o.small)
        r.body = o.data.substr(static_cast<std::size_t>(first), static_cast<std::size_t>(count));
    else
        r.source = make_file_source(std::exchange(o.fd, -1), first, count);
    co_return r;
}

} // namespace

std::shared_ptr<body_source> make_file_source(int fd, std::uint64_t offset, std::uint64_t count) {
    try {
        return std::make_shared<file_source>(fd, offset, count);
    } catch (...) {
        ::close(fd);
        throw;
    }
}

} // namespace detail

void server::add_static(std::string_view prefix, std::string root, static_options options) {
    if (prefix.empty() || prefix.front() != '/')
        throw std::invalid_argument("aio::http::server::add_static: prefix must start with '/': " +
                                    std::string(prefix));
    while (prefix.size() > 1 && prefix.back() == '/')
        prefix.remove_suffix(1);
    auto r = std::make_shared<detail::static_root>();
    r->fd = ::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (r->fd < 0)
        throw io_error(std::error_code(errno, std::generic_category()),
                       "aio::http::server::add_static: open '" + root + "'");
    r->path = std::move(root);
    r->index = options.index ? options.index : "";
    r->cache_control = options.cache_control ? options.cache_control : "";
    const std::string base = prefix == "/" ? std::string() : std::string(prefix);
    // The tail route also matches the bare prefix ("/static", an empty path): serve_static
    // redirects it to "/static/".
    route("GET", base + "/{path...}",
          [r](request& req) -> task<response> { return detail::serve_static(r, req); });
}

} // namespace aio::http
