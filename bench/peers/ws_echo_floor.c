/* WebSocket echo benchmark floor: the least work a WebSocket echo server can do per message
 * on this machine with this load, in C on a raw epoll loop (bench/run_ws_bench.sh, row
 * `c-floor`). Not a real server; it does less than one:
 *   - the opening handshake only checks for Sec-WebSocket-Key (SHA-1 + base64 via OpenSSL);
 *     no Upgrade/Connection/version validation, no subprotocols, no permessage-deflate;
 *   - frames are parsed and unmasked, but fragmentation is not reassembled (each frame is
 *     echoed as it came, opcode and FIN kept), text is not checked as UTF-8, there is no
 *     message size limit beyond memory, and protocol errors just drop the connection;
 *   - a ping gets its pong, a close frame is echoed and the connection closed.
 * What it does per readable connection: one read() into the connection's buffer, every
 * whole frame in it unmasked into one output buffer, one write() of all the echoes (the
 * rest, if the socket is full, is kept and flushed on EPOLLOUT).
 *
 * Usage: ws_echo_floor [--port N]   (0, the default: an ephemeral port). Prints
 * "listening <port>" and serves on 127.0.0.1 until killed.
 * Build: cc -O2 -o ws_echo_floor ws_echo_floor.c -lcrypto
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define READ_SIZE 65536

struct buf {
    char *p;
    size_t len, cap;
};

struct conn {
    int fd;
    int upgraded;
    struct buf in;  /* bytes read, not yet consumed (a partial frame or handshake) */
    struct buf out; /* bytes to write; out_off of them already written */
    size_t out_off;
};

static int epfd;
static int listen_fd;

static void die(const char *what) {
    fprintf(stderr, "ws_echo_floor: %s: %s\n", what, strerror(errno));
    exit(1);
}

#include "floor_listen.h"

static void reserve(struct buf *b, size_t extra) {
    if (b->cap - b->len >= extra) return;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap - b->len < extra) cap *= 2;
    b->p = realloc(b->p, cap);
    if (!b->p) die("realloc");
    b->cap = cap;
}

static void conn_close(struct conn *c) {
    close(c->fd); /* also removes it from the epoll set */
    free(c->in.p);
    free(c->out.p);
    free(c);
}

static void set_events(struct conn *c, uint32_t events) {
    struct epoll_event ev = {.events = events, .data.ptr = c};
    if (epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0) die("epoll_ctl(MOD)");
}

/* Writes c->out; returns -1 if the peer is gone. What the socket does not take waits for
 * EPOLLOUT (reading stops meanwhile). */
static int flush_out(struct conn *c) {
    while (c->out_off < c->out.len) {
        ssize_t n = write(c->fd, c->out.p + c->out_off, c->out.len - c->out_off);
        if (n > 0) { c->out_off += (size_t)n; continue; }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            set_events(c, EPOLLOUT);
            return 0;
        }
        return -1;
    }
    c->out.len = c->out_off = 0;
    return 0;
}

static void append_frame(struct buf *out, unsigned op_byte, const char *payload, size_t len,
                         const unsigned char key[4]) {
    reserve(out, len + 10);
    unsigned char *h = (unsigned char *)out->p + out->len;
    size_t n = 0;
    h[n++] = (unsigned char)op_byte;
    if (len < 126) {
        h[n++] = (unsigned char)len;
    } else if (len <= 0xFFFF) {
        h[n++] = 126;
        h[n++] = (unsigned char)(len >> 8);
        h[n++] = (unsigned char)len;
    } else {
        h[n++] = 127;
        for (int s = 56; s >= 0; s -= 8) h[n++] = (unsigned char)((uint64_t)len >> s);
    }
    char *dst = out->p + out->len + n;
    /* unmask eight bytes at a time */
    unsigned char k8[8];
    for (int j = 0; j < 8; j++) k8[j] = key[j % 4];
    uint64_t k;
    memcpy(&k, k8, 8);
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, payload + i, 8);
        w ^= k;
        memcpy(dst + i, &w, 8);
    }
    for (; i < len; i++) dst[i] = (char)(payload[i] ^ (char)key[i % 4]);
    out->len += n + len;
}

