#!/usr/bin/python3
# Run by Debian's python3 on Flint and on the host (tests/boot/dynamic_cases.py):
# the standard library, extension modules that load libraries (hashlib:
# OpenSSL, sqlite3), threads and a subprocess that is a dynamic program.
import hashlib, json, zlib, decimal, threading, sqlite3, subprocess, sys
print("sha256", hashlib.sha256(b"flint").hexdigest())
print("zlib", len(zlib.compress(b"a" * 10000)))
print("decimal", decimal.Decimal(1) / decimal.Decimal(7))
out = []
t = threading.Thread(target=lambda: out.append(sum(range(1000))))
t.start()
t.join()
print("thread", out[0])
db = sqlite3.connect(":memory:")
db.execute("create table t(x)")
db.executemany("insert into t values (?)", [(i,) for i in range(10)])
print("sqlite", db.execute("select sum(x) from t").fetchone()[0])
child = subprocess.run([sys.executable, "-c", "print(6*7)"], capture_output=True, text=True)
print("subprocess", child.stdout.strip())
print("json", json.dumps({"a": [1, 2]}))


def rollup(pid):
    """/proc/PID/smaps_rollup's figures, in kB."""
    with open("/proc/%s/smaps_rollup" % pid) as f:
        return {k: int(v.split()[0]) for k, _, v in (l.partition(":") for l in f) if v}


# A second python3 at once shares this one's text (the program's and its
# libraries'): more than 1 MiB, so that its proportional share is less
# than what it maps.
other = subprocess.Popen([sys.executable, "-c", "print('ready', flush=True); input()"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
other.stdout.readline()
theirs = rollup(other.pid)
other.communicate("\n")
print("shared", theirs["Shared_Clean"] > 1024, theirs["Pss"] < theirs["Rss"])
