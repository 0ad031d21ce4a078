#include "os/child_reaper.hpp"

#include <cerrno>

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

namespace aio::detail {

int wait_blocking(pid_t pid) noexcept {
    int status = 0;
    for (;;) {
        const pid_t r = ::waitpid(pid, &status, 0);
        if (r == pid)
            return status;
        if (r < 0 && errno == EINTR)
            continue;
        return -1;
    }
}

void child_reaper::adopt(pid_t pid, int pidfd) noexcept {
    int status = 0;
    if (pidfd < 0 || ::waitpid(pid, &status, WNOHANG) == pid) {
        if (pidfd < 0)
            wait_blocking(pid);
        if (pidfd >= 0)
            ::close(pidfd);
        return;
    }
    try {
        child& c = m_children.emplace_back();
        c.m_owner = this;
        c.m_pid = pid;
        c.m_kind = op_kind::poll;
        c.m_fd = pidfd;
        c.m_len = POLLIN;
        c.m_complete = &on_exit;
        c.m_inflight = true;
        m_loop.io().submit(c);
    } catch (...) {
        wait_blocking(pid); // out of memory: block rather than leave a zombie
        ::close(pidfd);
    }
}

void child_reaper::on_exit(io_op* op) noexcept {
    auto* c = static_cast<child*>(op);
    c->m_inflight = false;
    child_reaper& r = *c->m_owner;
    if (r.m_closing)
        return;
    int status = 0;
    if (::waitpid(c->m_pid, &status, WNOHANG) == 0) {
        c->m_inflight = true; // spurious: wait again
        r.m_loop.io().submit(*c);
        return;
    }
    for (auto it = r.m_children.begin(); it != r.m_children.end(); ++it) {
        if (&*it == c) {
            r.finish(it);
            return;
        }
    }
}

void child_reaper::finish(std::list<child>::iterator it) noexcept {
    m_loop.io().forget_fd(it->m_fd);
    ::close(it->m_fd);
    m_children.erase(it);
}

child_reaper::~child_reaper() {
    m_closing = true;
    backend& io = m_loop.io();
    for (child& c : m_children) {
        if (c.m_inflight)
            io.cancel(c);
    }
    for (int i = 0; i < 1000; ++i) {
        bool any = false;
        for (child& c : m_children)
            any = any || c.m_inflight;
        if (!any)
            break;
        io.poll(1000000);
    }
    for (child& c : m_children) {
        wait_blocking(c.m_pid);
        io.forget_fd(c.m_fd);
        ::close(c.m_fd);
    }
}

} // namespace aio::detail
