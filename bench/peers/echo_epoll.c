/* Echo benchmark floor: a raw epoll loop in C with no abstraction.
 *
 * Usage: echo_epoll [--port N]     (N = 0, the default, picks an ephemeral port)
 *
 * Listens on 127.0.0.1, prints "listening <port>" as its first stdout line and
 * echoes every byte back until killed.  Level-triggered epoll; per readable
 * connection one read() into a shared buffer and one write() of what was read
 * (the rest, if the socket is full, is kept and flushed on EPOLLOUT).  That is
 * the minimum syscall work per echo an epoll server can do: epoll_wait
 * (amortised over all ready sockets) + read + write.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUF_SIZE 65536

struct conn {
    int fd;
    size_t pending_len; /* bytes read but not yet written back */
    size_t pending_off;
    char *pending;
};

static int epfd;
static int listen_fd;
static char buf[BUF_SIZE];

static void die(const char *what) {
    fprintf(stderr, "echo_epoll: %s: %s\n", what, strerror(errno));
    exit(1);
}

#include "floor_listen.h"

static void conn_close(struct conn *c) {
    close(c->fd); /* also removes it from the epoll set */
    free(c->pending);
    free(c);
}

static void set_events(struct conn *c, uint32_t events) {
    struct epoll_event ev = {.events = events, .data.ptr = c};
    if (epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0) die("epoll_ctl(MOD)");
}

/* write data; keep what the socket does not take; returns -1 if the peer is gone */
static int send_or_keep(struct conn *c, const char *data, size_t len) {
    size_t off = 0;
    while (off < len) {
        ssize_t n = write(c->fd, data + off, len - off);
        if (n > 0) { off += (size_t)n; continue; }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        return -1;
    }
    if (off == len) return 0;
    size_t rest = len - off;
    char *p = malloc(rest);
    if (!p) die("malloc");
    memcpy(p, data + off, rest);
    c->pending = p;
    c->pending_len = rest;
    c->pending_off = 0;
    set_events(c, EPOLLOUT); /* stop reading until the backlog is flushed */
    return 0;
}

static void on_writable(struct conn *c) {
    while (c->pending_off < c->pending_len) {
        ssize_t n = write(c->fd, c->pending + c->pending_off, c->pending_len - c->pending_off);
        if (n > 0) { c->pending_off += (size_t)n; continue; }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
        conn_close(c);
        return;
    }
    free(c->pending);
    c->pending = NULL;
    c->pending_len = c->pending_off = 0;
    set_events(c, EPOLLIN);
}

static void on_readable(struct conn *c) {
    ssize_t n = read(c->fd, buf, sizeof buf);
    if (n > 0) {
        if (send_or_keep(c, buf, (size_t)n) < 0) conn_close(c);
        return;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
    conn_close(c); /* EOF or error */
}

static void on_accept(void) {
    for (;;) {
        int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) return;
            if (errno == EMFILE || errno == ENFILE) return; /* retry on the next turn */
            die("accept4");
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct conn *c = calloc(1, sizeof *c);
        if (!c) die("calloc");
        c->fd = fd;
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
        if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) die("epoll_ctl(ADD)");
    }
}

int main(int argc, char **argv) {
    int port = parse_port(argc, argv);
    listen_fd = listen_loopback(port);

    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) die("epoll_create1");
    struct epoll_event lev = {.events = EPOLLIN, .data.ptr = NULL};
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, listen_fd, &lev) < 0) die("epoll_ctl(ADD listener)");

    struct epoll_event evs[256];
    for (;;) {
        int n = epoll_wait(epfd, evs, 256, -1);
        if (n < 0) {
            if (errno == EINTR) continue;
            die("epoll_wait");
        }
        for (int i = 0; i < n; i++) {
            struct conn *c = evs[i].data.ptr;
            if (!c) { on_accept(); continue; }
            if (c->pending) {
                if (evs[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) on_writable(c);
            } else {
                on_readable(c);
            }
        }
    }
}
