/* Echo benchmark floor: a raw io_uring loop in C (liburing), no abstraction.
 *
 * Usage: echo_uring [--port N]     (N = 0, the default, picks an ephemeral port)
 *
 * Listens on 127.0.0.1, prints "listening <port>" as its first stdout line and
 * echoes every byte back until killed.
 *
 *  - one multishot accept SQE serves every connection (re-armed only if the
 *    kernel ends it, i.e. a CQE without IORING_CQE_F_MORE);
 *  - per connection exactly one operation is in flight: recv into the
 *    connection's buffer, then send of what arrived (re-sent on a short send),
 *    then recv again;
 *  - batching: completions are reaped in bulk, the SQEs they produce are
 *    queued, and the whole batch goes to the kernel with the next loop turn's
 *    single io_uring_submit_and_wait() (one io_uring_enter per turn);
 *  - ring flags: SINGLE_ISSUER|DEFER_TASKRUN, else COOP_TASKRUN, else none
 *    (the one used is printed on stderr).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUF_SIZE 16384
#define RING_ENTRIES 1024

enum op { OP_ACCEPT = 0, OP_RECV = 1, OP_SEND = 2 };

struct conn {
    int fd;
    unsigned len;  /* bytes received, being echoed */
    unsigned sent; /* of those, bytes sent so far */
    char buf[BUF_SIZE];
};

static struct io_uring ring;
static int listen_fd;

static void die(const char *what, int err) {
    fprintf(stderr, "echo_uring: %s: %s\n", what, strerror(err));
    exit(1);
}

static struct io_uring_sqe *get_sqe(void) {
    struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
    if (!sqe) { /* SQ full: flush what is queued and try again */
        int r = io_uring_submit(&ring);
        if (r < 0) die("io_uring_submit", -r);
        sqe = io_uring_get_sqe(&ring);
        if (!sqe) die("io_uring_get_sqe", EBUSY);
    }
    return sqe;
}

static uint64_t tag(struct conn *c, enum op op) { return (uint64_t)(uintptr_t)c | (uint64_t)op; }

static void arm_accept(void) {
    struct io_uring_sqe *sqe = get_sqe();
    io_uring_prep_multishot_accept(sqe, listen_fd, NULL, NULL, SOCK_CLOEXEC);
    io_uring_sqe_set_data64(sqe, OP_ACCEPT);
}

static void queue_recv(struct conn *c) {
    struct io_uring_sqe *sqe = get_sqe();
    io_uring_prep_recv(sqe, c->fd, c->buf, BUF_SIZE, 0);
    io_uring_sqe_set_data64(sqe, tag(c, OP_RECV));
}

static void queue_send(struct conn *c) {
    struct io_uring_sqe *sqe = get_sqe();
    io_uring_prep_send(sqe, c->fd, c->buf + c->sent, c->len - c->sent, MSG_NOSIGNAL);
    io_uring_sqe_set_data64(sqe, tag(c, OP_SEND));
}

static void conn_close(struct conn *c) {
    close(c->fd); /* nothing of this connection is in flight any more */
    free(c);
}

static void on_cqe(const struct io_uring_cqe *cqe) {
    uint64_t data = io_uring_cqe_get_data64(cqe);
    enum op op = (enum op)(data & 3u);
    struct conn *c = (struct conn *)(uintptr_t)(data & ~(uint64_t)3u);
    int res = cqe->res;
    switch (op) {
    case OP_ACCEPT:
        if (!(cqe->flags & IORING_CQE_F_MORE)) arm_accept();
        if (res < 0) {
            if (res == -EMFILE || res == -ENFILE || res == -ECONNABORTED || res == -EINTR) return;
            die("accept", -res);
        }
        {
            int one = 1;
            setsockopt(res, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            struct conn *nc = malloc(sizeof *nc);
            if (!nc) die("malloc", ENOMEM);
            nc->fd = res;
            nc->len = nc->sent = 0;
            queue_recv(nc);
        }
        return;
    case OP_RECV:
        if (res == -EINTR || res == -EAGAIN) { queue_recv(c); return; }
        if (res <= 0) { conn_close(c); return; } /* EOF or error */
        c->len = (unsigned)res;
        c->sent = 0;
        queue_send(c);
        return;
    case OP_SEND:
        if (res == -EINTR || res == -EAGAIN) { queue_send(c); return; }
        if (res < 0) { conn_close(c); return; }
        c->sent += (unsigned)res;
        if (c->sent < c->len) queue_send(c);
        else queue_recv(c);
        return;
    }
}

static int parse_port(int argc, char **argv) {
    long port = 0;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (!strcmp(s, "--port")) {
            if (++i >= argc) goto bad;
            s = argv[i];
        }
        char *end = NULL;
        port = strtol(s, &end, 10);
        if (end == s || *end || port < 0 || port > 65535) goto bad;
    }
    return (int)port;
bad:
    fprintf(stderr, "usage: %s [--port N]\n", argv[0]);
    exit(64);
}

int main(int argc, char **argv) {
    int port = parse_port(argc, argv);

    struct io_uring_params p;
    memset(&p, 0, sizeof p);
    p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
    const char *mode = "SINGLE_ISSUER|DEFER_TASKRUN";
    int r = io_uring_queue_init_params(RING_ENTRIES, &ring, &p);
    if (r == -EINVAL) {
        memset(&p, 0, sizeof p);
        p.flags = IORING_SETUP_COOP_TASKRUN;
        mode = "COOP_TASKRUN";
        r = io_uring_queue_init_params(RING_ENTRIES, &ring, &p);
    }
    if (r == -EINVAL) {
        memset(&p, 0, sizeof p);
        mode = "no flags";
        r = io_uring_queue_init_params(RING_ENTRIES, &ring, &p);
    }
    if (r < 0) die("io_uring_queue_init_params", -r);
    fprintf(stderr, "echo_uring: ring flags: %s\n", mode);

    listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listen_fd < 0) die("socket", errno);
    int one = 1;
    setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(listen_fd, (struct sockaddr *)&addr, sizeof addr) < 0) die("bind", errno);
    if (listen(listen_fd, 1024) < 0) die("listen", errno);
    socklen_t alen = sizeof addr;
    if (getsockname(listen_fd, (struct sockaddr *)&addr, &alen) < 0) die("getsockname", errno);
    printf("listening %d\n", ntohs(addr.sin_port));
    fflush(stdout);

    arm_accept();
    for (;;) {
        r = io_uring_submit_and_wait(&ring, 1); /* the one submit of this turn */
        if (r < 0 && r != -EINTR && r != -EAGAIN && r != -EBUSY) die("io_uring_submit_and_wait", -r);
        struct io_uring_cqe *cqe;
        unsigned head, seen = 0;
        io_uring_for_each_cqe(&ring, head, cqe) {
            on_cqe(cqe);
            seen++;
        }
        io_uring_cq_advance(&ring, seen);
    }
}
