/* Kernel options. A subsystem declares the options it understands next to
 * the code they steer; kernel/param.c hands each parsed option to its
 * owner and reports the unknown ones in one warning line. */
#ifndef FLINT_PARAM_H
#define FLINT_PARAM_H

#include <stdbool.h>

struct kernel_param {
	const char *name;
	/* value is NULL for a bare flag; return 0, or -1 to reject it. */
	int (*set)(const char *value);
	bool *flag;		/* instead of set: a bare flag that sets *flag */
	/* Instead of both: every option whose key begins with name (which
	 * ends in '.'); key is the rest of it, value NULL for a flag. */
	int (*set_prefixed)(const char *key, const char *value);
};

#define KERNEL_PARAM(pname, fn)                                               \
	static const struct kernel_param __param_##fn                          \
		__attribute__((used, section(".params"), aligned(8))) = {      \
			.name = (pname), .set = (fn) }

/* An option that takes no value and sets the bool var. */
#define KERNEL_FLAG(pname, var)                                               \
	static const struct kernel_param __param_##var                         \
		__attribute__((used, section(".params"), aligned(8))) = {      \
			.name = (pname), .flag = &(var) }

/* A family of options, "prefix.anything". */
#define KERNEL_PARAM_PREFIX(pname, fn)                                        \
	static const struct kernel_param __param_##fn                          \
		__attribute__((used, section(".params"), aligned(8))) = {      \
			.name = (pname), .set_prefixed = (fn) }

struct cmdline;

/* Dispatches every option of c to its declared owner. */
void params_apply(const struct cmdline *c);

/* Parses s into kernel_cmdline, warning about problems, and applies it. */
void cmdline_init(const char *s);

#endif
