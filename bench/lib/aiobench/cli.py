"""The command line of every bench program, `[--quick] [BUILD_DIR]`, and its knobs.

The help text is the leading comment of the bench/*.sh wrapper, so a knob is documented
once, where users look for it.
"""
import os
import re
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Dirs:
    """Where things are: `bench` (the scripts), `peers_src` (bench/peers), `build` (the
    aiocpp build directory) and `peers` (where peers, logs and raw results go)."""

    bench: Path
    peers_src: Path
    build: Path
    peers: Path


def usage(wrapper: Path) -> str:
    """The comment block after the first line of `wrapper`, without the `# `."""
    out = []
    for line in wrapper.read_text().splitlines()[1:]:
        if not line.startswith("#"):
            break
        out.append(re.sub(r"^# ?", "", line))
    return "\n".join(out) + "\n"


def parse_args(argv: list[str], wrapper: str) -> tuple[bool, Dirs]:
    """Parses [--quick] [BUILD_DIR] (exit 64 on anything else; -h prints the help of
    bench/`wrapper`), creates BUILD_DIR (default <repo>/build) and the peers directory
    ($AIO_PEERS_DIR or BUILD_DIR/bench-peers) and puts ~/.cargo/bin (rustup's) on PATH."""
    quick = False
    build = None
    for arg in argv:
        if arg == "--quick":
            quick = True
        elif arg in ("-h", "--help"):
            sys.stdout.write(usage(BENCH_DIR / wrapper))
            sys.exit(0)
        elif arg.startswith("-"):
            _fail(f"unknown option: {arg}", 64)
        elif build is not None:
            _fail("more than one BUILD_DIR given", 64)
        else:
            build = arg
    build_dir = Path(os.path.abspath(build or BENCH_DIR.parent / "build"))
    peers_dir = Path(os.path.abspath(knob("AIO_PEERS_DIR", str(build_dir / "bench-peers"))))
    try:
        build_dir.mkdir(parents=True, exist_ok=True)
        peers_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        _fail(str(e), 1)
    cargo_bin = Path.home() / ".cargo" / "bin"
    if cargo_bin.is_dir():
        os.environ["PATH"] = os.environ.get("PATH", "") + os.pathsep + str(cargo_bin)
    return quick, Dirs(BENCH_DIR, BENCH_DIR / "peers", build_dir, peers_dir)


def _fail(message: str, code: int):
    print(message, file=sys.stderr)
    sys.exit(code)


def knob(name: str, default: str) -> str:
    """An environment knob; set but empty counts as unset (the shell's ${NAME:-default})."""
    return os.environ.get(name) or default


def flag(name: str, default: bool) -> bool:
    """A 0/1 knob read as the shell's (( NAME )): a number other than 0 is on."""
    try:
        return int(knob(name, "1" if default else "0")) != 0
    except ValueError:
        return False


def note_to_stderr(prefix: str):
    """A function printing `[prefix] message` lines on stderr."""

    def note(message: str) -> None:
        print(f"[{prefix}] {message}", file=sys.stderr, flush=True)

    return note


def tail(path: Path, n: int = 5) -> None:
    """The last `n` lines of a log, on stderr (what `tail -n` showed after a failure)."""
    try:
        lines = Path(path).read_text(errors="replace").splitlines()[-n:]
    except OSError:
        return
    for line in lines:
        print(line, file=sys.stderr)
    sys.stderr.flush()


def run(main) -> None:
    """Runs `main(argv) -> exit code` as a program: stdout line-buffered (so results and
    the notes on stderr interleave as they happen), exit code 130 on SIGINT or SIGTERM
    after `main`'s cleanup (finally blocks) ran."""
    sys.stdout.reconfigure(line_buffering=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(130))
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit(130)
