/* io_native.c - the native Linux counterparts of io.c: pipe(2) for the
 * pipes, an eventfd for a posted completion, epoll over a socket pair for
 * the completion of a pipe read. Build:
 *   gcc -O2 -pthread -I ../../../shared/bench/common -o io_native io_native.c */
#include "harness.h"
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

static int p[2], p2[2];

static double b_pipe_rw(uint64_t *pn)
{
    static char buf[4096], in[4096];
    if (pipe(p))
        return h_fail("pipe");
    uint64_t t0 = h_now();
    for (uint64_t i = 0; i < *pn; i++) {
        buf[0] = (char)i;
        if (write(p[1], buf, sizeof buf) != sizeof buf || read(p[0], in, sizeof in) != sizeof in || in[0] != (char)i)
            return h_fail("write/read");
    }
    double ns = h_ns(t0, h_now());
    close(p[0]);
    close(p[1]);
    return ns;
}

static void *echo(void *a)
{
    char c;
    (void)a;
    while (read(p[0], &c, 1) == 1 && c != 'q')
        if (write(p2[1], &c, 1) != 1)
            break;
    return NULL;
}

static double b_pingpong(uint64_t *pn)
{
    pthread_t t;
    if (pipe(p) || pipe(p2))
        return h_fail("pipe");
    pthread_create(&t, NULL, echo, NULL);
    char c = 'x', back;
    uint64_t t0 = h_now();
    for (uint64_t i = 0; i < *pn; i++)
        if (write(p[1], &c, 1) != 1 || read(p2[0], &back, 1) != 1 || back != c)
            return h_fail("no echo");
    double ns = h_ns(t0, h_now());
    c = 'q';
    if (write(p[1], &c, 1) != 1)
        return h_fail("quit");
    pthread_join(t, NULL);
    close(p[0]); close(p[1]); close(p2[0]); close(p2[1]);
    return ns;
}

static double b_post_get(uint64_t *pn)
{
    int efd = eventfd(0, 0);
    uint64_t v;
    uint64_t t0 = h_now();
    for (uint64_t i = 0; i < *pn; i++) {
        v = 1;
        if (write(efd, &v, 8) != 8 || read(efd, &v, 8) != 8)
            return h_fail("eventfd");
    }
    double ns = h_ns(t0, h_now());
    close(efd);
    return ns;
}

static double b_iocp_pipe(uint64_t *pn)
{
    int sv[2], ep = epoll_create1(0);
    static char in[64], out[64];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
        return h_fail("socketpair");
    struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 7 }, got;
    epoll_ctl(ep, EPOLL_CTL_ADD, sv[0], &ev);
    uint64_t t0 = h_now();
    for (uint64_t i = 0; i < *pn; i++) {
        out[0] = (char)i;
        if (write(sv[1], out, sizeof out) != sizeof out || epoll_wait(ep, &got, 1, -1) != 1
            || read(sv[0], in, sizeof in) != sizeof in || in[0] != (char)i)
            return h_fail("epoll read");
    }
    double ns = h_ns(t0, h_now());
    close(sv[0]); close(sv[1]); close(ep);
    return ns;
}

static const bench_t benches[] = {
    { "pipe_rw_4k", b_pipe_rw, NULL, NULL, 1000, 4096, 0 },
    { "pipe_pingpong", b_pingpong, NULL, NULL, 1000, 0, 0 },
    { "iocp_post_get", b_post_get, NULL, NULL, 10000, 0, 0 },
    { "iocp_pipe_read", b_iocp_pipe, NULL, NULL, 1000, 0, 0 },
};

int main(int argc, char **argv)
{
    return h_main(argc, argv, benches, sizeof benches / sizeof benches[0]);
}
