"""Network load boot tests (registered into cases.CASES): a SYN flood over
a tap and a guest with little memory that is sent more than it can hold
(issue 11: load costs memory that comes back; out of memory the stack drops
and pushes back instead of panicking).

Same rules as net_cases.py: the tap lives in a namespace the case makes and
always deletes, every flood packet is sent inside it, and user networking
is restrict=on with forwards on 127.0.0.1 only.
"""
import os
import re
import select
import socket
import subprocess
import time

from cases import case
from net_cases import (APPS, BOOT_TIMEOUT, IMAGES, Netns, Problem, SMALL_PAGE, TAP_GUEST,
                       TAP_IP, free_port, http_get, httpd_files, mem_back, netns_problem,
                       run_guest, tell_end, wait_http)

# The flood: SYNs from addresses inside 198.18.0.0/15 (RFC 2544's
# benchmarking range), which exist nowhere: the guest's SYN-ACKs go to its
# gateway, the namespace's kernel (no route, no forwarding) drops them, and
# the connections stay half-open in the guest until lwIP gives up on them.
FLOOD_SYNS, FLOOD_SECONDS = 3000, 4
FLOOD_NET, FLOOD_HOSTS = 0xC6120000, 1 << 17
# Port 80 is busybox httpd (its listen backlog of 9 fills at once: the rest
# are refused); 7000 is net_epoll serve, whose backlog of 1024 (lwIP keeps
# at most 255) lets a few hundred half-open connections cost memory. 8080 is
# a second httpd nobody floods: it must serve during the flood.
FLOOD_PORTS = (80, 7000)
# lwIP drops a SYN_RCVD connection after TCP_SYN_RCVD_TIMEOUT (20 s,
# lwip/priv/tcp_priv.h), checked every TCP_SLOW_INTERVAL (500 ms): the guest
# waits at most this long for them to go and for MemFree to come back.
SYNFLOOD_SETTLE_S = 40
# The flood runs twice: what the first leaves in the allocator's caches for
# good is not counted; MemFree after the second may be this much below
# before it (kB), less than its few hundred half-open connections cost.
SYNFLOOD_TOLERANCE_KB = 64

SYNFLOOD_SCRIPT = """free() { awk '/^MemFree:/ { print $2 }' /proc/meminfo; }
halfopen() { awk '$4 == "03"' /proc/net/tcp | wc -l; }
httpd -f -p 80 -h /www &
a=$!
httpd -f -p 8080 -h /www &
b=$!
/bin/net_epoll serve 7000 > /dev/null &
c=$!
for r in 1 2; do
	nc -l -p 99 > /dev/null
	before=$(free)
	echo mem-before $r MemFree: $before kB
	nc -l -p 98 > /dev/null
	echo mem-during $r MemFree: $(free) kB half-open $(halfopen)
	i=0
	while [ $i -lt %d ] && { [ $(halfopen) -gt 0 ] ||
			{ [ $r = 2 ] && [ $(free) -lt $((before - %d)) ]; }; }; do
		sleep 1
		i=$((i + 1))
	done
	echo mem-after $r MemFree: $(free) kB half-open $(halfopen) after $i s
done
nc -l -p 97 > /dev/null
echo net-test: end
kill $a $b $c
""" % (SYNFLOOD_SETTLE_S, SYNFLOOD_TOLERANCE_KB)
FLOOD_LINE = re.compile(r"^mem-(before|during|after) (\d) MemFree: (\d+) kB(?: half-open (\d+))?")

