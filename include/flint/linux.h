/* Running a Linux program (linux/): the boot's last step. */
#ifndef FLINT_LINUX_H
#define FLINT_LINUX_H

struct cmdline;

/* Starts the program c names (argv after "--", else init=, else /init)
 * with the environment from env.NAME=value options, and waits for it to
 * end. Returns its exit status (128 + signal when a signal killed it), or
 * a status that says why it could not start. */
int linux_run(const struct cmdline *c);

#endif
