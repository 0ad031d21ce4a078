"""Result lines (`key=value` words), medians and ratios, formatted as the tables print them."""


def kv(line: str) -> dict[str, str]:
    """The `key=value` words of a line; the first one wins when a key repeats."""
    out: dict[str, str] = {}
    for word in line.split():
        key, eq, value = word.partition("=")
        if eq:
            out.setdefault(key, value)
    return out


def num(fields: dict[str, str], key: str) -> float:
    """A field as a number; absent or empty reads as 0, as in awk."""
    value = fields.get(key, "")
    return float(value) if value else 0.0


def median(values: list[float]) -> float:
    """The middle value, or the mean of the two middle ones."""
    if not values:
        raise ValueError("median of nothing")
    v = sorted(values)
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def ratio(a: float | None, b: float | None) -> str:
    """a / b with two decimals, or "-" when either is missing or b is not positive."""
    if a is None or b is None or b <= 0:
        return "-"
    return f"{a / b:.2f}"


def per_rt_us(ticks: int, clk_tck: int, round_trips: int) -> float:
    """CPU microseconds per round trip from a number of clock ticks."""
    return ticks / clk_tck * 1e6 / round_trips


def append(path, line: str) -> None:
    """Adds one line to a raw results file (opened each time, so it can be read mid-run)."""
    with open(path, "a") as f:
        f.write(line + "\n")
