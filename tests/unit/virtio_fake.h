/* tests/unit/virtio_fake.c: the kernel services of the virtio tests. */
#ifndef VIRTIO_FAKE_H
#define VIRTIO_FAKE_H

#define FAKE_PRINTK_MAX 256

extern unsigned fake_printk_lines;		/* console lines printed */
/* kmalloc succeeds this many more times, then returns NULL (~0u: always). */
extern unsigned fake_kmalloc_fail_after;
extern char fake_printk_last[FAKE_PRINTK_MAX];	/* the last one */

#endif
