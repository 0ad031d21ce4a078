import tempfile
import unittest
from pathlib import Path

from http_tables import medians, parse_duration_us, parse_wrk

WRK = """\
Running 5s test @ http://127.0.0.1:40111/
  1 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   220.51us   60.12us   2.10ms   90.00%
    Req/Sec   220.10k     5.00k  230.00k    80.00%
  Latency Distribution
     50%  210.00us
     75%  240.00us
     90%  280.00us
     99%    1.20ms
  1100500 requests in 5.00s, 150.00MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec: 220100.00
Transfer/sec:     30.00MB
"""


class wrk_report(unittest.TestCase):
    def test_reads_count_rate_percentiles_and_errors(self):
        w = parse_wrk(WRK)
        self.assertEqual(w["requests"], 1100500)
        self.assertEqual(w["seconds"], 5.0)
        self.assertEqual(w["req_per_s"], 220100.0)
        self.assertEqual(w["p50_us"], 210.0)
        self.assertEqual(w["p99_us"], 1200.0)
        self.assertEqual(w["errors"], 7)

    def test_a_clean_run_has_zero_errors(self):
        clean = "\n".join(x for x in WRK.splitlines() if "errors" not in x and "Non-2xx" not in x)
        self.assertEqual(parse_wrk(clean)["errors"], 0)

    def test_durations_in_every_unit(self):
        self.assertEqual(parse_duration_us("812.00us"), 812.0)
        self.assertEqual(parse_duration_us("1.5ms"), 1500.0)
        self.assertEqual(parse_duration_us("2.00s"), 2e6)
        with self.assertRaises(ValueError):
            parse_duration_us("fast")


class medians_of_runs(unittest.TestCase):
    def test_medians_per_id_and_failed_runs_counted_apart(self):
        with tempfile.TemporaryDirectory() as d:
            p = Path(d) / "r.txt"
            p.write_text("server=a req_per_s=10 run=1\nserver=b FAILED=start run=1\n"
                         "server=a req_per_s=30 run=2\nserver=a req_per_s=20 run=3\n")
            m = medians(p, "server")
        self.assertEqual(list(m), ["a", "b"])
        self.assertEqual(m["a"]["req_per_s"], 20)
        self.assertEqual(m["a"]["runs"], 3)
        self.assertEqual(m["b"]["runs"], 0)
        self.assertEqual(m["b"]["failed"], 1)


if __name__ == "__main__":
    unittest.main()
