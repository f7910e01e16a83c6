/* The kernel's start (init/main.c): where every boot entry ends up. */
#ifndef FLINT_INIT_H
#define FLINT_INIT_H

#include <flint/bootinfo.h>
#include <flint/compiler.h>

__noreturn void start_kernel(struct bootinfo *bi);

#endif