# Raw SYNs (IPv4 and TCP headers built here, RFC 791 and RFC 793), sent
# with IPPROTO_RAW inside the namespace: argv DST PORTS COUNT SECONDS SEED.
SYNFLOOD = """import random, socket, struct, sys, time
dst, ports = sys.argv[1], [int(p) for p in sys.argv[2].split(",")]
count, seconds = int(sys.argv[3]), float(sys.argv[4])
net, hosts = %d, %d
def csum(b):
    s = sum(struct.unpack("!%%dH" %% (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
rng, d = random.Random(int(sys.argv[5])), socket.inet_aton(dst)
start, sent = time.monotonic(), 0
for i in range(count):
    now = time.monotonic() - start
    if now > seconds + 2:
        break
    if now < i * seconds / count:
        time.sleep(i * seconds / count - now)
    src = struct.pack("!I", net + rng.randrange(1, hosts - 1))
    tcp = struct.pack("!HHIIBBHHH", rng.randrange(1024, 65536), ports[i %% len(ports)],
                      rng.randrange(1 << 32), 0, 5 << 4, 0x02, 64240, 0, 0)
    c = csum(src + d + struct.pack("!BBH", 0, socket.IPPROTO_TCP, len(tcp)) + tcp)
    tcp = tcp[:16] + struct.pack("!H", c) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), i & 0xffff, 0, 64,
                     socket.IPPROTO_TCP, 0, src, d)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    s.sendto(ip + tcp, (dst, 0))
    sent += 1
print("sent %%d SYNs in %%.1f s" %% (sent, time.monotonic() - start))
""" % (FLOOD_NET, FLOOD_HOSTS)


