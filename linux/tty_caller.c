/* The terminals' questions to the process layer (<flint/tty.h>: struct
 * tty_caller), answered for the calling process. */
#include <flint/tty.h>

#include "linux.h"

static int caller_pid(void)
{
	struct process *p = process_current();

	return p ? p->pid : 0;
}

static int caller_pgid(void)
{
	struct process *p = process_current();

	return p ? p->pgid : 0;
}

static int caller_sid(void)
{
	struct process *p = process_current();

	return p ? p->sid : 0;
}

struct group_kill {
	int pgrp, sig;
};

/* Table locked, so that p stays; zombies take nothing. */
static void kill_member(struct process *p, void *arg)
{
	const struct group_kill *k = arg;

	if (p->pgid == k->pgrp && p->state == PROCESS_LIVE)
		signal_send_process(p, k->sig);
}

static void caller_kill_pgrp(int pgrp, int sig)
{
	struct group_kill k = { pgrp, sig };

	process_foreach(kill_member, &k);
}

static const struct tty_caller caller = {
	.pid = caller_pid,
	.pgid = caller_pgid,
	.sid = caller_sid,
	.kill_pgrp = caller_kill_pgrp,
};

void tty_caller_init(void)
{
	tty_set_caller(&caller);
}
