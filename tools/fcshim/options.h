/* fcshim.* options at the front of the command line (README.md). */
#ifndef FCSHIM_OPTIONS_H
#define FCSHIM_OPTIONS_H

#include "fcshim.h"

struct fc_options {
	enum fc_version version;
	enum fc_entry entry;
	bool pci;		/* --enable-pci (§6, §10, §11; v1.13+) */
};

/* Consumes the leading fcshim.* tokens; returns the rest of cmdline. An
 * unknown option or value ends the VM with an error. */
const char *options_parse(const char *cmdline, struct fc_options *o);

#endif
