"""A benchmark server pinned to a CPU, and the C load client that drives it.

Every server prints `listening <port>` as its first line (it binds port 0), except one
given a fixed port (nginx), which is ready once it accepts a connection. `taskset`
execs the server, so the pid started here is the server's own and /proc/<pid>/stat gives
its CPU time; under a wrapper (env, valgrind) that also exec, it stays the same pid.
"""
import contextlib
import re
import socket
import subprocess
import time
from pathlib import Path

from . import proc
from .cli import tail
from .procrun import run


class Server:
    """One server process; `start()` then `stop()` (safe to call more than once).
    `out`/`err` are the files its stdout/stderr go to (err may be os.devnull)."""

    def __init__(self, cmd: list[str], cpu: str, out: Path, err: Path, note,
                 wrap: list[str] = (), env=None, fixed_port: int = 0):
        self.cmd, self.cpu, self.out, self.err = cmd, cpu, Path(out), err
        self.note, self.wrap, self.env = note, list(wrap), env
        # a server that cannot bind port 0 and say it (nginx): its configured port, ready
        # once a TCP connection to 127.0.0.1 succeeds
        self.fixed_port = fixed_port
        self.p = None
        self.port = 0

    @property
    def pid(self) -> int:
        return self.p.pid

    def start(self, name: str, timeout_s: float) -> bool:
        """Starts it and waits up to `timeout_s` for its port; False (and stopped, with
        notes and the tail of its stderr) when it did not say one."""
        with open(self.out, "w") as out, open(self.err, "w") as err:
            self.p = subprocess.Popen(["taskset", "-c", str(self.cpu), *self.wrap, *self.cmd],
                                      stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                      env=self.env)
        self.port = 0
        for _ in range(int(timeout_s * 20)):
            if self.fixed_port:
                if self.p.poll() is not None:
                    break
                with contextlib.suppress(OSError), socket.create_connection(
                        ("127.0.0.1", self.fixed_port), timeout=1):
                    self.port = self.fixed_port
                    break
                time.sleep(0.05)
                continue
            first, newline, _ = self.out.read_text(errors="replace").partition("\n")
            if newline:
                m = re.fullmatch(r"listening ([0-9]+)", first)
                if m:
                    self.port = int(m.group(1))
                else:
                    self.note(f"{name}: unexpected first line: '{first}'")
                break
            if self.p.poll() is not None:
                break
            time.sleep(0.05)
        if self.port == 0:
            self.note(f"FAILED to start {name} ({' '.join(self.cmd)})")
            tail(self.err, 5)
            self.stop()
            return False
        if not self.wrap and proc.comm(self.pid) == "taskset":
            self.note(f"{name}: pid {self.pid} is still taskset, CPU figures would be wrong")
            self.stop()
            return False
        return True

    def signal(self, sig) -> None:
        self.p.send_signal(sig)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 3 s; reaps it."""
        if self.p is None:
            return
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(3)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        self.p = None


def loadgen(binary: Path, port: int, conns: str, size: str, seconds: str, cpu: str,
            out: Path, err=None, timeout: float | None = None) -> tuple[int, str]:
    """Runs the load client against `port`; (exit code, its result line without the
    leading "loadgen ", "" when it printed none). Its stderr is appended to `err`."""
    cmd = [str(binary), "--port", str(port), "--conns", str(conns), "--size", str(size),
           "--seconds", str(seconds), "--cpu", str(cpu)]
    with open(out, "w") as o, (open(err, "a") if err else contextlib.nullcontext()) as e:
        rc = run(cmd, timeout=timeout, stdout=o, stderr=e).rc
    for line in Path(out).read_text(errors="replace").splitlines():
        if line.startswith("loadgen "):
            return rc, line[len("loadgen "):]
    return rc, ""

