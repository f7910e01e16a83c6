/* /proc/meminfo's MemFree in kB, or -1: the network test programs
 * (net_epoll.c, net_hold.c) report it, and the tests and the bench take
 * what connections cost from it. */
#ifndef APPS_MEMINFO_H
#define APPS_MEMINFO_H

#include <stdio.h>

static long mem_free_kb(void)
{
	char line[128];
	long kb = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemFree: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

#endif
