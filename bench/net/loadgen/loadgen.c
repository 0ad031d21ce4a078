/* Echo load client for bench/run_echo_bench.sh.
 *
 * One thread, one epoll instance, --conns TCP connections to 127.0.0.1:--port.
 * Every connection ping-pongs: it sends one --size byte message, waits until
 * the whole message has come back (checking every byte), records the round
 * trip latency (CLOCK_MONOTONIC) and sends the next one.  After --seconds it
 * stops counting and prints one line:
 *
 *   loadgen port=P conns=C size=S seconds=T round_trips=N rt_per_s=R
 *           p50_us=X p90_us=X p99_us=X p999_us=X max_us=X client_cpu_pct=X
 *
 * (on one line; latencies from a log-linear histogram, < 0.8 % bucket error;
 * client_cpu_pct is this process's user+sys CPU over the measured window, so
 * ~100 means the load client, not the server, was the bottleneck).
 * --cpu N pins this process to CPU N with sched_setaffinity (-1: no pinning).
 * Exit status: 0 ok, 1 a connection failed or an echo was wrong, 64 bad usage.
 *
 * This is deliberately not the same code as any of the echo servers: it is a
 * client, it keeps per-connection send/receive state and verifies payloads.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SUB_BITS 7 /* 128 sub-buckets per power of two */
#define SUB_COUNT (1u << SUB_BITS)
#define HIST_BUCKETS ((64 - SUB_BITS + 1) * SUB_COUNT)

static uint64_t hist[HIST_BUCKETS];
static uint64_t hist_total;
static uint64_t lat_max;

static unsigned hist_index(uint64_t v) {
    if (v < SUB_COUNT)
        return (unsigned)v;
    unsigned msb = 63u - (unsigned)__builtin_clzll(v);
    unsigned shift = msb - SUB_BITS + 1;
    /* v >> shift lies in [SUB_COUNT/2, SUB_COUNT) */
    return shift * (SUB_COUNT / 2) + (unsigned)(v >> shift);
}

/* middle of the value range that maps to bucket i */
static double hist_value(unsigned i) {
    if (i < SUB_COUNT)
        return (double)i;
    unsigned shift = i / (SUB_COUNT / 2) - 1;
    uint64_t low = (uint64_t)(i - shift * (SUB_COUNT / 2)) << shift;
    return (double)low + ((double)(1ull << shift) - 1.0) / 2.0;
}

static void hist_add(uint64_t ns) {
    hist[hist_index(ns)]++;
    hist_total++;
    if (ns > lat_max)
        lat_max = ns;
}

static double hist_quantile(double q) {
    if (hist_total == 0)
        return 0.0;
    uint64_t rank = (uint64_t)(q * (double)hist_total);
    if (rank >= hist_total)
        rank = hist_total - 1;
    uint64_t seen = 0;
    for (unsigned i = 0; i < HIST_BUCKETS; i++) {
        seen += hist[i];
        if (seen > rank)
            return hist_value(i);
    }
    return (double)lat_max;
}

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

struct conn {
    int fd;
    size_t sent;      /* bytes of the current message written so far */
    size_t received;  /* bytes of the current echo read so far */
    uint64_t seq;     /* sequence number stamped into the message */
    uint64_t t_start; /* when the first byte of the current message was written */
    int want_out;     /* EPOLLOUT registered (a write would block) */
    unsigned char* msg;
    unsigned char* in;
};

static size_t msg_size = 1024;
static int epfd = -1;

