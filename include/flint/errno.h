/* Error numbers, with Linux's values (the Linux ABI will share them).
 * Kernel functions return them negated. */
#ifndef FLINT_ERRNO_H
#define FLINT_ERRNO_H

#define EPERM 1
#define ENOENT 2
#define EIO 5
#define EBADF 9
#define EAGAIN 11
#define ENOMEM 12
#define EACCES 13
#define EBUSY 16
#define EEXIST 17
#define ENOTDIR 20
#define EISDIR 21
#define EINVAL 22
#define EMFILE 24
#define EFBIG 27
#define ESPIPE 29
#define ENAMETOOLONG 36
#define ENOTEMPTY 39
#define ELOOP 40

#endif
