#!/usr/bin/env python3
"""Writes a Surefire-style JUnit file of about SIZE_MB megabytes to PATH, streaming, with a fixed
seed: a <testsuites> of test classes, each with a <properties> block, 10-60 test cases (about 3%
failed with a Java stack trace, 0.5% errored, 1% skipped, 1% flaky with flakyFailure and
rerunFailure elements as Surefire's rerunFailingTestsCount writes them) and the class's
<system-out>.

usage: generate.py SIZE_MB PATH
"""
import random
import sys

size = int(float(sys.argv[1]) * 1_000_000)
path = sys.argv[2]
rng = random.Random(42)
WORDS = ["order", "cart", "user", "payment", "invoice", "refund", "session", "token",
         "search", "index", "cache", "queue", "report", "export", "import", "schema"]


def trace(cls, method, line, exc, msg):
    frames = [f"\tat com.example.{cls}.{method}({cls.rsplit('.', 1)[-1]}.java:{line})"]
    frames += [f"\tat org.junit.platform.engine.support.hierarchical.Node{i}.execute(Node.java:{100 + i})"
               for i in range(18)]
    return f"{exc}: {msg}\n" + "\n".join(frames) + "\n"


with open(path, "w", encoding="utf-8", buffering=1 << 20) as out:
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n')
    written = 0
    n = 0
    while written < size:
        n += 1
        pkg = f"{rng.choice(WORDS)}.{rng.choice(WORDS)}{n % 97}"
        cls = f"{pkg}.{rng.choice(WORDS).capitalize()}{rng.choice(WORDS).capitalize()}{n}Test"
        cases = []
        fails = errs = skips = 0
        for i in range(rng.randint(10, 60)):
            m = f"should{rng.choice(WORDS).capitalize()}When{rng.choice(WORDS).capitalize()}{i}"
            t = f"{rng.expovariate(20):.3f}"
            r = rng.random()
            head = f'    <testcase name="{m}" classname="com.example.{cls}" time="{t}"'
            if r < 0.03:
                fails += 1
                msg = f"expected: &lt;{i}&gt; but was: &lt;{i + 1}&gt;"
                cases.append(f'{head}>\n      <failure message="{msg}" type="org.opentest4j.AssertionFailedError">'
                             f'{trace(cls, m, 40 + i, "org.opentest4j.AssertionFailedError", msg)}</failure>\n'
                             f'      <system-out><![CDATA[attempt log for {m}\n]]></system-out>\n    </testcase>\n')
            elif r < 0.035:
                errs += 1
                cases.append(f'{head}>\n      <error message="boom" type="java.lang.IllegalStateException">'
                             f'{trace(cls, m, 40 + i, "java.lang.IllegalStateException", "boom")}</error>\n    </testcase>\n')
            elif r < 0.045:
                skips += 1
                cases.append(f'{head}>\n      <skipped message="disabled on CI"/>\n    </testcase>\n')
            elif r < 0.055:
                cases.append(f'{head}>\n      <flakyFailure message="timeout" type="java.util.concurrent.TimeoutException">\n'
                             f'        <stackTrace>{trace(cls, m, 40 + i, "java.util.concurrent.TimeoutException", "timeout")}</stackTrace>\n'
                             f'        <system-out>retrying</system-out>\n      </flakyFailure>\n    </testcase>\n')
            else:
                cases.append(f'{head}/>\n')
        suite = (f'  <testsuite name="com.example.{cls}" time="{rng.uniform(0.1, 9):.3f}" tests="{len(cases)}" '
                 f'errors="{errs}" skipped="{skips}" failures="{fails}">\n'
                 '    <properties>\n'
                 '      <property name="java.version" value="21.0.2"/>\n'
                 '      <property name="os.name" value="Linux"/>\n'
                 '      <property name="surefire.test.class.path" value="/home/runner/work/app/app/target/test-classes:/home/runner/work/app/app/target/classes"/>\n'
                 '    </properties>\n'
                 + "".join(cases) +
                 f'    <system-out><![CDATA[{"INFO starting " + cls + chr(10)}' + ("DEBUG step\n" * rng.randint(0, 20)) + ']]></system-out>\n'
                 '  </testsuite>\n')
        out.write(suite)
        written += len(suite.encode())
    out.write('</testsuites>\n')