/* Echoes every whole frame in c->in; returns -1 to drop the connection, 1 after a close. */
static int on_frames(struct conn *c) {
    size_t at = 0;
    int closed = 0;
    while (!closed) {
        const unsigned char *b = (const unsigned char *)c->in.p + at;
        size_t avail = c->in.len - at;
        if (avail < 2) break;
        if (!(b[1] & 0x80)) return -1; /* client frames must be masked */
        uint64_t len = b[1] & 0x7F;
        size_t hdr = 2;
        if (len == 126) {
            if (avail < 4) break;
            len = ((uint64_t)b[2] << 8) | b[3];
            hdr = 4;
        } else if (len == 127) {
            if (avail < 10) break;
            len = 0;
            for (int i = 2; i < 10; i++) len = (len << 8) | b[i];
            hdr = 10;
            if (len >> 62) return -1;
        }
        if (avail < hdr + 4 || avail - hdr - 4 < len) break;
        const unsigned char *key = b + hdr;
        const char *payload = (const char *)b + hdr + 4;
        unsigned op = b[0] & 0x0F;
        if (op == 0x9) {
            append_frame(&c->out, 0x8A, payload, (size_t)len, key); /* pong */
        } else if (op != 0xA) {
            append_frame(&c->out, b[0], payload, (size_t)len, key); /* echo, close included */
            closed = op == 0x8;
        }
        at += hdr + 4 + (size_t)len;
    }
    memmove(c->in.p, c->in.p + at, c->in.len - at);
    c->in.len -= at;
    return closed;
}

/* The opening handshake: answers once the request's head is in; -1 on a bad request. */
static int on_handshake(struct conn *c) {
    reserve(&c->in, 1);
    c->in.p[c->in.len] = '\0';
    char *end = strstr(c->in.p, "\r\n\r\n");
    if (!end) return c->in.len > 16384 ? -1 : 0;
    const char *name = "\r\nSec-WebSocket-Key:";
    char *k = NULL;
    for (char *p = c->in.p; (p = strstr(p, "\r\n")) && p < end; p += 2)
        if (!strncasecmp(p, name, strlen(name))) { k = p + strlen(name); break; }
    if (!k) return -1;
    while (*k == ' ') k++;
    char *ke = k;
    while (*ke && *ke != '\r' && *ke != ' ') ke++;
    char src[128];
    size_t kl = (size_t)(ke - k);
    const char *guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    if (kl > 64) return -1;
    memcpy(src, k, kl);
    memcpy(src + kl, guid, strlen(guid));
    unsigned char sha[SHA_DIGEST_LENGTH];
    SHA1((const unsigned char *)src, kl + strlen(guid), sha);
    unsigned char accept[64];
    EVP_EncodeBlock(accept, sha, SHA_DIGEST_LENGTH);
    reserve(&c->out, 256);
    c->out.len += (size_t)snprintf(c->out.p + c->out.len, 256,
                                   "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                                   "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
                                   accept);
    size_t head = (size_t)(end + 4 - c->in.p);
    memmove(c->in.p, c->in.p + head, c->in.len - head);
    c->in.len -= head;
    c->upgraded = 1;
    return 0;
}

static void on_readable(struct conn *c) {
    reserve(&c->in, READ_SIZE);
    ssize_t n = read(c->fd, c->in.p + c->in.len, READ_SIZE);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
    if (n <= 0) { conn_close(c); return; } /* EOF or error */
    c->in.len += (size_t)n;
    int r = 0;
    if (!c->upgraded) r = on_handshake(c);
    if (r == 0 && c->upgraded) r = on_frames(c);
    if (r < 0 || flush_out(c) < 0 || r == 1) conn_close(c);
}

static void on_writable(struct conn *c) {
    if (flush_out(c) < 0) { conn_close(c); return; }
    if (c->out.len == 0) set_events(c, EPOLLIN);
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
            if (c->out.len) {
                if (evs[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) on_writable(c);
            } else {
                on_readable(c);
            }
        }
    }
}
