// Backend selection: io_uring unless AIO_BACKEND or run_options::backend says otherwise,
// epoll when io_uring cannot be set up (old kernel, seccomp filter, io_uring disabled).
#include "io/backend.hpp"

#include <cstdlib>
#include <string>
#include <system_error>

namespace aio::detail {

std::unique_ptr<backend>
make_backend(std::string_view which, std::string* note, unsigned batch_window_us) {
    if (which.empty()) {
        const char* env = ::getenv("AIO_BACKEND");
        if (env && *env)
            which = env;
    }
    if (which == "epoll")
        return make_epoll_backend();
    if (!which.empty() && which != "io_uring")
        return nullptr; // caller reports the bad name
    int err = 0;
    if (auto b = make_uring_backend(&err, batch_window_us))
        return b;
    if (note) {
        *note = "aio: io_uring unavailable (";
        *note += std::system_category().message(err);
        *note += "), falling back to epoll";
    }
    return make_epoll_backend();
}

} // namespace aio::detail