def signal_port(g, ns, port, line):
    """Connects to the guest's `nc -l -p PORT` from the namespace until the
    console shows line (a regex)."""
    deadline = time.monotonic() + BOOT_TIMEOUT
    while True:
        subprocess.run(ns.exec(["python3", "-c", "import socket; socket.create_connection("
                                "('%s', %d), 5).sendall(b'go')" % (TAP_GUEST, port)]),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            return g.wait_line(line, 3)
        except Problem:
            if time.monotonic() > deadline or g.p.poll() is not None:
                raise


def flood(g, ns, rnd):
    """One flood, the page asked of port 8080 during it: its problems."""
    base = "http://%s" % TAP_GUEST
    problems = []
    signal_port(g, ns, 99, r"^mem-before %d " % rnd)
    p = subprocess.Popen(ns.exec(["python3", "-c", SYNFLOOD, TAP_GUEST,
                                  ",".join(map(str, FLOOD_PORTS)), str(FLOOD_SYNS),
                                  str(FLOOD_SECONDS), str(rnd)]),
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        time.sleep(1)
        if http_get(base + ":8080/index.html", 20, ns.name) != SMALL_PAGE:
            problems.append("round %d: port 8080 did not serve the page during the flood" % rnd)
        out = p.communicate(timeout=FLOOD_SECONDS + 30)[0].strip()
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    print("  %s: round %d: %s" % (g.name, rnd, out), flush=True)
    if p.returncode or not out.startswith("sent "):
        raise Problem("round %d: the flood failed: %r" % (rnd, out[-300:]))
    signal_port(g, ns, 98, r"^mem-during %d " % rnd)
    g.wait_line(r"^mem-after %d " % rnd, SYNFLOOD_SETTLE_S + BOOT_TIMEOUT)
    # The flooded server itself, once its half-open connections are gone.
    if http_get(base + "/index.html", 20, ns.name) != SMALL_PAGE:
        problems.append("round %d: port 80 did not serve the page after the flood" % rnd)
    return problems


def synflood_host(g, ns):
    base = "http://%s" % TAP_GUEST
    wait_http(g, base + "/index.html", SMALL_PAGE, netns=ns.name)
    wait_http(g, base + ":8080/index.html", SMALL_PAGE, netns=ns.name)
    problems = flood(g, ns, 1) + flood(g, ns, 2)
    signal_port(g, ns, 97, r"^net-test: end$")
    mem = {}
    for m in map(FLOOD_LINE.match, g.output()):
        if m:
            mem[m.group(1), int(m.group(2))] = (int(m.group(3)),
                                                m.group(4) and int(m.group(4)))
    if len(mem) != 6:
        return problems + ["no MemFree lines before, during and after each round%s" % g.tail()]
    for rnd in (1, 2):
        print("  %s: round %d: MemFree %d kB before, %d kB with %d half-open, %d kB after" % (
            g.name, rnd, mem["before", rnd][0], mem["during", rnd][0], mem["during", rnd][1],
            mem["after", rnd][0]), flush=True)
        if not mem["during", rnd][1]:
            problems.append("round %d: no half-open connections in the guest after the "
                            "flood: it did not reach the guest" % rnd)
        if mem["after", rnd][1]:
            problems.append("round %d: %d connections still half-open %d s after the "
                            "flood" % (rnd, mem["after", rnd][1], SYNFLOOD_SETTLE_S))
    # The first round's allocator caches stay: the second must cost nothing.
    if mem["after", 2][0] < mem["before", 2][0] - SYNFLOOD_TOLERANCE_KB:
        problems.append("MemFree %d kB after the second flood, %d kB before it: more than "
                        "%d kB did not come back" % (mem["after", 2][0], mem["before", 2][0],
                                                     SYNFLOOD_TOLERANCE_KB))
    if any("panic" in l for l in g.output()):
        problems.append("the guest panicked%s" % g.tail())
    return problems


def synflood_case():
    name = "net-tap-synflood"

    @case(name)
    def _():
        files, _ = httpd_files()
        files.append((os.path.join(APPS, "net_epoll.musl"), "/bin/net_epoll"))
        with Netns(name) as ns:
            return run_guest(name, SYNFLOOD_SCRIPT, lambda g: synflood_host(g, ns), files,
                             nets=["tap:tap0"], ip=TAP_IP, netns=ns.name,
                             macs=["06:00:ac:10:00:02"])


# net-oom: a guest with little memory (16M: about 5.8 MB free; 12M boots
# with 156 kB free, 8M does not) holds OOM_CONNS connections unread for
# OOM_HOLD_S while the host pushes on all of them; lwIP's window (TCP_WND,
# 1 MiB each) offers far more than the guest has, so the guest runs short
# and must drop (net.show's rx-nomem), not panic, and the host's sends must
# stall. Then the guest reads everything (not a byte may be lost, no read
# may fail), its MemFree comes back, and httpd, started only then, serves.
OOM_MEM = "16M"
OOM_CONNS, OOM_HOLD_S = 64, 15
OOM_SNDBUF = 32 << 10
OOM_CAP = 8 << 20		# bytes the host pushes on one connection at most
OOM_STALL_S = 3			# no byte taken for this long: the host is held back
OOM_PUSH_S = 12			# the host pushes for at most this long
OOM_READ_S = 120
OOM_SETTLE_S = 10
OOM_TOLERANCE_KB = 256
CONNECT_GAP_S = 0.002		# slirp's forward listens with a backlog of 1

OOM_SCRIPT = """free() { awk '/^MemFree:/ { print $2 }' /proc/meminfo; }
before=$(free)
echo mem-before MemFree: $before kB
/bin/net_hold 7000 %d %d
echo net-hold: status $?
i=0
while [ $i -lt %d ] && [ $(free) -lt $((before - %d)) ]; do sleep 1; i=$((i + 1)); done
echo mem-after MemFree: $(free) kB after $i s
httpd -f -p 80 -h /www &
httpd=$!
nc -l -p 99 > /dev/null
echo net-test: end
kill $httpd
""" % (OOM_CONNS, OOM_HOLD_S, OOM_SETTLE_S, OOM_TOLERANCE_KB)
OOM_MEM_LINE = re.compile(r"^mem-(before|after) MemFree: (\d+) kB")
HOLD_READ = re.compile(r"^net_hold: read (\d+) bytes from (\d+) connections, (\d+) still open")


def push(g, socks):
    """Sends on every socket until none takes a byte for OOM_STALL_S (or
    OOM_CAP each, or OOM_PUSH_S): the bytes each took, and whether that
    ended with a stall."""
    sent, chunk = [0] * len(socks), bytes(range(256)) * 256
    start = last = time.monotonic()
    live = list(socks)
    while live:
        now = time.monotonic()
        if now - last >= OOM_STALL_S:
            return sent, True
        if now - start >= OOM_PUSH_S:
            break
        _, ready, _ = select.select([], live, [], 0.2)
        for s in ready:
            i = socks.index(s)
            try:
                n = s.send(chunk[:OOM_CAP - sent[i]])
            except OSError:
                # Refused or reset: the stack pushed back that way.
                live.remove(s)
                continue
            sent[i] += n
            last = time.monotonic() if n else last
            if sent[i] >= OOM_CAP:
                live.remove(s)
    return sent, False


def oom_host(g, port, web, ctl):
    problems = []
    g.wait_line(r"^net_hold: listening ")
    socks = []
    try:
        for _ in range(OOM_CONNS):
            s = socket.socket()
            # Little buffered on this side: most of what is pushed waits
            # in the guest, or for it.
            s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, OOM_SNDBUF)
            socks.append(s)
            s.settimeout(10)
            s.connect(("127.0.0.1", port))
            s.setblocking(False)
            time.sleep(CONNECT_GAP_S)
        g.wait_line(r"^net_hold: holding ")
        sent, stalled = push(g, socks)
        total = sum(sent)
        reading = any(l.startswith("net_hold: reading") for l in g.output())
        print("  %s: %d connections took %d kB, then %s" % (
            g.name, len(socks), total >> 10,
            "stalled" if stalled else "no stall in %d s" % OOM_PUSH_S), flush=True)
        if not stalled or reading:
            problems.append("the host's sends did not stall while the guest held its %d "
                            "connections unread (%d bytes taken%s)" % (
                                OOM_CONNS, total, ", the guest already reading" if reading
                                else ""))
        for s in socks:
            s.shutdown(socket.SHUT_WR)
        line = g.wait_line(HOLD_READ.pattern, OOM_HOLD_S + OOM_READ_S)
    finally:
        for s in socks:
            s.close()
    m = HOLD_READ.match(line)
    if int(m.group(1)) != total or m.group(3) != "0":
        problems.append("the guest read %s bytes (%s connections still open), the host "
                        "sent %d" % (m.group(1), m.group(3), total))
    print("  %s: %s" % (g.name, line), flush=True)
    g.wait_line(r"^mem-after ", OOM_SETTLE_S + BOOT_TIMEOUT)
    problems += mem_back(g, OOM_MEM_LINE, OOM_SETTLE_S, OOM_TOLERANCE_KB,
                         "after the connections closed")
    wait_http(g, "http://127.0.0.1:%d/index.html" % web, SMALL_PAGE)
    tell_end(g, ctl)
    if any("panic" in l.lower() for l in g.output()):
        problems.append("the guest panicked%s" % g.tail())
    if "net-hold: status 0" not in g.output():
        problems.append("net_hold did not end with status 0%s" % g.tail())
    return problems


@case("net-oom")
def _():
    page = os.path.join(IMAGES, "net-page.html")
    os.makedirs(IMAGES, exist_ok=True)
    with open(page, "wb") as f:
        f.write(SMALL_PAGE)
    files = [(page, "/www/index.html"), (os.path.join(APPS, "net_hold.musl"), "/bin/net_hold")]
    port, web, ctl = free_port(), free_port(), free_port()
    net = "user:hostfwd=tcp:%d-:7000,hostfwd=tcp:%d-:80,hostfwd=tcp:%d-:99" % (port, web, ctl)
    return run_guest("net-oom", OOM_SCRIPT, lambda g: oom_host(g, port, web, ctl), files,
                     nets=[net], mem=OOM_MEM)


def register():
    why = netns_problem()
    if why:
        print("SKIP boot.net-tap-synflood: %s (the flood needs a namespace and a tap)" % why,
              flush=True)
    else:
        synflood_case()


register()
