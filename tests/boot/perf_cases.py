"""Network cases about what bulk traffic and many connections leave behind
(docs/network.md, Performance), over a tap inside a namespace of the
case's own (net_cases.Netns); not registered without root or /dev/net/tun.

net-tap-bulk-in: 32 MiB of random bytes from the host into busybox nc in
the guest, whose sha256sum must match: with GUEST_TSO4 the host's tap
hands the guest TCP segments of up to 64 KiB.

net-tap-bulk-out: the other way, 32 MiB of random bytes from the guest's
busybox nc to a host server, which must get every byte unchanged: with
HOST_TSO4 (the console line lists host-tso4) the guest's connection
grows large segments (net/bigseg.h) that it merges into frames of up to
64 KiB, and net.show must count both. net-tap-bulk-out-mss: 8 MiB the
same way with net.tso_segs=1, which keeps lwIP's segments at the MSS:
still merged, none large.

net-tap-port-reuse: a client that reuses the port of a connection the
guest closed first (the guest's side is in TIME-WAIT, the client's is
closed), as Linux's connect() does once its port range turns over, must
get a new connection at once, not a connect() that times out.
"""
import hashlib
import importlib
import os
import subprocess

from cases import case


def net():
    """net_cases (its guest and namespace helpers), imported when a case
    runs: it imports cases, which imports this file."""
    return importlib.import_module("net_cases")

PORT, CLIENT_PORT = 8000, 40000
CONNECT_TIMEOUT_S = 5
ROUNDS = 3

# Runs in the namespace: ROUNDS HTTP requests to net_epoll's server, each
# from CLIENT_PORT, each after the one before has closed on both sides.
REUSE_CLIENT = r"""
import socket, sys, time
host, port, lport, rounds, limit = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), \
    int(sys.argv[4]), float(sys.argv[5])
for i in range(rounds):
    deadline = time.monotonic() + limit
    while True:
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("0.0.0.0", lport))
        s.settimeout(limit)
        t = time.monotonic()
        try:
            s.connect((host, port))
            break
        except OSError as e:
            s.close()
            # EADDRNOTAVAIL: our side is still closing; a timeout is the bug.
            if e.errno != 99 or time.monotonic() > deadline:
                print("round %d: connect: %s after %.1f s" % (i, e, time.monotonic() - t))
                sys.exit(1)
            time.sleep(0.05)
    s.sendall(b"GET / HTTP/1.0\r\n\r\n")
    data = b""
    while True:
        d = s.recv(4096)
        if not d:
            break
        data += d
    s.close()
    if b"flint epoll server" not in data:
        print("round %d: no page: %r" % (i, data[:200]))
        sys.exit(1)
    print("round %d: page from port %d" % (i, lport))
"""


