import unittest

from aiobench.stats import kv, median, num, per_rt_us, ratio


class kv_words(unittest.TestCase):
    def test_reads_key_value_words_and_skips_the_rest(self):
        self.assertEqual(kv("loadgen port=5 rt_per_s=1.5 x"), {"port": "5", "rt_per_s": "1.5"})

    def test_first_occurrence_wins(self):
        self.assertEqual(kv("server=a size=100 size=1024")["size"], "100")

    def test_value_may_hold_equals_signs_and_be_empty(self):
        self.assertEqual(kv("a=b=c d="), {"a": "b=c", "d": ""})

    def test_num_reads_absent_or_empty_as_zero(self):
        self.assertEqual(num({"a": "", "b": "2.5"}, "a"), 0.0)
        self.assertEqual(num({"b": "2.5"}, "b"), 2.5)
        self.assertEqual(num({}, "c"), 0.0)


class median_of(unittest.TestCase):
    def test_odd_count_is_the_middle_value(self):
        self.assertEqual(median([3, 1, 2]), 2)

    def test_even_count_is_the_mean_of_the_middle_two(self):
        self.assertEqual(median([4, 1, 3, 2]), 2.5)

    def test_sorts_numerically_not_as_text(self):
        self.assertEqual(median([9.0, 10.0, 100.0]), 10.0)

    def test_nothing_is_an_error(self):
        with self.assertRaises(ValueError):
            median([])


class ratio_formatting(unittest.TestCase):
    def test_two_decimals(self):
        self.assertEqual(ratio(1.0, 3.0), "0.33")
        self.assertEqual(ratio(2.0, 1.0), "2.00")

    def test_missing_or_non_positive_base_is_a_dash(self):
        self.assertEqual(ratio(1.0, None), "-")
        self.assertEqual(ratio(None, 1.0), "-")
        self.assertEqual(ratio(1.0, 0.0), "-")

    def test_cpu_per_round_trip_from_ticks(self):
        self.assertAlmostEqual(per_rt_us(150, 100, 300000), 5.0)


if __name__ == "__main__":
    unittest.main()
