"""The tables printed from raw result files, against what the shell scripts' awk printed
for the same files (tests/data/*_table.txt were made with the awk of bench/*.sh before
bench/lib/ replaced it)."""
import contextlib
import io
import unittest
from pathlib import Path

import batch_sweep
import core_bench
import echo_tables

DATA = Path(__file__).parent / "data"


def printed(function, *args) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        function(*args)
    return out.getvalue()


class tables(unittest.TestCase):
    maxDiff = None

    def expect(self, name, text):
        self.assertEqual(text, (DATA / name).read_text())

    def test_echo_timing_rows(self):
        self.expect("echo_results_table.txt",
                    printed(echo_tables.print_timing_rows, DATA / "echo_results.txt"))

    def test_echo_syscall_rows(self):
        self.expect("echo_syscalls_table.txt",
                    printed(echo_tables.print_syscall_rows, DATA / "echo_syscalls.txt"))

    def test_echo_instruction_rows(self):
        self.expect("echo_instructions_table.txt",
                    printed(echo_tables.print_instruction_rows, DATA / "echo_instructions.txt"))

    def test_core_table(self):
        raw = DATA / "core_results.txt"
        text = printed(core_bench.print_table, raw, True).replace(str(raw), "RAW")
        self.expect("core_table.txt", text)

    def test_batch_sweep_table(self):
        runs = [[float(x) for x in line.split()]
                for line in (DATA / "sweep_runs.txt").read_text().splitlines()]
        self.expect("sweep_table.txt", printed(batch_sweep.print_table, runs, 2, "30", "100",
                                               [1, 4, 8]))


if __name__ == "__main__":
    unittest.main()