def reuse_checks(g, ns):
    nc = net()
    g.wait_line(r"^net_epoll: listening on port %d" % PORT)
    p = subprocess.run(ns.exec(["python3", "-c", REUSE_CLIENT, nc.TAP_GUEST, str(PORT),
                                str(CLIENT_PORT), str(ROUNDS), str(CONNECT_TIMEOUT_S)]),
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=nc.CASE_TIMEOUT)
    problems = [] if p.returncode == 0 else ["port reuse: " + " | ".join(
        p.stdout.strip().splitlines()[-3:])]
    subprocess.run(ns.exec([os.path.join(nc.APPS, "net_epoll.glibc"), "quit", nc.TAP_GUEST,
                            str(PORT)]), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return problems


BULK_BYTES = 32 << 20
BULK_PORT = 99
BULK_SCRIPT = "echo net-bulk: listening\nnc -l -p %d | sha256sum\n" % BULK_PORT
BULK_CLIENT = r"""
import socket, sys, time
data = open(sys.argv[3], "rb").read()
deadline = time.monotonic() + 30
while True:
    try:
        s = socket.create_connection((sys.argv[1], int(sys.argv[2])), 5)
        break
    except OSError:
        if time.monotonic() > deadline:
            raise
        time.sleep(0.2)
t = time.monotonic()
s.sendall(data)
s.close()
print("sent %d bytes in %.2f s" % (len(data), time.monotonic() - t))
"""


def bulk_checks(g, ns):
    nc = net()
    path = os.path.join(nc.IMAGES, "net-tap-bulk-in.data")
    data = os.urandom(BULK_BYTES)
    with open(path, "wb") as f:
        f.write(data)
    g.wait_line(r"^net-bulk: listening$")
    p = subprocess.run(ns.exec(["python3", "-c", BULK_CLIENT, nc.TAP_GUEST, str(BULK_PORT),
                                path]), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=nc.CASE_TIMEOUT)
    os.unlink(path)
    if p.returncode:
        return ["sending: " + " | ".join(p.stdout.strip().splitlines()[-3:])]
    print("  net-tap-bulk-in: " + p.stdout.strip(), flush=True)
    want = hashlib.sha256(data).hexdigest()
    try:
        g.wait_line(r"^[0-9a-f]{64}\s+-$", 60)
    except nc.Problem as e:
        return [str(e)]
    got = [l.split()[0] for l in g.output() if len(l.split()) == 2 and l.endswith("-")]
    return [] if got == [want] else ["the guest's sha256 %r, expected %s" % (got, want)]


BULK_OUT_SCRIPT = ("echo net-bulk: sending\nnc %s %d < /data\necho net-bulk: sent $?\n")
# Runs in the namespace: takes one connection, reads the bytes asked
# for (or to its end), prints their count and sha256, closes.
BULK_SERVER = r"""
import hashlib, socket, sys, time
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((sys.argv[1], int(sys.argv[2])))
srv.listen(1)
print("listening", flush=True)
srv.settimeout(float(sys.argv[4]))
c, _ = srv.accept()
c.settimeout(float(sys.argv[4]))
want, got, h, t = int(sys.argv[3]), 0, hashlib.sha256(), time.monotonic()
while got < want:
    d = c.recv(1 << 20)
    if not d:
        break
    h.update(d)
    got += len(d)
print("received %d bytes in %.2f s %s" % (got, time.monotonic() - t, h.hexdigest()), flush=True)
c.close()
"""


def bulk_out(nc, ns, name, size, opts, big):
    """net-tap-bulk-out and its variant: size random bytes from the
    guest, booted with the kernel options opts; big: whether large TCP
    segments must be counted (else none may be). Its problems."""
    path = os.path.join(nc.IMAGES, name + ".data")
    data = os.urandom(size)
    with open(path, "wb") as f:
        f.write(data)
    server = subprocess.Popen(ns.exec(["python3", "-c", BULK_SERVER, nc.TAP_HOST, str(BULK_PORT),
                                       str(size), str(nc.CASE_TIMEOUT)]),
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    out = ""
    try:
        if server.stdout.readline().strip() != "listening":
            return ["the host server did not start: %r" % server.stdout.read()[-300:]]
        script = BULK_OUT_SCRIPT % (nc.TAP_HOST, BULK_PORT)
        guest = []

        def host(g):
            g.wait_line(r"^net-bulk: sent", nc.CASE_TIMEOUT)
            guest.append(g)
            return []
        problems = nc.run_guest(name, script, host, [(path, "/data")],
                                transport="pci-modern", nets=["tap:tap0"],
                                ip=(opts + " " + nc.TAP_IP).strip(), netns=ns.name)
        out = server.communicate(timeout=30)[0].strip()
    finally:
        server.kill()
        server.wait()
        os.unlink(path)
    print("  %s: %s" % (name, out), flush=True)
    want = "received %d bytes" % size
    if not out.startswith(want) or not out.endswith(hashlib.sha256(data).hexdigest()):
        problems.append("the host got %r, expected %s and sha256 %s" % (
            out[-200:], want, hashlib.sha256(data).hexdigest()))
    if not guest:
        return problems
    lines = guest[0].output()
    if "net-bulk: sent 0" not in lines:
        problems.append("the guest's nc failed: %r" % [l for l in lines if "net-bulk" in l])
    if not any(l.startswith("virtio: net") and " eth0 " in l and " host-tso4" in l
               for l in lines):
        problems.append("no host-tso4 on eth0's console line")
    eth0 = [l for l in lines if l.startswith("net: eth0 rx")]
    if not any(", tx gso " in l for l in eth0):
        problems.append("net.show counts no GSO frames on eth0: %r" % eth0)
    if big != any(", tx big " in l for l in eth0):
        problems.append("net.show counts %s large TCP segments on eth0: %r" % (
            "no" if big else "some", eth0))
    return problems


def register():
    why = ("not root" if os.geteuid() != 0 else
           None if os.path.exists("/dev/net/tun") else "no /dev/net/tun")
    if why:
        print("SKIP boot.net-tap-bulk-in, net-tap-bulk-out, net-tap-bulk-out-mss, "
              "net-tap-port-reuse: %s (the cases need a namespace and a tap)" % why, flush=True)
        return

    @case("net-tap-bulk-in")
    def _():
        nc = net()
        with nc.Netns("net-tap-bulk-in") as ns:
            return nc.run_guest("net-tap-bulk-in", BULK_SCRIPT, lambda g: bulk_checks(g, ns),
                                transport="pci-modern", nets=["tap:tap0"], ip=nc.TAP_IP,
                                netns=ns.name)

    @case("net-tap-bulk-out")
    def _():
        nc = net()
        with nc.Netns("net-tap-bulk-out") as ns:
            return bulk_out(nc, ns, "net-tap-bulk-out", BULK_BYTES, "", True)

    @case("net-tap-bulk-out-mss")
    def _():
        nc = net()
        with nc.Netns("net-tap-bulk-out-mss") as ns:
            return bulk_out(nc, ns, "net-tap-bulk-out-mss", BULK_BYTES // 4,
                            "net.tso_segs=1", False)

    @case("net-tap-port-reuse")
    def _():
        nc = net()
        files = [(os.path.join(nc.APPS, "net_epoll.musl"), "/bin/net_epoll")]
        with nc.Netns("net-tap-port-reuse") as ns:
            return nc.run_guest("net-tap-port-reuse", "/bin/net_epoll serve %d\n" % PORT,
                                lambda g: reuse_checks(g, ns), files, transport="pci-modern",
                                nets=["tap:tap0"], ip=nc.TAP_IP, netns=ns.name)


register()
