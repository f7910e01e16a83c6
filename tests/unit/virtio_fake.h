/* tests/unit/virtio_fake.c: the kernel services of the virtio tests. */
#ifndef VIRTIO_FAKE_H
#define VIRTIO_FAKE_H

#define FAKE_PRINTK_MAX 256

extern unsigned fake_printk_lines;		/* console lines printed */
extern char fake_printk_last[FAKE_PRINTK_MAX];	/* the last one */

#endif
