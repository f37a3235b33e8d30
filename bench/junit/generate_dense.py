#!/usr/bin/env python3
"""Writes a case-dense JUnit file to PATH, streaming, with a fixed seed: CASES short test cases
(default 1 425 200, about 75 bytes each, about 106 MB), as large parameterised or property-based
suites produce them: a <testsuites> of Surefire-style classes of 200 cases each, about 1% failed
with a one-line message, 1% skipped, the rest passed as empty elements.

usage: generate_dense.py PATH [CASES]
"""
import random
import sys

path = sys.argv[1]
total = int(sys.argv[2]) if len(sys.argv) > 2 else 1_425_200
per_class = 200
rng = random.Random(7)
WORDS = ["codec", "order", "cart", "user", "money", "parser", "cache", "queue"]

with open(path, "w", encoding="utf-8", buffering=1 << 20) as out:
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n')
    n = 0
    k = 0
    while n < total:
        k += 1
        cls = f"org.{rng.choice(WORDS)}{k}Test"
        count = min(per_class, total - n)
        lines = [f'<testsuite name="{cls}" tests="{count}">\n']
        for i in range(count):
            r = rng.random()
            head = f'  <testcase name="prop[{i}]" classname="{cls}" time="0.00{i % 10}"'
            if r < 0.01:
                lines.append(f'{head}><failure message="seed {i}"/></testcase>\n')
            elif r < 0.02:
                lines.append(f'{head}><skipped/></testcase>\n')
            else:
                lines.append(f'{head}/>\n')
        lines.append('</testsuite>\n')
        out.write("".join(lines))
        n += count
    out.write('</testsuites>\n')
