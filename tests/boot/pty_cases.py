"""Boot tests of pseudo-terminals and /dev/tty (tests/apps/pty.c): an
openpty pair, canonical and raw modes, ^C and SIGWINCH to a child whose
controlling terminal is the slave, the hang-ups. The program passes on a
Linux host started from a terminal, but its ^C check depends on how the
host's own session was started (it failed under a detached make test), so
the guest is held to the checks in its source (creds_cases), not to a host
run."""
from creds_cases import source_checks_case
from linux_cases import LIBCS

for _libc in LIBCS:
    source_checks_case("linux-pty-" + _libc, "pty", _libc)
