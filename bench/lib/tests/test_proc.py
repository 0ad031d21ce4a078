import unittest
from pathlib import Path

from aiobench.cli import usage
from aiobench.proc import parse_machine_busy, parse_pid_stat

DATA = Path(__file__).parent / "data"


class proc_parsing(unittest.TestCase):
    def test_pid_stat_gives_utime_and_stime_even_with_parens_in_the_name(self):
        self.assertEqual(parse_pid_stat((DATA / "proc_pid_stat").read_text()), (357, 81))

    def test_machine_busy_sums_user_nice_system_irq_softirq_steal(self):
        text = (DATA / "proc_stat").read_text()
        self.assertEqual(parse_machine_busy(text), 10132153 + 290696 + 3084719 + 0 + 25195 + 7)

    def test_machine_busy_without_a_cpu_line_is_an_error(self):
        with self.assertRaises(ValueError):
            parse_machine_busy("intr 1 2\n")


class help_text(unittest.TestCase):
    def test_is_the_wrapper_comment_block_without_the_hash(self):
        text = usage(Path(__file__).parents[2] / "run_echo_bench.sh")
        self.assertTrue(text.startswith("Side-by-side TCP echo benchmark"))
        self.assertIn("Usage: bench/run_echo_bench.sh [--quick] [BUILD_DIR]\n", text)
        self.assertNotIn("#", text.splitlines()[0])


if __name__ == "__main__":
    unittest.main()
