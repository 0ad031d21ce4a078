"""Missing Debian packages and the peers' builds.

Builds never abort a run: a peer that does not build is reported, with the tail of its log,
and the caller skips it.
"""
import os
import shutil
import subprocess
from pathlib import Path

from .cli import tail


def have(command: str) -> bool:
    return shutil.which(command) is not None


def pkg_installed(package: str) -> bool:
    r = subprocess.run(["dpkg-query", "-W", "-f=${Status}", package],
                       capture_output=True, text=True) if have("dpkg-query") else None
    return r is not None and r.stdout == "install ok installed"


def importable(python: str, module: str) -> bool:
    """Whether `python` (a path) exists and can import `module`."""
    if not os.access(python, os.X_OK):
        return False
    return subprocess.run([python, "-c", f"import {module}"], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode == 0


def install(missing: list[str], log: Path, note) -> None:
    """apt-get install `missing` (through `sudo -n` when not root; once more after an
    apt-get update when it fails), unless NO_APT is set; output goes to `log`."""
    if not missing:
        return
    names = " ".join(missing)
    if os.environ.get("NO_APT"):
        note(f"missing packages (NO_APT set, not installing): {names}")
        return
    sudo = []
    if os.geteuid() != 0:
        if not have("sudo"):
            note(f"missing packages and not root: {names}")
            return
        sudo = ["sudo", "-n"]
    note(f"installing missing packages: {names}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    cmd = sudo + ["apt-get", "install", "-y"] + missing
    with open(log, "w") as out:
        if subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, env=env).returncode == 0:
            return
        # the package lists may be absent or stale: refresh once and retry
        subprocess.run(sudo + ["apt-get", "update"], stdout=out, stderr=subprocess.STDOUT,
                       env=env)
        if subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, env=env).returncode:
            note(f"apt-get install failed (see {log}); affected peers will be skipped")


def _newer(a: Path, b: Path) -> bool:
    """The shell's `a -nt b`."""
    try:
        ta = a.stat().st_mtime_ns
    except OSError:
        return False
    try:
        return ta > b.stat().st_mtime_ns
    except OSError:
        return True


def build_native(label: str, src: Path, binary: Path, compiler: list[str], libs: list[str],
                 log: Path, note) -> bool:
    """`nice -n 10 compiler... -o binary src libs...` unless `binary` is newer than `src`;
    the binary is replaced only by a complete build. False (and a note) when it failed."""
    if os.access(binary, os.X_OK) and _newer(binary, src):
        return True
    note(f"building {label} -> {binary}")
    tmp = Path(f"{binary}.tmp")
    with open(log, "w") as out:
        rc = subprocess.run(["nice", "-n", "10", *compiler, "-o", str(tmp), str(src), *libs],
                            stdout=out, stderr=subprocess.STDOUT).returncode
    if rc == 0:
        tmp.replace(binary)
        return True
    tmp.unlink(missing_ok=True)
    note(f"{label} failed to build (see {log}); skipping it")
    tail(log, 5)
    return False


def build_cargo(label: str, project: Path, target: Path, binary: str, log: Path,
                note) -> str | None:
    """cargo build --release --offline of `project` into `target`; None when it built,
    else why not. Runs from inside the project: cargo reads .cargo/config.toml
    (crates-io -> /usr/share/cargo/registry) from the working directory."""
    if not have("cargo"):
        note("cargo not found; skipping the Tokio peer")
        return "cargo not found"
    note(f"building {label} (offline, Debian registry) -> {target}/release/{binary}")
    cmd = ["nice", "-n", "10", "cargo", "build", "--release", "--offline", "--target-dir",
           str(target)]
    with open(log, "w") as out:
        if subprocess.run(cmd, cwd=project, stdout=out, stderr=subprocess.STDOUT).returncode == 0:
            return None
    lock = project / "Cargo.lock"
    if lock.is_file():
        # a Cargo.lock written by another cargo version can be unreadable
        lock.unlink()
        with open(log, "a") as out:
            if subprocess.run(cmd, cwd=project, stdout=out,
                              stderr=subprocess.STDOUT).returncode == 0:
                return None
    note(f"{label} failed to build (see {log}); skipping it")
    tail(log, 8)
    return f"build failed (see {log})"


def peer_packages(want, python: str, asio_header: str) -> list[str]:
    """The Debian packages missing for the wanted peers that both side-by-side benchmarks
    have: uvloop, Boost.Asio (`asio_header` below /usr/include/boost/asio tells whether it
    is there), Tokio, Node.js and the Python interpreter of the asyncio peers."""
    missing = []
    if want("uvloop") and not importable(python, "uvloop") and not pkg_installed("python3-uvloop"):
        missing.append("python3-uvloop")
    if (want("asyncio") or want("uvloop")) and not os.access(python, os.X_OK):
        missing.append("python3")
    if want("asio"):
        if not pkg_installed("libboost1.81-dev") and \
                not os.path.isfile(f"/usr/include/boost/asio/{asio_header}"):
            missing.append("libboost1.81-dev")
        if not have("g++"):
            missing.append("g++")
    if want("tokio"):
        if not pkg_installed("librust-tokio-dev"):
            missing.append("librust-tokio-dev")
        if not have("cargo"):
            missing.append("cargo")
    if want("node") and not have("node"):
        missing.append("nodejs")
    return missing