/* this process's user+sys CPU time so far, in seconds */
static double cpu_seconds(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static void die(const char* what) {
    fprintf(stderr, "loadgen: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void fill_message(struct conn* c, unsigned idx) {
    /* byte pattern depends on connection and sequence number, so a stale or
       misrouted echo is caught by the memcmp in on_readable */
    for (size_t i = 0; i < msg_size; i++)
        c->msg[i] = (unsigned char)(i * 31u + idx * 7u + (unsigned)c->seq);
    if (msg_size >= sizeof c->seq)
        memcpy(c->msg, &c->seq, sizeof c->seq);
}

static void set_out_interest(struct conn* c, int on) {
    if (c->want_out == on)
        return;
    struct epoll_event ev = {.events = EPOLLIN | (on ? EPOLLOUT : 0), .data.ptr = c};
    if (epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0)
        die("epoll_ctl(MOD)");
    c->want_out = on;
}

/* write as much of the current message as the socket takes */
static void push(struct conn* c) {
    while (c->sent < msg_size) {
        ssize_t n = send(c->fd, c->msg + c->sent, msg_size - c->sent, MSG_NOSIGNAL);
        if (n > 0) {
            c->sent += (size_t)n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            set_out_interest(c, 1);
            return;
        } else {
            die("send");
        }
    }
    set_out_interest(c, 0);
}

static void start_round_trip(struct conn* c, unsigned idx) {
    c->seq++;
    fill_message(c, idx);
    c->sent = 0;
    c->received = 0;
    c->t_start = now_ns();
    push(c);
}

static void usage(const char* argv0) {
    fprintf(stderr,
            "usage: %s --port N [--conns 50] [--size 1024] [--seconds 10] [--cpu 1]\n"
            "          [--host 127.0.0.1]\n",
            argv0);
    exit(64);
}

static long parse_long(const char* flag, const char* s, long lo, long hi) {
    char* end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) {
        fprintf(stderr, "loadgen: %s: bad value '%s' (want %ld..%ld)\n", flag, s, lo, hi);
        exit(64);
    }
    return v;
}

int main(int argc, char** argv) {
    long port = -1, conns = 50, cpu = 1;
    double seconds = 10.0;
    const char* host = "127.0.0.1";
    for (int i = 1; i < argc; i++) {
        const char* a = argv[i];
        if (i + 1 >= argc)
            usage(argv[0]);
        const char* v = argv[++i];
        if (!strcmp(a, "--port"))
            port = parse_long(a, v, 1, 65535);
        else if (!strcmp(a, "--conns"))
            conns = parse_long(a, v, 1, 100000);
        else if (!strcmp(a, "--size"))
            msg_size = (size_t)parse_long(a, v, 1, 1 << 24);
        else if (!strcmp(a, "--cpu"))
            cpu = parse_long(a, v, -1, CPU_SETSIZE - 1);
        else if (!strcmp(a, "--host"))
            host = v;
        else if (!strcmp(a, "--seconds")) {
            char* end = NULL;
            seconds = strtod(v, &end);
            if (end == v || *end || !(seconds > 0.0) || seconds > 86400.0) {
                fprintf(stderr, "loadgen: --seconds: bad value '%s'\n", v);
                return 64;
            }
        } else {
            usage(argv[0]);
        }
    }
    if (port < 0)
        usage(argv[0]);

    if (cpu >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET((int)cpu, &set);
        if (sched_setaffinity(0, sizeof set, &set) < 0)
            die("sched_setaffinity");
    }

    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
        fprintf(stderr, "loadgen: --host: not an IPv4 address: '%s'\n", host);
        return 64;
    }

    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0)
        die("epoll_create1");

    struct conn* cs = calloc((size_t)conns, sizeof *cs);
    unsigned char* bufs = malloc((size_t)conns * msg_size * 2);
    if (!cs || !bufs)
        die("malloc");

    /* connect everything before the clock starts (blocking connect) */
    for (long i = 0; i < conns; i++) {
        struct conn* c = &cs[i];
        c->msg = bufs + (size_t)i * msg_size * 2;
        c->in = c->msg + msg_size;
        c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (c->fd < 0)
            die("socket");
        int one = 1;
        if (setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0)
            die("setsockopt(TCP_NODELAY)");
        if (connect(c->fd, (struct sockaddr*)&addr, sizeof addr) < 0)
            die("connect");
        int fl = fcntl(c->fd, F_GETFL);
        if (fl < 0 || fcntl(c->fd, F_SETFL, fl | O_NONBLOCK) < 0)
            die("fcntl(O_NONBLOCK)");
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
        if (epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0)
            die("epoll_ctl(ADD)");
    }

    const double cpu0 = cpu_seconds();
    const uint64_t t0 = now_ns();
    const uint64_t deadline = t0 + (uint64_t)(seconds * 1e9);
    uint64_t round_trips = 0;
    for (long i = 0; i < conns; i++)
        start_round_trip(&cs[i], (unsigned)i);

    struct epoll_event evs[256];
    uint64_t t_now = t0;
    while (t_now < deadline) {
        int remaining_ms = (int)((deadline - t_now) / 1000000ull) + 1;
        int n = epoll_wait(epfd, evs, 256, remaining_ms);
        if (n < 0) {
            if (errno == EINTR) {
                t_now = now_ns();
                continue;
            }
            die("epoll_wait");
        }
        for (int e = 0; e < n; e++) {
            struct conn* c = evs[e].data.ptr;
            unsigned idx = (unsigned)(c - cs);
            if ((evs[e].events & EPOLLOUT) && c->sent < msg_size)
                push(c);
            if (!(evs[e].events & (EPOLLIN | EPOLLERR | EPOLLHUP)))
                continue;
            ssize_t r = recv(c->fd, c->in + c->received, msg_size - c->received, 0);
            if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
                continue;
            if (r < 0)
                die("recv");
            if (r == 0) {
                fprintf(stderr, "loadgen: connection %u closed by the server\n", idx);
                return 1;
            }
            c->received += (size_t)r;
            if (c->received > c->sent) {
                fprintf(stderr, "loadgen: connection %u: got bytes that were never sent\n", idx);
                return 1;
            }
            if (c->received < msg_size)
                continue;
            uint64_t t_done = now_ns();
            if (memcmp(c->in, c->msg, msg_size) != 0) {
                fprintf(stderr, "loadgen: connection %u: echo differs from message %llu\n", idx,
                        (unsigned long long)c->seq);
                return 1;
            }
            if (t_done < deadline) {
                hist_add(t_done - c->t_start);
                round_trips++;
                start_round_trip(c, idx);
            }
        }
        t_now = now_ns();
    }
    const double elapsed = (double)(t_now - t0) / 1e9;
    const double client_cpu = cpu_seconds() - cpu0;

    for (long i = 0; i < conns; i++)
        close(cs[i].fd);
    close(epfd);

    printf("loadgen port=%ld conns=%ld size=%zu seconds=%.3f round_trips=%llu rt_per_s=%.1f "
           "p50_us=%.1f p90_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f client_cpu_pct=%.1f\n",
           port, conns, msg_size, elapsed, (unsigned long long)round_trips,
           (double)round_trips / elapsed, hist_quantile(0.50) / 1e3, hist_quantile(0.90) / 1e3,
           hist_quantile(0.99) / 1e3, hist_quantile(0.999) / 1e3, (double)lat_max / 1e3,
           100.0 * client_cpu / elapsed);
    free(bufs);
    free(cs);
    return round_trips > 0 ? 0 : 1;
}
