/* syscall_probe: how this machine's CPU accounting charges the cost of a system call.
 *
 *     syscall_probe [N]      (default 2,000,000 calls of getppid)
 *
 * Prints one line:  syscall_probe calls=N ns_per_call=X user_pct=Y
 * where user_pct is the share of the process's CPU time that getrusage charged to user
 * mode. The loop does almost nothing in user mode, so on a kernel with precise accounting
 * user_pct is a few percent; with tick-sampled accounting (CONFIG_TICK_CPU_ACCOUNTING,
 * common on VMs) and page-table isolation, a large share of each syscall's entry/exit cost
 * lands in "user" time. The echo benchmark prints it so its user-CPU column can be read
 * for what it is on the machine at hand.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double seconds(struct timeval tv) { return (double)tv.tv_sec + (double)tv.tv_usec / 1e6; }

int main(int argc, char** argv) {
    long n = argc > 1 ? atol(argv[1]) : 2000000;
    if (n <= 0) {
        fprintf(stderr, "usage: syscall_probe [N > 0]\n");
        return 2;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long i = 0; i < n; i++)
        syscall(SYS_getppid);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double user = seconds(ru.ru_utime), sys = seconds(ru.ru_stime);
    double wall = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("syscall_probe calls=%ld ns_per_call=%.0f user_pct=%.0f\n", n, wall * 1e9 / (double)n,
           user + sys > 0 ? 100.0 * user / (user + sys) : 0.0);
    return 0;
}
