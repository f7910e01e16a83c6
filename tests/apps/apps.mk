# Guest test programs (tests/apps/): filled in by the Linux-ABI work.
