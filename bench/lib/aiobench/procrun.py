"""Running one benchmark process with a time limit, keeping its peak RSS.

The peak RSS comes from wait4(2)'s rusage (the largest resident set of the process and
of the children it waited for, in KiB), so /usr/bin/time is not needed.
"""
import os
import select
import signal
import subprocess
import time
from dataclasses import dataclass


@dataclass
class Exit:
    rc: int  # as the shell reports it: 128 + signal when killed, 124 when timed out
    peak_rss_kib: int
    user_s: float = 0.0  # CPU time of the process (and the children it waited for)
    sys_s: float = 0.0
    wall_s: float = 0.0  # from start to exit


def exit_code(status: int) -> int:
    if os.WIFSIGNALED(status):
        return 128 + os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


def run(cmd: list[str], timeout: float | None = None, stdout=None, stderr=None,
        env=None) -> Exit:
    """Runs `cmd` to its end; past `timeout` seconds it gets SIGTERM (SIGKILL 10 s later)
    and the exit code is 124, as with timeout(1)."""
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr, env=env)
    timed_out = False
    # a pidfd waits for the exit with a timeout without reaping it, so the signals below
    # can never reach a recycled pid
    fd = os.pidfd_open(p.pid)
    try:
        if not select.select([fd], [], [], timeout)[0]:
            timed_out = True
            signal.pidfd_send_signal(fd, signal.SIGTERM)
            if not select.select([fd], [], [], 10)[0]:
                signal.pidfd_send_signal(fd, signal.SIGKILL)
        _, status, usage = os.wait4(p.pid, 0)
    finally:
        os.close(fd)
    p.returncode = exit_code(status)  # reaped here, so Popen must not wait for it
    return Exit(124 if timed_out else p.returncode, usage.ru_maxrss, usage.ru_utime,
                usage.ru_stime, time.monotonic() - t0)
