"""aiocrawl against the seeds' scraper done in Python (aiohttp + BeautifulSoup, the same
logic: bench/peers/crawl_bs4.py), same machine, same run. See bench/run_crawl_bench.sh."""
import glob
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PY = "/usr/bin/python3"
PEER = os.path.join(ROOT, "bench/peers/crawl_bs4.py")


def log(*a):
    print("[bench]", *a, file=sys.stderr, flush=True)


def apt(*pkgs):
    if os.environ.get("NO_APT"):
        return
    missing = [p for p in pkgs if subprocess.run(["dpkg", "-s", p], capture_output=True).returncode != 0]
    if missing:
        log("installing", *missing)
        subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", *missing],
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"}, capture_output=True)


def aiocrawl_rate(binary, url, conc, per_host):
    out = subprocess.run([binary, "--quiet", "--max-pages", "0", "--concurrency", str(conc), "--per-host",
                          str(per_host), url], capture_output=True, text=True, timeout=600).stdout
    m = re.search(r"aiocrawl: (\d+) pages .* ([0-9.]+) pages/s", out)
    if not m:
        raise RuntimeError("aiocrawl printed no summary:\n" + out)
    return int(m.group(1)), float(m.group(2))


def python_rate(url, conc, per_host):
    r = subprocess.run([PY, PEER, "--concurrency", str(conc), "--per-host", str(per_host), url],
                       capture_output=True, text=True, timeout=1800)
    s = json.loads(r.stderr.strip().splitlines()[-1])
    return s["pages"], s["pages_per_s"]


def compare(name, binary, url, conc, per_host, runs):
    ours = [aiocrawl_rate(binary, url, conc, per_host) for _ in range(runs)]
    theirs = [python_rate(url, conc, per_host) for _ in range(max(1, runs // 2))]
    a = statistics.median(r for _, r in ours)
    b = statistics.median(r for _, r in theirs)
    print(f"{name:34s} pages {ours[0][0]:5d}/{theirs[0][0]:5d}   aiocrawl {a:9.1f} pages/s   "
          f"python {b:8.1f} pages/s   ratio {a / b:6.1f}x", flush=True)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build")
    runs = int(os.environ.get("RUNS", "3"))
    binary = os.path.join(build, "tools/aiocrawl/aiocrawl")
    parse = os.path.join(build, "bench/crawl/aio_bench_parse")
    apt("python3-aiohttp", "python3-bs4", "nginx-light", "python3-doc")
    conc = int(os.environ.get("CONCURRENCY", "32"))

    # 1. The demo site, zero latency, only the generated pages, in a process of its own.
    pages = os.environ.get("DEMO_PAGES", "2000")
    demo = subprocess.Popen([binary, "--serve-demo", "--demo-latency", "0", "--demo-plain", "--demo-pages", pages],
                            stdout=subprocess.PIPE, text=True)
    try:
        url = demo.stdout.readline().strip()
        compare(f"demo site ({pages} pages, 0 ms)", binary, url, conc, conc, runs)
    finally:
        demo.terminate()
        demo.wait()

    # 2. A real static site under nginx: Python's HTML documentation (python3-doc), else
    # valgrind's manual.
    root = next((d for d in sorted(glob.glob("/usr/share/doc/python3.*/html")) if os.path.isfile(d + "/index.html")),
                "/usr/share/doc/valgrind/html")
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        conf = os.path.join(tmp, "nginx.conf")
        with open(conf, "w") as f:
            f.write(f"daemon off; worker_processes 1; pid {tmp}/nginx.pid; error_log {tmp}/error.log;\n"
                    f"events {{}} http {{ include /etc/nginx/mime.types; access_log off;\n"
                    f"client_body_temp_path {tmp}/b; proxy_temp_path {tmp}/p;\n"
                    f"server {{ listen 127.0.0.1:{port}; root {root}; }} }}\n")
        nginx = subprocess.Popen(["/usr/sbin/nginx", "-e", f"{tmp}/error.log", "-c", conf, "-p", tmp])
        try:
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.05)
            compare(f"nginx: {root}", binary, f"http://127.0.0.1:{port}/index.html", conc, conc, runs)
        finally:
            nginx.terminate()
            nginx.wait()

    # 3. The HTML parse cost per page alone, over the same site's files.
    files = sorted(glob.glob(root + "/**/*.html", recursive=True))[:200]
    g = json.loads(subprocess.run([parse, "3", *files], capture_output=True, text=True).stdout)
    b = json.loads(subprocess.run([PY, PEER, "--parse-bench", "1", *files], capture_output=True, text=True).stdout)
    print(f"parse + links per page ({g['pages']} pages, {g['bytes'] / g['pages'] / 1000:.0f} kB avg): "
          f"gumbo {g['ms_per_page']:.2f} ms, BeautifulSoup(html.parser) {b['ms_per_page']:.2f} ms, "
          f"ratio {b['ms_per_page'] / g['ms_per_page']:.1f}x (links {g['links']} vs {b['links']})", flush=True)


if __name__ == "__main__":
    main()
