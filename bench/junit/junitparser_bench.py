#!/usr/bin/env python3
"""Reads a JUnit file with junitparser (the parser EnricoMi's action uses) and prints the same
figures as examples/junit_bench.rs: every <testcase> and its result.

usage: junitparser_bench.py FILE
"""
import os
import sys
import time

from junitparser import Error, Failure, JUnitXml, Skipped

path = sys.argv[1]
start = time.monotonic()
xml = JUnitXml.fromfile(path)
cases = passed = failed = errored = skipped = 0
for suite in (xml if xml._tag == "testsuites" else [xml]):
    for case in suite:
        cases += 1
        kinds = {type(r) for r in case.result}
        if Error in kinds:
            errored += 1
        elif Failure in kinds:
            failed += 1
        elif Skipped in kinds:
            skipped += 1
        else:
            passed += 1
secs = time.monotonic() - start
size = os.path.getsize(path)
print(f"junitparser bytes={size} seconds={secs:.3f} mb_per_s={size / 1e6 / secs:.1f} "
      f"testcases={cases} passed={passed} failed={failed} errored={errored} skipped={skipped}")
