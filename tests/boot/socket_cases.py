"""Boot tests of the socket calls on Flint (registered into cases.CASES).

tests/apps/sockets.c (musl and glibc) runs over the loopback only (127.0.0.1
and ::1: no network device, nothing leaves the guest): TCP echo between
threads and across fork, UDP, a refused non-blocking connect, an IPv6
listener taking an IPv4 client, readiness in poll and epoll, timeouts,
SIGPIPE, sendfile to a socket and the calls' argument checks. It runs on
this host first; the guest must print every "ok" line the host run did,
no FAIL line, and the summary. With two CPUs, as the threads of the echo
run at once.
"""
from linux_cases import LIBCS, checks_case

for libc in LIBCS:
    checks_case("linux-sockets-%s" % libc, "sockets", libc, smp=2)
