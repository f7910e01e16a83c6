/* Unknown syscalls: a number no kernel has and one Linux removed each
 * return -1 with ENOSYS, the first one twice (Flint names each on the
 * console once: the boot test counts those lines). */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "check.h"

/* Above every x86-64 syscall number, arch/x86/entry/syscalls/syscall_64.tbl. */
#define NR_UNKNOWN 999
/* nfsservctl: removed in Linux 3.1, its number kept unused. */
#define NR_NFSSERVCTL 180

static void expect_enosys(const char *what, long nr)
{
	long r = syscall(nr);

	check(r == -1 && errno == ENOSYS, what, "returned %ld, errno %d (%s)", r,
	      r == -1 ? errno : 0, r == -1 ? strerror(errno) : "-");
}

int main(void)
{
	expect_enosys("syscall 999", NR_UNKNOWN);
	expect_enosys("syscall 180 (nfsservctl)", NR_NFSSERVCTL);
	expect_enosys("syscall 999 again", NR_UNKNOWN);
	return checks_done();
}
