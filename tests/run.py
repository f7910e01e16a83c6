#!/usr/bin/env python3
"""Runs every Flint test (host unit tests, then QEMU boot tests) and ends
with one line: 'N passed, N failed, N skipped'. Usage: run.py [PATTERN]"""
import concurrent.futures
import glob
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "boot"))
import cases  # noqa: E402

UNIT_LINE = re.compile(r"^(ok|not ok) (\S+?)(?:: (.*))?$")
results = {"passed": 0, "failed": 0, "skipped": 0}


def report(kind, name, detail=""):
    results[kind] += 1
    tag = {"passed": "PASS", "failed": "FAIL", "skipped": "SKIP"}[kind]
    print("%s %s%s" % (tag, name, ": " + detail if detail else ""), flush=True)


def unit_tests(pattern):
    binaries = sorted(glob.glob(os.path.join(ROOT, "build", "unit", "test_*")))
    if not binaries:
        report("failed", "unit", "no unit test binaries in build/unit (make unit-tests)")
    for b in binaries:
        if not os.access(b, os.X_OK) or os.path.isdir(b):
            continue
        p = subprocess.run([b], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        seen = 0
        for line in p.stdout.splitlines():
            m = UNIT_LINE.match(line)
            if not m or pattern not in m.group(2):
                continue
            seen += 1
            report("passed" if m.group(1) == "ok" else "failed", "unit." + m.group(2),
                   m.group(3) or "")
        if p.returncode and not re.search(r"^not ok ", p.stdout, re.M):
            report("failed", "unit." + os.path.basename(b),
                   "exited %d: %s" % (p.returncode, p.stdout[-500:]))
        elif p.returncode == 0 and seen == 0 and not pattern:
            report("failed", "unit." + os.path.basename(b), "ran no test case")


def boot_tests(pattern):
    selected = [(n, fn) for n, fn in cases.CASES if pattern in n]
    if not shutil.which(cases.qemu.QEMU):
        for name, _ in selected:
            report("skipped", "boot." + name, cases.qemu.QEMU + " is not installed")
        return
    # Two cores: two emulated machines at a time.
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        futures = [(name, pool.submit(fn)) for name, fn in selected]
        for name, f in futures:
            try:
                problems = f.result()
            except cases.Skip as e:
                report("skipped", "boot." + name, str(e))
                continue
            except Exception as e:  # a broken case is a failure, not a crash
                problems = ["%s: %s" % (type(e).__name__, e)]
            report("failed" if problems else "passed", "boot." + name, "; ".join(problems))


def main():
    pattern = sys.argv[1] if len(sys.argv) > 1 else ""
    unit_tests(pattern)
    boot_tests(pattern)
    print("%d passed, %d failed, %d skipped" % (results["passed"], results["failed"],
                                               results["skipped"]))
    return 1 if results["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
