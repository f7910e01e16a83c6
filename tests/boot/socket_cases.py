"""Boot tests of the socket calls on Flint (registered into cases.CASES).

tests/apps/sockets.c (musl and glibc) runs over the loopback only (127.0.0.1
and ::1: no network device, nothing leaves the guest): TCP echo between
threads and across fork, UDP, a refused non-blocking connect, an IPv6
listener taking an IPv4 client, readiness in poll and epoll, timeouts,
SIGPIPE, sendfile to a socket and the calls' argument checks. It runs on
this host first; the guest must print every "ok" line the host run did,
no FAIL line, and the summary. With two CPUs, as the threads of the echo
run at once. busybox ifconfig shows the loopback through the SIOCGIF*
ioctls.
"""
import re

from cases import boot, check_boot, qemu
from linux_cases import (ENTRY, LIBCS, TIMEOUT, busybox_initrd, checks_case, fatal,
                         linux_case, program_lines, tail)

for libc in LIBCS:
    checks_case("linux-sockets-%s" % libc, "sockets", libc, smp=2)


# busybox ifconfig reads an interface through the SIOCGIF* ioctls on a
# socket: with no network device, the loopback that a socket starts.
IFCONFIG_LO = [re.compile(r"^lo\s+Link encap:Local Loopback\s*$"),
               re.compile(r"^\s+inet addr:127\.0\.0\.1\s+Mask:255\.0\.0\.0\s*$"),
               re.compile(r"^\s+UP LOOPBACK RUNNING\s+MTU:\d+\s+Metric:1\s*$")]


@linux_case("linux-sockets-ifconfig-lo")
def _():
    name = "linux-sockets-ifconfig-lo"
    r = boot(name, qemu.command(append="-- /bin/busybox ifconfig lo",
                                initrd=busybox_initrd(name)), timeout=TIMEOUT)
    problems = check_boot(r, ENTRY)
    if fatal(problems):
        return problems
    lines = program_lines(r)
    for want in IFCONFIG_LO:
        if not any(want.match(l) for l in lines):
            problems.append("no line matching %r%s" % (want.pattern, tail(r)))
    return problems
