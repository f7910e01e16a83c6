"""Boot tests of pseudo-terminals and /dev/tty (tests/apps/pty.c): an
openpty pair, canonical and raw modes, ^C and SIGWINCH to a child whose
controlling terminal is the slave, the hang-ups. The same program runs on
the host first and the guest must print every "ok" line it did."""
from linux_cases import LIBCS, checks_case

for _libc in LIBCS:
    checks_case("linux-pty-" + _libc, "pty", _libc)
