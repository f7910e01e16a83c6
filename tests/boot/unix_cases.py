"""Boot tests of AF_UNIX and AF_NETLINK sockets on Flint (registered into
cases.CASES), through tests/apps/unix.c with musl and glibc: socketpairs,
SCM_RIGHTS to a forked child, named and abstract servers under /tmp,
datagram boundaries, shutdown, EPIPE and SIGPIPE, non-blocking sockets,
poll readiness, getsockname/getpeername, and getifaddrs()/if_nameindex()
over netlink (the loopback needs no NIC). The program runs on this host
first; the guest must print every "ok" line the host run did, no FAIL
line, and the summary. Busybox's `ip` reads the same netlink answers.
"""
from cases import boot, check_boot, qemu
from linux_cases import (ENTRY, LIBCS, app, check_checks, executable_text, fatal, host_ok_lines,
                         linux_case, pack, program_lines, tail)
from stack_cases import USER_NET

TIMEOUT = 30
# What busybox ip prints of the loopback (iproute2's format): line starts,
# as Linux's busybox prints them; `ip route` must merely succeed: the
# loopback has no route in the main table.
LO_LINK = ["1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 ",
           "link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00"]
IP_LINES = {
    "addr show dev lo": LO_LINK + ["inet 127.0.0.1/8 scope host lo", "inet6 ::1/128 scope host"],
    "link show dev lo": LO_LINK,
    "route": [],
}


def unix_case(name, libc, smp=1):
    @linux_case(name)
    def _():
        path = app("unix", libc)
        want = host_ok_lines(path)
        initrd = pack(name, path + ":/bin/unix")
        r = boot(name, qemu.command(smp=smp, append="-- /bin/unix", initrd=initrd),
                 timeout=TIMEOUT)
        problems = check_boot(r, ENTRY, cpus=smp)
        if fatal(problems):
            return problems
        return problems + check_checks(r, want)


def ip_case(name, what):
    @linux_case(name)
    def _():
        initrd = pack(name, app("hello", "musl"), options=["--busybox", "/bin"])
        r = boot(name, qemu.command(append="-- /bin/ip " + what, initrd=initrd),
                 timeout=TIMEOUT)
        problems = check_boot(r, ENTRY)
        if fatal(problems):
            return problems
        out = [l.strip() for l in program_lines(r)]
        for line in IP_LINES[what]:
            if not any(l.startswith(line) for l in out):
                problems.append("no line %r from ip %s%s" % (line, what, tail(r)))
        return problems


# Firecracker's static form on QEMU's user network (restrict=on): busybox
# ip shows what ip= set, in iproute2's format (QEMU's first MAC).
STATIC_IP = "ip=172.16.0.2::172.16.0.1:255.255.255.252::eth0:off"
STATIC_SCRIPT = """#!/bin/sh
i=0
while ! grep -q '^eth0' /proc/net/route && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
ip link show dev eth0
ip addr show dev eth0
ip route
"""
STATIC_LINES = ["2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue",
                "link/ether 52:54:00:12:34:56 brd ff:ff:ff:ff:ff:ff",
                "inet 172.16.0.2/30 brd 172.16.0.3 scope global eth0",
                "default via 172.16.0.1 dev eth0",
                "172.16.0.0/30 dev eth0 scope link  src 172.16.0.2"]


@linux_case("unix-netlink-ip-static")
def _():
    script = executable_text("netlink-ip.sh", STATIC_SCRIPT)
    initrd = pack("unix-netlink-ip-static", app("hello", "musl"), script + ":/script.sh",
                  options=["--busybox", "/bin"])
    r = boot("unix-netlink-ip-static", qemu.command(append=STATIC_IP + " -- /script.sh",
                                                    initrd=initrd, extra=USER_NET),
             timeout=TIMEOUT)
    problems = check_boot(r, ENTRY)
    if fatal(problems):
        return problems
    out = [l.strip() for l in program_lines(r)]
    for line in STATIC_LINES:
        if not any(l.startswith(line) for l in out):
            problems.append("no line %r%s" % (line, tail(r)))
    return problems


def register():
    for libc in LIBCS:
        unix_case("unix-" + libc, libc)
    unix_case("unix-musl-smp2", "musl", smp=2)
    for what in IP_LINES:
        ip_case("unix-netlink-ip-" + what.split()[0], what)


register()
