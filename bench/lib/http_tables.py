"""The HTTP benchmark's parsers (wrk's report) and tables, from its raw result files (one
`key=value` line per run; several runs of a case are summarised by their medians).

Server rows are compared with hyper (req/s, user CPU) and nginx (user+sys CPU), the issue's
targets; client rows with aiohttp, curl's multi interface and wrk (the floor).
"""
import re
from pathlib import Path

from aiobench.stats import kv, median, ratio

_UNITS = {"us": 1.0, "ms": 1e3, "s": 1e6, "m": 60e6, "h": 3600e6}


def parse_duration_us(text: str) -> float:
    """wrk's latency figures ("812.00us", "1.23ms", "2.00s") in microseconds."""
    m = re.fullmatch(r"([0-9.]+)(us|ms|s|m|h)", text.strip())
    if not m:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(m.group(1)) * _UNITS[m.group(2)]


def parse_wrk(text: str) -> dict[str, float]:
    """From `wrk --latency` output: requests, seconds, req_per_s, p50_us, p99_us, errors
    (socket errors + non-2xx/3xx responses); a missing field is absent from the result."""
    out: dict[str, float] = {}
    m = re.search(r"^\s*([0-9]+) requests in ([0-9.]+)(us|ms|s|m)", text, re.M)
    if m:
        out["requests"] = float(m.group(1))
        out["seconds"] = parse_duration_us(m.group(2) + m.group(3)) / 1e6
    m = re.search(r"^Requests/sec:\s*([0-9.]+)", text, re.M)
    if m:
        out["req_per_s"] = float(m.group(1))
    for pct, key in (("50", "p50_us"), ("99", "p99_us")):
        m = re.search(rf"^\s*{pct}%\s+([0-9.]+(?:us|ms|s|m))", text, re.M)
        if m:
            out[key] = parse_duration_us(m.group(1))
    errors = 0.0
    m = re.search(r"Socket errors: connect ([0-9]+), read ([0-9]+), write ([0-9]+), "
                  r"timeout ([0-9]+)", text)
    if m:
        errors += sum(float(g) for g in m.groups())
    m = re.search(r"Non-2xx or 3xx responses: ([0-9]+)", text)
    if m:
        errors += float(m.group(1))
    out["errors"] = errors
    return out


def medians(path: Path, key: str) -> dict[str, dict[str, float]]:
    """`key` (server or client) -> the median of each numeric field over its good runs,
    plus `runs` (how many), in the order the file first names them. A failed run
    (FAILED=...) counts in `failed` only."""
    runs: dict[str, list[dict[str, str]]] = {}
    failed: dict[str, int] = {}
    for line in Path(path).read_text().splitlines():
        if not line.strip():
            continue
        f = kv(line)
        id = f.get(key, "")
        runs.setdefault(id, [])
        if "FAILED" in f:
            failed[id] = failed.get(id, 0) + 1
        else:
            runs[id].append(f)
    out: dict[str, dict[str, float]] = {}
    for id, good in runs.items():
        row: dict[str, float] = {"runs": float(len(good)), "failed": float(failed.get(id, 0))}
        for field in {k for f in good for k in f}:
            try:
                row[field] = median([float(f[field]) for f in good if field in f])
            except ValueError:
                pass
        out[id] = row
    return out


def _fmt(v: float | None, spec: str) -> str:
    return "-" if v is None else format(v, spec)


def _us(v: float | None) -> str:
    if v is None:
        return "-"
    return f"{v / 1000:.2f} ms" if v >= 1000 else f"{v:.0f} us"


def print_server_table(results: Path) -> None:
    rows = medians(results, "server")
    hyper, nginx = rows.get("hyper", {}), rows.get("nginx", {})
    print("%-15s %4s %9s %6s %9s %6s %7s %6s %7s %6s %5s %5s %6s" % (
        "server", "runs", "req/s", "x hyp", "p99", "usr", "x hyp", "u+s", "x ngx",
        "x hyp", "srv%", "cli%", "other%"))
    print("%-15s %4s %9s %6s %9s %6s %7s %6s %7s %6s %5s %5s %6s" % (
        "", "", "", "", "", "us/req", "", "us/req", "", "", "", "", ""))
    for id, r in rows.items():
        if not r.get("runs"):
            print(f"{id:<15} FAILED ({int(r.get('failed', 0))} runs)")
            continue
        print("%-15s %4d %9s %6s %9s %6s %7s %6s %7s %6s %5s %5s %6s" % (
            id, r["runs"], _fmt(r.get("req_per_s"), ",.0f"),
            ratio(r.get("req_per_s"), hyper.get("req_per_s")), _us(r.get("p99_us")),
            _fmt(r.get("user_us_per_req"), ".2f"),
            ratio(r.get("user_us_per_req"), hyper.get("user_us_per_req")),
            _fmt(r.get("cpu_us_per_req"), ".2f"),
            ratio(r.get("cpu_us_per_req"), nginx.get("cpu_us_per_req")),
            ratio(r.get("cpu_us_per_req"), hyper.get("cpu_us_per_req")),
            _fmt(r.get("srv_cpu_pct"), ".0f"), _fmt(r.get("cli_cpu_pct"), ".0f"),
            _fmt(r.get("other_cpu_pct"), ".0f")))


def print_client_table(results: Path) -> None:
    rows = medians(results, "client")
    base = {k: rows.get(k, {}).get("req_per_s") for k in ("aiohttp", "curl-multi", "wrk")}
    print("%-13s %4s %9s %8s %7s %6s %8s %8s %5s %6s" % (
        "client", "runs", "req/s", "x aiohttp", "x curl", "x wrk", "usr", "u+s", "cli%",
        "other%"))
    print("%-13s %4s %9s %8s %7s %6s %8s %8s %5s %6s" % (
        "", "", "", "", "multi", "", "us/req", "us/req", "", ""))
    for id, r in rows.items():
        if not r.get("runs"):
            print(f"{id:<13} FAILED ({int(r.get('failed', 0))} runs)")
            continue
        rps = r.get("req_per_s")
        print("%-13s %4d %9s %8s %7s %6s %8s %8s %5s %6s" % (
            id, r["runs"], _fmt(rps, ",.0f"), ratio(rps, base["aiohttp"]),
            ratio(rps, base["curl-multi"]), ratio(rps, base["wrk"]),
            _fmt(r.get("user_us_per_req"), ".2f"), _fmt(r.get("cpu_us_per_req"), ".2f"),
            _fmt(r.get("cli_cpu_pct"), ".0f"), _fmt(r.get("other_cpu_pct"), ".0f")))


def print_instruction_table(results: Path) -> None:
    """Instructions per request, with the ratio to hyper's (servers) and to libcurl multi's
    (clients) when those peers were counted."""
    rows = medians(results, "prog")
    peers = {"server": "server:hyper", "client": "client:curl-multi"}
    base = {kind: rows.get(id, {}).get("instr_per_req") for kind, id in peers.items()}
    print("%-22s %12s %14s %10s" % ("program", "requests", "instr/request", "x peer"))
    for id, r in rows.items():
        if not r.get("runs"):
            print(f"{id:<22} FAILED")
            continue
        b = base.get(id.split(":")[0])
        ratio = r.get("instr_per_req") / b if b and r.get("instr_per_req") else None
        print("%-22s %12s %14s %10s" % (id, _fmt(r.get("requests"), ",.0f"),
                                        _fmt(r.get("instr_per_req"), ",.0f"),
                                        _fmt(ratio, ".2f")))
