#!/usr/bin/python3
"""HTTP server and client benchmarks, aiocpp against its peers: bench/run_http_bench.sh runs
this; its header documents the arguments, the knobs and what is measured."""
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from aiobench import proc
from aiobench.cli import flag, knob, note_to_stderr, parse_args, run, tail
from aiobench.deps import build_cargo, build_native, have, importable, install, pkg_installed
from aiobench.procrun import run as run_proc
from aiobench.server import Server
from aiobench.stats import append, kv, num
from http_tables import parse_wrk, print_client_table, print_instruction_table
from http_tables import print_server_table

note = note_to_stderr("http-bench")
BODY = "Hello, World!"
PAGE_BYTES = 1024

NGINX_CONF = """\
worker_processes 1;
master_process off;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log error;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    default_type text/plain;
    keepalive_requests 1000000;
    keepalive_timeout 75s;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location = / {{ return 200 "{body}"; }}
        location / {{ root {tmp}/www; }}
    }}
}}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Bench:
    def __init__(self, argv):
        self.quick, d = parse_args(argv, "run_http_bench.sh")
        self.d = d
        self.parts = knob("PARTS", "server client").split()
        self.servers = knob("SERVERS", "aiocpp-uring aiocpp-epoll aiocpp-batch hyper nginx beast node "
                            "aiohttp-uvloop").split()
        self.clients = knob("CLIENTS", "aiocpp-uring aiocpp-epoll aiohttp httpx curl-multi "
                            "curl-cli wrk").split()
        self.repeats = int(knob("REPEATS", "1" if self.quick else "3"))
        self.secs = knob("SECONDS_PER_CASE", "2" if self.quick else "5")
        self.conns = knob("CONNS", "50")
        self.requests = knob("REQUESTS", "2000" if self.quick else "20000")
        # the Python clients are 10-100x slower: fewer requests keep a run short
        self.py_requests = knob("PY_REQUESTS", self.requests)
        self.server_cpu = knob("SERVER_CPU", "0")
        self.client_cpu = knob("CLIENT_CPU", "1")
        self.python = knob("PYTHON", "/usr/bin/python3")
        self.instr = flag("INSTR", have("valgrind"))
        self.instr_requests = int(knob("INSTR_REQUESTS", "2000"))
        self.ok: set[str] = set()
        self.why: dict[str, str] = {}
        self.tmp = Path(tempfile.mkdtemp())
        self.out, self.err = self.tmp / "out", self.tmp / "err"
        self.server: Server | None = None
        self.nginx_port = 0

    # ---------------------------------------------------------------- deps, builds
    def ensure_packages(self):
        missing = []
        pkgs = {"wrk": "wrk", "nginx": "nginx-light", "taskset": "util-linux", "gcc": "gcc",
                "g++": "g++", "curl": "curl", "node": "nodejs"}
        for cmd, pkg in pkgs.items():
            if not have(cmd):
                missing.append(pkg)
        for mod, pkg in (("aiohttp", "python3-aiohttp"), ("httpx", "python3-httpx"),
                         ("uvloop", "python3-uvloop")):
            if not importable(self.python, mod):
                missing.append(pkg)
        if not os.path.isfile("/usr/include/boost/beast.hpp"):
            missing.append("libboost1.81-dev")
        if not os.path.isfile("/usr/include/x86_64-linux-gnu/curl/curl.h") and \
                not os.path.isfile("/usr/include/curl/curl.h"):
            missing.append("libcurl4-openssl-dev")
        if not pkg_installed("librust-hyper-dev"):
            missing.append("librust-hyper-dev")
        if not have("cargo"):
            missing.append("cargo")
        if self.instr and not have("valgrind"):
            missing.append("valgrind")
        install(missing, self.d.peers / "apt-http.log", note)

    def build_all(self):
        d = self.d
        gcc = ["gcc", "-O2", "-Wall", "-Wextra"]
        gxx = ["g++", "-O2", "-std=c++20", "-Wall", "-Wextra", "-pthread"]

        def native(id, src, binary, compiler, libs=()):
            log = d.peers / f"build-{id}.log"
            if build_native(id, src, binary, compiler, list(libs), log, note):
                self.ok.add(id)
            else:
                self.why[id] = f"build failed (see {log})"

        if "beast" in self.servers:
            native("beast", d.peers_src / "http_beast.cpp", d.peers / "http_beast", gxx)
        if "curl-multi" in self.clients:
            native("curl-multi", d.peers_src / "http_client_curl.c", d.peers / "http_client_curl",
                   gcc, ["-lcurl"])
        if "hyper" in self.servers:
            why = build_cargo("hyper", d.peers_src / "http_hyper", d.peers / "http_hyper",
                              "http_hyper", d.peers / "build-hyper.log", note)
            if why:
                self.why["hyper"] = why
            else:
                self.ok.add("hyper")
        for id, ok, why in (
                ("nginx", have("nginx"), "nginx not found (apt-get install nginx-light)"),
                ("node", have("node"), "node not found"),
                ("aiohttp-uvloop", importable(self.python, "aiohttp") and
                 importable(self.python, "uvloop"), "aiohttp or uvloop not importable"),
                ("aiohttp-asyncio", importable(self.python, "aiohttp"), "aiohttp not importable"),
                ("aiohttp", importable(self.python, "aiohttp"), "aiohttp not importable"),
                ("httpx", importable(self.python, "httpx"), "httpx not importable"),
                ("wrk", have("wrk"), "wrk not found"), ("curl-cli", have("curl"), "no curl")):
            (self.ok.add(id) if ok else self.why.__setitem__(id, why))
        for side, ids in (("server", self.servers), ("client", self.clients)):
            for id in ids:
                if id.startswith("aiocpp"):
                    if os.access(self.aio(side), os.X_OK):
                        self.ok.add(f"{side}:{id}")
                    else:
                        self.why[f"{side}:{id}"] = (
                            f"{self.aio(side)} not found (cmake --build {d.build} --target "
                            f"aio_http_{side})")
        for side, ids in (("server", self.servers), ("client", self.clients)):
            for id in ids:
                if not self.can(side, id):
                    note(f"skipping {side} {id}: "
                         f"{self.why.get(id) or self.why.get(f'{side}:{id}', 'unknown id')}")

    def aio(self, side) -> Path:
        return self.d.build / "bench" / "http" / f"aio_http_{side}"

    def can(self, side, id) -> bool:
        return (f"{side}:{id}" if id.startswith("aiocpp") else id) in self.ok

    # --------------------------------------------------------------------- nginx
    def nginx_cmd(self, body: str) -> list[str]:
        """An nginx of one process (no master) on a fresh port: `GET /` answers `body`, every
        other path is a file below tmp/www."""
        self.nginx_port = free_port()
        for sub in ("www", "body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.tmp / sub).mkdir(exist_ok=True)
        conf = self.tmp / "nginx.conf"
        conf.write_text(NGINX_CONF.format(tmp=self.tmp, port=self.nginx_port, body=body))
        return ["nginx", "-p", str(self.tmp), "-e", str(self.tmp / "nginx-error.log"), "-c",
                str(conf)]

    # -------------------------------------------------------------------- server
    def server_cmd(self, id) -> list[str]:
        peers, src, py = self.d.peers, self.d.peers_src, self.python
        if id == "nginx":
            return self.nginx_cmd(BODY)
        return {
            "aiocpp-uring": [str(self.aio("server")), "--backend", "io_uring"],
            "aiocpp-epoll": [str(self.aio("server")), "--backend", "epoll"],
            "aiocpp-batch": [str(self.aio("server")), "--backend", "io_uring", "--batch-us", "30"],
            "hyper": [f"{peers}/http_hyper/release/http_hyper"],
            "beast": [f"{peers}/http_beast"],
            "node": ["node", f"{src}/http_node.js"],
            "aiohttp-uvloop": [py, f"{src}/http_aiohttp.py", "--loop", "uvloop"],
            "aiohttp-asyncio": [py, f"{src}/http_aiohttp.py", "--loop", "asyncio"],
        }[id]

    def start_server(self, id, wrap=(), timeout_s=15) -> Server | None:
        cmd = self.server_cmd(id)
        s = Server(cmd, self.server_cpu, self.out, self.err, note, wrap,
                   fixed_port=self.nginx_port if id == "nginx" else 0)
        self.server = s
        if not s.start(id, timeout_s):
            return None
        return s

    def check_hello(self, id, port) -> str | None:
        """None when GET / answers 200 "Hello, World!"; else what was wrong."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
                body = r.read().decode(errors="replace")
                if r.status != 200 or body != BODY:
                    return f"answered {r.status} {body[:40]!r}"
        except OSError as e:
            return str(e)
        return None

    def wrk(self, url, seconds, extra=()) -> tuple[dict[str, float], "object"]:
        cmd = ["taskset", "-c", self.client_cpu, "wrk", "-t1", f"-c{self.conns}",
               f"-d{seconds}s", "--latency", *extra, url]
        with open(self.tmp / "wrk.out", "w") as o, open(self.err, "a") as e:
            ex = run_proc(cmd, timeout=float(seconds) + 60, stdout=o, stderr=e)
        return parse_wrk((self.tmp / "wrk.out").read_text(errors="replace")), ex

    def server_case(self, id) -> str:
        s = self.start_server(id)
        if not s:
            return f"server={id} FAILED=start"
        try:
            bad = self.check_hello(id, s.port)
            if bad:
                note(f"FAILED: {id}: GET / {bad}")
                return f"server={id} FAILED=wrong-answer"
            # a short warm-up (JITs, lazily built caches), not measured
            self.wrk(f"http://127.0.0.1:{s.port}/", 1)
            t0, mb0 = proc.cpu_ticks(s.pid), proc.machine_busy_ticks()
            w, ex = self.wrk(f"http://127.0.0.1:{s.port}/", self.secs)
            t1, mb1 = proc.cpu_ticks(s.pid), proc.machine_busy_ticks()
        finally:
            s.stop()
        if t0 is None or t1 is None:
            return f"server={id} FAILED=died"
        n, el = w.get("requests", 0), w.get("seconds", 0)
        if ex.rc != 0 or not n or not el:
            note(f"FAILED: {id}: wrk exit {ex.rc}")
            tail(self.tmp / "wrk.out", 5)
            return f"server={id} FAILED=wrk"
        if w.get("errors"):
            note(f"{id}: wrk saw {w['errors']:.0f} errors")
        hz = proc.clk_tck()
        u, st = t1[0] - t0[0], t1[1] - t0[1]
        srv, cli = (u + st) / hz, ex.user_s + ex.sys_s
        other = max(0.0, ((mb1 - mb0) / hz - srv - cli) / el * 100)
        return (f"server={id} requests={n:.0f} seconds={el:.2f} req_per_s={w['req_per_s']:.0f} "
                f"p50_us={w.get('p50_us', 0):.0f} p99_us={w.get('p99_us', 0):.0f} "
                f"errors={w['errors']:.0f} user_us_per_req={u / hz * 1e6 / n:.3f} "
                f"cpu_us_per_req={(u + st) / hz * 1e6 / n:.3f} "
                f"srv_cpu_pct={srv / el * 100:.1f} cli_cpu_pct={cli / el * 100:.1f} "
                f"other_cpu_pct={other:.1f} srv_user_ticks={u} srv_sys_ticks={st}")

    # -------------------------------------------------------------------- client
    def client_cmd(self, id, url, requests) -> list[str]:
        n, c, b = str(requests), self.conns, str(PAGE_BYTES)
        common = ["--url", url, "--requests", n, "--concurrency", c, "--expect-bytes", b]
        if id.startswith("aiocpp"):
            backend = "io_uring" if id == "aiocpp-uring" else "epoll"
            return [str(self.aio("client")), *common, "--backend", backend]
        if id in ("aiohttp", "httpx"):
            return [self.python, str(self.d.peers_src / "http_client_py.py"), "--lib", id,
                    *common]
        if id == "curl-multi":
            return [str(self.d.peers / "http_client_curl"), *common]
        if id == "curl-cli":
            cfg = self.tmp / "curl.cfg"
            cfg.write_text(f'url = "{url}"\noutput = "/dev/null"\n' * int(n))
            return ["curl", "--parallel", "--parallel-max", c, "--parallel-immediate", "-s",
                    "-w", "%{http_code} %{size_download}\\n", "-K", str(cfg)]
        raise KeyError(id)

    def client_case(self, id, url) -> str:
        hz = proc.clk_tck()
        mb0 = proc.machine_busy_ticks()
        srv0 = proc.cpu_ticks(self.server.pid)
        if id == "wrk":
            w, ex = self.wrk(url, self.secs)
            n, el = w.get("requests", 0), w.get("seconds", 0)
            rps = w.get("req_per_s", 0)
            ok = ex.rc == 0 and n > 0 and not w.get("errors")
            user, sys_ = ex.user_s, ex.sys_s
        else:
            want = self.py_requests if id in ("aiohttp", "httpx") else self.requests
            cmd = ["taskset", "-c", self.client_cpu, *self.client_cmd(id, url, want)]
            with open(self.tmp / "client.out", "w") as o, open(self.err, "a") as e:
                ex = run_proc(cmd, timeout=600, stdout=o, stderr=e)
            text = (self.tmp / "client.out").read_text(errors="replace")
            if id == "curl-cli":
                lines = text.splitlines()
                good = sum(1 for x in lines if x == f"200 {PAGE_BYTES}")
                n, el, user, sys_ = len(lines), ex.wall_s, ex.user_s, ex.sys_s
                ok = ex.rc == 0 and good == n == int(self.requests)
            else:
                f = kv(next((x for x in text.splitlines() if "requests=" in x), ""))
                n, el = num(f, "requests"), num(f, "seconds")
                # the Python clients measure their own CPU over the requests (no start-up)
                user = num(f, "user_s") if "user_s" in f else ex.user_s
                sys_ = num(f, "sys_s") if "sys_s" in f else ex.sys_s
                ok = ex.rc == 0 and n == int(want) and num(f, "errors") == 0
            rps = n / el if el else 0
        mb1 = proc.machine_busy_ticks()
        srv1 = proc.cpu_ticks(self.server.pid)
        if not ok or not n or not el:
            note(f"FAILED: client {id} (exit {ex.rc})")
            tail(self.err, 5)
            return f"client={id} FAILED=run"
        srv = sum(srv1) - sum(srv0) if srv0 and srv1 else 0
        other = max(0.0, ((mb1 - mb0 - srv) / hz - ex.user_s - ex.sys_s) / ex.wall_s * 100)
        return (f"client={id} requests={n:.0f} seconds={el:.3f} req_per_s={rps:.0f} "
                f"user_us_per_req={user * 1e6 / n:.3f} cpu_us_per_req={(user + sys_) * 1e6 / n:.3f} "
                f"cli_cpu_pct={(user + sys_) / el * 100:.1f} "
                f"nginx_us_per_req={srv / hz * 1e6 / n:.3f} other_cpu_pct={other:.1f}")

    # -------------------------------------------------------- instruction counts
    def instructions(self, out: Path):
        """User-space instructions per request under callgrind: each server answers wrk for
        INSTR_SECONDS (dumps before and after the load); each native client makes
        INSTR_REQUESTS and twice as many, and the difference is divided by INSTR_REQUESTS, so
        start-up and exit cancel out."""
        if not self.instr or not have("callgrind_control"):
            return
        out.write_text("")
        secs = knob("INSTR_SECONDS", "3")
        if "server" in self.parts:
            for id in knob("INSTR_SERVERS", "aiocpp-uring aiocpp-epoll hyper beast nginx").split():
                if not self.can("server", id):
                    continue
                cg = self.tmp / f"cg-{id}.out"
                s = self.start_server(id, ["valgrind", "--tool=callgrind",
                                           f"--callgrind-out-file={cg}"], 60)
                if not s:
                    continue
                dump = ["callgrind_control", "-d", str(s.pid)]
                subprocess.run(dump, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                w, _ = self.wrk(f"http://127.0.0.1:{s.port}/", secs)
                subprocess.run(dump, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                s.stop()
                ir = callgrind_total(Path(f"{cg}.2"))
                n = w.get("requests", 0)
                if ir and n:
                    line = (f"prog=server:{id} requests={n:.0f} instructions={ir} "
                            f"instr_per_req={ir / n:.0f}")
                    print(line)
                    append(out, line)
        if "client" in self.parts:
            url = self.start_client_nginx()
            if url:
                for id in knob("INSTR_CLIENTS", "aiocpp-uring aiocpp-epoll curl-multi").split():
                    if not self.can("client", id):
                        continue
                    counts = []
                    for n in (self.instr_requests, 2 * self.instr_requests):
                        cg = self.tmp / f"cg-client-{id}-{n}.out"
                        cmd = ["taskset", "-c", self.client_cpu, "valgrind", "--tool=callgrind",
                               f"--callgrind-out-file={cg}", *self.client_cmd(id, url, n)]
                        ex = run_proc(cmd, timeout=600, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL)
                        counts.append(callgrind_total(cg) if ex.rc == 0 else 0)
                    if all(counts):
                        per = (counts[1] - counts[0]) / self.instr_requests
                        line = (f"prog=client:{id} requests={self.instr_requests} "
                                f"instructions={counts[1] - counts[0]} instr_per_req={per:.0f}")
                        print(line)
                        append(out, line)
                self.server.stop()
        print()
        print(f"User-space instructions per request under callgrind (servers: wrk -c{self.conns} "
              f"for {secs} s; clients: {2 * self.instr_requests} minus {self.instr_requests} "
              f"requests)   [raw: {out}]")
        print_instruction_table(out)

    def start_client_nginx(self) -> str | None:
        (self.tmp / "www").mkdir(exist_ok=True)
        page = ("x" * 63 + "\n") * (PAGE_BYTES // 64)
        (self.tmp / "www" / "1k.txt").write_text(page)
        s = self.start_server("nginx")
        if not s:
            note("nginx did not start: no client benchmark")
            return None
        return f"http://127.0.0.1:{s.port}/1k.txt"

    # ---------------------------------------------------------------------- main
    def main(self) -> int:
        self.ensure_packages()
        self.build_all()
        stamp = time.strftime("%Y%m%d-%H%M%S")
        base = self.d.peers / f"http_bench_results-{stamp}"
        note(f"build dir: {self.d.build}   peers: {self.d.peers}   repeats: {self.repeats}")
        note(f"load average before: {proc.loadavg()}")
        timed = flag("TIMED", True)
        if timed and "server" in self.parts:
            res = Path(f"{base}-server.txt")
            res.write_text("")
            ids = [i for i in self.servers if self.can("server", i)]
            for rep in range(1, self.repeats + 1):  # interleaved: A B C, A B C, ...
                for id in ids:
                    line = f"{self.server_case(id)} run={rep}"
                    print(line)
                    append(res, line)
            print()
            print(f"Server: GET / -> 200 \"{BODY}\", keep-alive; wrk -t1 -c{self.conns} "
                  f"-d{self.secs}s --latency on CPU {self.client_cpu}, server on CPU "
                  f"{self.server_cpu}; medians of {self.repeats} interleaved runs   [raw: {res}]")
            print("usr/u+s us/req: the server's user and user+sys CPU per request (/proc/<pid>/stat "
                  "ticks); x hyp / x ngx: ratio to hyper / nginx;")
            print("srv%/cli%: server / wrk CPU; other%: the machine's busy CPU outside both, in % "
                  "of one CPU (high: noisy figures)")
            print_server_table(res)
        if timed and "client" in self.parts:
            res = Path(f"{base}-client.txt")
            res.write_text("")
            url = self.start_client_nginx()
            if url:
                ids = [i for i in self.clients if self.can("client", i)]
                for rep in range(1, self.repeats + 1):
                    for id in ids:
                        line = f"{self.client_case(id, url)} run={rep}"
                        print(line)
                        append(res, line)
                self.server.stop()
                print()
                print(f"Client: {self.requests} GETs of a {PAGE_BYTES} B page from nginx (1 "
                      f"process, CPU {self.server_cpu}), {self.conns} concurrent, one session; "
                      f"client on CPU {self.client_cpu}; wrk: -t1 -c{self.conns} "
                      f"-d{self.secs}s; medians of {self.repeats} interleaved runs   [raw: {res}]")
                print("usr/u+s us/req: the client's CPU per request (the Python clients measure "
                      "their request loop only; the others the whole process)")
                print_client_table(res)
        note(f"load average after: {proc.loadavg()}")
        self.instructions(Path(f"{base}-instructions.txt"))
        return 0

    def cleanup(self):
        if self.server:
            self.server.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)


def callgrind_total(path: Path) -> int:
    """callgrind's total instruction count (its "totals:" line), 0 when unreadable."""
    try:
        for line in path.read_text().splitlines():
            if line.startswith("totals:"):
                return int(line.split()[1])
    except (OSError, IndexError, ValueError):
        pass
    return 0


def main(argv) -> int:
    bench = Bench(argv)
    try:
        return bench.main()
    finally:
        bench.cleanup()


if __name__ == "__main__":
    run(main)
