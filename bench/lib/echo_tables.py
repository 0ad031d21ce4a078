"""The echo benchmark's tables, from its raw result files (one `key=value` line per case).

Ratios compare each server with Tokio and with the raw C floor of its mechanism: the
io_uring rows (aiocpp-uring, aiocpp-batch) with c-uring, every other one with c-epoll.
"""
from pathlib import Path

from aiobench.stats import kv, num, ratio


def floor_of(server: str) -> str:
    return "c-uring" if "uring" in server or "batch" in server else "c-epoll"


def by_size(path: Path) -> dict[str, dict[str, dict[str, str]]]:
    """The result lines of a raw file: size -> server -> fields, in the file's order."""
    out: dict[str, dict[str, dict[str, str]]] = {}
    for line in path.read_text().splitlines():
        if line.strip():
            f = kv(line)
            out.setdefault(f.get("size", ""), {})[f.get("server", "")] = f
    return out


def print_timing_rows(results: Path) -> None:
    """Per message size: rate, latency, CPU per round trip and the ratios."""
    rows = by_size(results)
    for size, lines in rows.items():
        good = {id: f for id, f in lines.items() if "FAILED" not in f}

        def fig(id, key):
            return num(good[id], key) if id in good else None

        print(f"\nmessage size {size} B")
        print("%-13s %9s %8s %8s %5s %5s %9s %9s %5s %5s %5s %5s %5s %5s %6s" % (
            "server", "rt/s", "p50 us", "p99 us", "srv%", "cli%", "usr us/rt", "u+s us/rt",
            "usr", "cpu", "rt", "usr", "cpu", "rt", "other%"))
        print("%-13s %9s %8s %8s %5s %5s %9s %9s %17s %17s %6s" % (
            "", "", "", "", "", "", "", "", "x tokio", "x floor", ""))
        for id, f in lines.items():
            if "FAILED" in f:
                print("%-13s FAILED (%s)" % (id, f["FAILED"]))
                continue
            ut, st = num(f, "srv_user_ticks"), num(f, "srv_sys_ticks")
            us = "%.2f%s" % (num(f, "user_us_per_rt"), "~" if ut < 20 else "")
            tot = "%.2f%s" % (num(f, "cpu_us_per_rt"), "~" if ut + st < 20 else "")
            mine = [fig(id, k) for k in ("user_us_per_rt", "cpu_us_per_rt", "rt_per_s")]
            cols = [ratio(a, fig(peer, k)) for peer in ("tokio", floor_of(id))
                    for a, k in zip(mine, ("user_us_per_rt", "cpu_us_per_rt", "rt_per_s"))]
            print("%-13s %9.0f %8.1f %8.1f %5.0f %5.0f %9s %9s %5s %5s %5s %5s %5s %5s %6.0f" % (
                id, num(f, "rt_per_s"), num(f, "p50_us"), num(f, "p99_us"),
                num(f, "srv_cpu_pct"), num(f, "client_cpu_pct"), us, tot, *cols,
                num(f, "other_cpu_pct")))


def print_syscall_rows(path: Path) -> None:
    """Per message size: each kind of system call per round trip."""
    for i, (size, lines) in enumerate(by_size(path).items()):
        print("%smessage size %s B\n%-13s %8s %8s %8s %8s %8s %8s %8s" % (
            "\n" if i else "", size, "server", "reads", "EAGAIN", "writes", "EAGAIN", "waits",
            "ctl", "total"))
        for id, f in lines.items():
            def d(k):
                return num(f, k) - num(f, k + "_0")
            rt, w = num(f, "round_trips"), d("epoll_waits") + d("uring_enters")
            print("%-13s %8.3f %8.3f %8.3f %8.3f %8.3f %8.3f %8.3f" % (
                id, d("reads") / rt, d("reads_eagain") / rt, d("writes") / rt,
                d("writes_eagain") / rt, w / rt, d("epoll_ctls") / rt,
                (d("reads") + d("writes") + w + d("epoll_ctls")) / rt))


def print_instruction_rows(path: Path) -> None:
    """Per message size: callgrind's user-space instructions per round trip."""
    rows = by_size(path)
    ids = list(dict.fromkeys(id for lines in rows.values() for id in lines))
    for i, (size, lines) in enumerate(rows.items()):
        per = {id: num(f, "instructions") / num(f, "round_trips")
               for id, f in lines.items() if "FAILED" not in f}
        print(f"{chr(10) if i else ''}message size {size} B")
        print("%-13s %10s %8s %8s" % ("server", "instr/rt", "x tokio", "x floor"))
        for id in ids:
            if id not in per:
                if id in lines:
                    print("%-13s FAILED" % id)
                continue
            print("%-13s %10.0f %8s %8s" % (id, per[id], ratio(per[id], per.get("tokio")),
                                            ratio(per[id], per.get(floor_of(id)))))
