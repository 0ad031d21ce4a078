#!/usr/bin/env bash
# aiocrawl's pages/s against the seeds' scraper in Python (asyncio + aiohttp +
# BeautifulSoup, bench/peers/crawl_bs4.py: the same crawl logic), same machine, same run.
#
# Usage: bench/run_crawl_bench.sh [BUILD_DIR]
#
#   BUILD_DIR   the aiocpp CMake build directory (default: <repo>/build), with the targets
#               aiocrawl and aio_bench_parse built.
#
# Three lines: the demo site with zero latency and only its generated pages (served by
# `aiocrawl --serve-demo` in a process of its own); a real static site under nginx (Python's
# HTML documentation, python3-doc, else valgrind's manual); and the HTML parse + link
# extraction cost per page alone (gumbo vs BeautifulSoup with html.parser), over that site's
# files. Both crawlers run with the same --concurrency and --per-host (CONCURRENCY, 32).
# aiocrawl's figure is the median of RUNS (3) runs, Python's of RUNS/2.
# Knobs: RUNS, CONCURRENCY, DEMO_PAGES (2000), NO_APT=1 (never apt-get).
set -u
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_exec crawl_bench.py "$@"
