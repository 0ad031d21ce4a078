/* What the C floor peers (echo_epoll.c, ws_echo_floor.c) share: the command line
 * ([--port N], 0 = the kernel picks) and a non-blocking loopback listener that prints
 * "listening <port>" for the benchmark scripts. Each including file defines
 * `static void die(const char *what)` first. */
#ifndef AIO_BENCH_FLOOR_LISTEN_H
#define AIO_BENCH_FLOOR_LISTEN_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

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

/* A listening non-blocking socket on 127.0.0.1:port; prints "listening <port>". */
static int listen_loopback(int port) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) die("socket");
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) die("bind");
    if (listen(fd, 1024) < 0) die("listen");
    socklen_t alen = sizeof addr;
    if (getsockname(fd, (struct sockaddr *)&addr, &alen) < 0) die("getsockname");
    printf("listening %d\n", ntohs(addr.sin_port));
    fflush(stdout);
    return fd;
}

#endif
