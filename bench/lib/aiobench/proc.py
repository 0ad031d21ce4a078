"""What the benchmarks read from /proc.

CPU times are clock ticks (1/clk_tck() s, usually 100 per second) summed over all of a
process's threads; the parsers take the file's text so that tests can feed fixtures.
"""
import os


def parse_pid_stat(text: str) -> tuple[int, int]:
    """(utime, stime) from the text of /proc/<pid>/stat: fields 14 and 15 of proc(5),
    counted after the last ") " since the command name may hold spaces and ')'."""
    fields = text[text.rindex(") ") + 2:].split()
    return int(fields[11]), int(fields[12])


def parse_machine_busy(text: str) -> int:
    """Busy ticks of the whole machine (all CPUs: user nice system irq softirq steal) from
    the text of /proc/stat."""
    for line in text.splitlines():
        f = line.split()
        if f and f[0] == "cpu":
            return sum(int(f[i]) for i in (1, 2, 3, 6, 7, 8))
    raise ValueError("no 'cpu' line in /proc/stat")


def _read(path: str) -> str:
    with open(path) as f:
        return f.read()


def cpu_ticks(pid: int) -> tuple[int, int] | None:
    """(utime, stime) of a live process, None once it is gone."""
    try:
        return parse_pid_stat(_read(f"/proc/{pid}/stat"))
    except (OSError, ValueError, IndexError):
        return None


def machine_busy_ticks() -> int:
    return parse_machine_busy(_read("/proc/stat"))


def comm(pid: int) -> str:
    try:
        return _read(f"/proc/{pid}/comm").strip()
    except OSError:
        return ""


def loadavg() -> str:
    """The 1, 5 and 15 minute load averages, as /proc/loadavg prints them."""
    return " ".join(_read("/proc/loadavg").split()[:3])


def clk_tck() -> int:
    return os.sysconf("SC_CLK_TCK")
