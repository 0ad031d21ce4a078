#!/usr/bin/env python3
"""Checks that every <!-- snippet: NAME --> ```cpp block of docs/guide/diagnostics.md is
the region "// guide: NAME" ... "// end guide" of diagnostics_guide_test.cpp, verbatim,
and that every region is quoted. Usage: check_diagnostics_guide.py GUIDE TEST_SOURCE"""
import re
import sys

guide, source = (open(p).read() for p in sys.argv[1:3])
regions = dict(re.findall(r"^// guide: (\w+)\n(.*?)^// end guide$", source, re.S | re.M))
quoted = dict(re.findall(r"<!-- snippet: (\w+) -->\n```cpp\n(.*?)```", guide, re.S))
problems = []
for name, code in quoted.items():
    if name not in regions:
        problems.append(f"guide quotes unknown snippet {name}")
    elif code != regions[name]:
        problems.append(f"snippet {name} differs from the test source")
for name in regions.keys() - quoted.keys():
    problems.append(f"snippet {name} is not quoted by the guide")
for p in problems:
    print(p)
print(f"{len(quoted)} snippets checked, {len(problems)} problems")
sys.exit(1 if problems or not quoted else 0)
