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
from linux_cases import (ENTRY, LIBCS, app, check_checks, fatal, host_ok_lines, linux_case,
                         pack, program_lines, tail)

TIMEOUT = 30
# What busybox ip prints of the loopback (iproute2's format).
IP_LINES = {
    "addr": ["inet 127.0.0.1/8 scope host lo"],
    "link": ["link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00"],
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
        r = boot(name, qemu.command(append="-- /bin/ip %s show dev lo" % what, initrd=initrd),
                 timeout=TIMEOUT)
        problems = check_boot(r, ENTRY)
        if fatal(problems):
            return problems
        out = [l.strip() for l in program_lines(r)]
        for line in IP_LINES[what]:
            if not any(l.startswith(line) for l in out):
                problems.append("no line %r from ip %s%s" % (line, what, tail(r)))
        return problems


def register():
    for libc in LIBCS:
        unix_case("unix-" + libc, libc)
    unix_case("unix-musl-smp2", "musl", smp=2)
    for what in IP_LINES:
        ip_case("unix-netlink-ip-" + what, what)


register()
