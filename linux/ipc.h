/* System V IPC's shared parts (linux/ipc.c): keys, ids, ipc64_perm, the
 * permission check. Each kind (shm, sem, msg) keeps its own ipc_table. */
#ifndef LINUX_IPC_H
#define LINUX_IPC_H

#include <stdbool.h>
#include <stdint.h>

/* include/uapi/linux/ipc.h */
#define IPC_PRIVATE 0
#define IPC_CREAT 01000
#define IPC_EXCL 02000
#define IPC_NOWAIT 04000
#define IPC_RMID 0
#define IPC_SET 1
#define IPC_STAT 2
#define IPC_INFO 3
#define IPC_64 0x0100		/* the cmd flag the C libraries may add */
/* ipc/util.h: an id is seq * IPCMNI_SEQ_MULT + index. */
#define IPC_SEQ_MULT 32768
#define IPC_MODE_MASK 0777

/* include/uapi/asm-generic/ipcbuf.h: struct ipc64_perm on x86-64. */
struct linux_ipc64_perm {
	int32_t key;
	uint32_t uid, gid, cuid, cgid;
	uint16_t mode;
	uint8_t pad1[2];
	uint16_t seq;
	uint16_t pad2;
	uint64_t unused1, unused2;
};

struct ipc_obj {
	int32_t key;
	int id;
	uint32_t uid, gid, cuid, cgid;
	uint16_t mode;			/* the low 9 bits, and the kind's flags above */
};

#define IPC_TABLE_MAX 4096	/* SHMMNI, SEMMNI, MSGMNI (ipc/util.h IPCMNI) */
struct ipc_table {
	struct ipc_obj *slot[IPC_TABLE_MAX];
	uint16_t seq;
};

/* The object with key (not IPC_PRIVATE), or NULL. */
struct ipc_obj *ipc_find_key(struct ipc_table *t, int32_t key);
/* The object with id, or NULL (a stale or unknown id). */
struct ipc_obj *ipc_find_id(struct ipc_table *t, int id);
/* Enters o with key and mode (the caller's credentials as owner and
 * creator): its id, or -ENOSPC when the table is full. */
int ipc_add(struct ipc_table *t, struct ipc_obj *o, int32_t key, int mode);
void ipc_remove(struct ipc_table *t, struct ipc_obj *o);
/* The highest slot in use, or -1 (IPC_INFO's answer). */
int ipc_max_index(const struct ipc_table *t);
/* Whether the caller may access o for reading (want 4) or writing (2):
 * the one place where mode bits meet credentials. */
bool ipc_allowed(const struct ipc_obj *o, int want);
void ipc_fill_perm(const struct ipc_obj *o, struct linux_ipc64_perm *p);
/* IPC_SET: uid, gid and the low mode bits from p. */
void ipc_set_perm(struct ipc_obj *o, const struct linux_ipc64_perm *p);

/* Blocking: a caller reads the generation, checks its condition under
 * its own lock, drops that lock and waits for the generation to move
 * (any change to any IPC object wakes every waiter; they re-check).
 * ipc_wait returns 0, -ETIMEDOUT (deadline in clock_ns(), 0: none) or
 * -EINTR. */
uint64_t ipc_wait_gen(void);
int ipc_wait(uint64_t gen, uint64_t deadline);
void ipc_wake_all(void);

#endif
