/*
 * Sockets in flight: an AF_UNIX socket's file sent with SCM_RIGHTS is held
 * by the message until it is received. Sockets whose only references are
 * such messages, queued in sockets in the same state (a socket sent over
 * itself, then both ends closed), can never be received: no program holds
 * them. As Linux's collector, this one runs when a socket is released and
 * files are in flight: candidates are the sockets whose file's references
 * all come from queued messages; those referred to from elsewhere (a
 * queue of a socket a program holds) are alive, and so is everything their
 * queues refer to; the rest have their queues emptied, which releases
 * them. Everything here runs under the AF_UNIX lock.
 */
#include <flint/vfs.h>

#include "unix.h"

static struct unix_sock *all;
static unsigned long total_inflight;

void unix_list_add(struct unix_sock *u)
{
	u->all_next = all;
	u->all_prev = &all;
	if (all)
		all->all_prev = &u->all_next;
	all = u;
}

void unix_list_del(struct unix_sock *u)
{
	*u->all_prev = u->all_next;
	if (u->all_next)
		u->all_next->all_prev = u->all_prev;
}

void unix_inflight(struct file **files, unsigned n, int delta)
{
	for (unsigned i = 0; i < n; i++) {
		struct unix_sock *v = unix_of_file(files[i]);

		if (v) {
			v->inflight += (unsigned)delta;
			total_inflight += (unsigned long)(long)delta;
		}
	}
}

/* Calls fn for every candidate that u's queue refers to. */
static void each_referred(struct unix_sock *u, void (*fn)(struct unix_sock *v))
{
	for (struct unix_msg *m = u->head; m; m = m->next)
		for (unsigned i = 0; i < m->nrights; i++) {
			struct unix_sock *v = unix_of_file(m->rights[i]);

			if (v && v->gc_candidate)
				fn(v);
		}
}

static void count_internal(struct unix_sock *v)
{
	v->gc_internal++;
}

static void make_alive(struct unix_sock *v)
{
	v->gc_alive = true;
}

void unix_gc(struct unix_msg **garbage)
{
	bool changed = true;

	if (!total_inflight)
		return;
	for (struct unix_sock *u = all; u; u = u->all_next) {
		u->gc_candidate = u->inflight && u->sock && u->sock->file &&
				  __atomic_load_n(&u->sock->file->refs, __ATOMIC_ACQUIRE) == u->inflight;
		u->gc_internal = 0;
		u->gc_alive = false;
		u->gc_scanned = false;
	}
	for (struct unix_sock *u = all; u; u = u->all_next)
		if (u->gc_candidate)
			each_referred(u, count_internal);
	for (struct unix_sock *u = all; u; u = u->all_next)
		if (u->gc_candidate && u->inflight > u->gc_internal)
			u->gc_alive = true;
	while (changed) {
		changed = false;
		for (struct unix_sock *u = all; u; u = u->all_next)
			if (u->gc_candidate && u->gc_alive && !u->gc_scanned) {
				u->gc_scanned = true;
				each_referred(u, make_alive);
				changed = true;
			}
	}
	for (struct unix_sock *u = all; u; u = u->all_next)
		if (u->gc_candidate && !u->gc_alive)
			unix_queue_drain(u, garbage);
}
