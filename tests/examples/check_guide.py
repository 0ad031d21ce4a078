#!/usr/bin/env python3
"""Checks docs/guide/examples.md against the examples.

For every `<!-- twin: NAME -->` section of the guide:
  * the ```cpp block must be code from examples/NAME.cpp, verbatim;
  * the ```python block is run with every duration scaled by 0.1 (as the C++ twins are)
    and must print what tests/examples/expected/NAME.txt says the C++ twin prints
    (lines "re: <regex>" match as regular expressions). For the few programs whose output
    legitimately differs (random numbers, each library's own error text) only the shape
    is compared: the same number of lines, each starting with the same word.
Every example in examples/ must have a section. Needs Python 3.11 (asyncio.timeout).

--guide may be given several times (pages sharing one examples folder, as
docs/guide/sync.md and threads.md share examples/guide/). With --bin-dir, each twin's
built C++ program is run too and must print the expected output.
"""
import argparse
import concurrent.futures
import os
import re
import subprocess
import sys

SHAPE_ONLY = {
    "simulated_download": "Python's random numbers differ from std::mt19937's",
    "nested_run": "each library words its own error message",
}

SCALED_RUNNER = r"""
import asyncio, runpy, sys, time
S = 0.1
_sleep = time.sleep
time.sleep = lambda s: _sleep(s * S)
_asleep = asyncio.sleep
async def _scaled_sleep(d, result=None):
    return await _asleep(d * S, result)
asyncio.sleep = _scaled_sleep
_wait_for = asyncio.wait_for
asyncio.wait_for = lambda aw, timeout: _wait_for(aw, None if timeout is None else timeout * S)
_timeout = asyncio.timeout
asyncio.timeout = lambda d: _timeout(None if d is None else d * S)
sys.argv = sys.argv[1:]
exec(compile(open(sys.argv[0]).read(), sys.argv[0], "exec"), {"__name__": "__main__"})
"""


def sections(guides):
    text = "".join(open(g).read() for g in guides)
    marks = list(re.finditer(r"<!-- twin: (\w+) -->", text))
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        body = text[m.end():end]
        py = re.search(r"```python\n(.*?)```", body, re.S)
        cpp = re.search(r"```cpp\n(.*?)```", body, re.S)
        yield m.group(1), py.group(1) if py else None, cpp.group(1) if cpp else None


def matches(got, want, shape_only):
    if len(got) != len(want):
        return False
    for g, w in zip(got, want):
        if shape_only:
            if g.split(" ")[0] != w.removeprefix("re: ").split(" ")[0]:
                return False
        elif w.startswith("re: "):
            if not re.fullmatch(w[4:], g):
                return False
        elif g != w:
            return False
    return True


def run_python(name, code, tmpdir):
    path = os.path.join(tmpdir, name + ".py")
    with open(path, "w") as f:
        f.write(code)
    r = subprocess.run([sys.executable, "-c", SCALED_RUNNER, path],
                       capture_output=True, text=True, timeout=60)
    return r


def run_binary(name, bin_dir):
    path = os.path.join(bin_dir, name)
    if not os.path.exists(path):
        return subprocess.CompletedProcess(path, 127, "", f"{path} is not built\n")
    return subprocess.run([path], capture_output=True, text=True, timeout=60)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--guide", required=True, action="append")
    ap.add_argument("--examples", required=True)
    ap.add_argument("--expected", required=True)
    ap.add_argument("--tmpdir", default=os.environ.get("TMPDIR", "/tmp"))
    ap.add_argument("--bin-dir", help="run the built C++ twins found here as well")
    args = ap.parse_args()

    failures = []
    found = {}
    for name, py, cpp in sections(args.guide):
        found[name] = py
        source_path = os.path.join(args.examples, name + ".cpp")
        if not os.path.exists(source_path):
            failures.append(f"{name}: the guide has a section but examples/{name}.cpp is missing")
            continue
        if cpp is None or cpp not in open(source_path).read():
            failures.append(f"{name}: the guide's C++ snippet is not the code in examples/{name}.cpp")
        if py is None:
            failures.append(f"{name}: the guide's section has no Python block")
    for f in sorted(os.listdir(args.examples)):
        is_twin = os.path.exists(os.path.join(args.expected, f[:-4] + ".txt"))
        if f.endswith(".cpp") and is_twin and f[:-4] not in found:
            failures.append(f"{f[:-4]}: examples/{f} has no section in the guide")

    tmpdir = os.path.join(args.tmpdir, f"aio_check_guide_{os.getpid()}")
    os.makedirs(tmpdir, exist_ok=True)
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        runs = {name: pool.submit(run_python, name, py, tmpdir)
                for name, py in found.items() if py is not None}
        for name, fut in sorted(runs.items()):
            r = fut.result()
            expected_path = os.path.join(args.expected, name + ".txt")
            if r.returncode != 0:
                failures.append(f"{name}: the Python program failed:\n{r.stderr}")
                continue
            want = open(expected_path).read().splitlines()
            got = r.stdout.splitlines()
            if not matches(got, want, name in SHAPE_ONLY):
                failures.append(f"{name}: the Python program prints something else than the C++ "
                                f"twin\n--- python\n{r.stdout}--- expected ({expected_path})\n" +
                                "\n".join(want))
        bins = {name: pool.submit(run_binary, name, args.bin_dir)
                for name in found if args.bin_dir}
        for name, fut in sorted(bins.items()):
            r = fut.result()
            want = open(os.path.join(args.expected, name + ".txt")).read().splitlines()
            if r.returncode != 0 or not matches(r.stdout.splitlines(), want, False):
                failures.append(f"{name}: the C++ program (exit {r.returncode}) prints "
                                f"something else than expected\n--- c++\n{r.stdout}{r.stderr}"
                                "--- expected\n" + "\n".join(want))
    for f in os.listdir(tmpdir):
        os.remove(os.path.join(tmpdir, f))
    os.rmdir(tmpdir)

    for f in failures:
        print("FAIL " + f)
    print(f"{len(found)} twins checked, {len(failures)} problem(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
