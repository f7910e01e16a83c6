/* Parses "fcshim.version=v1.7|head", "fcshim.entry=linux64|pvh" and
 * "fcshim.pci=off|on". */
#include <flint/string.h>
#include <stdbool.h>
#include <stddef.h>

#include "console.h"
#include "options.h"

#define OPTION_PREFIX "fcshim."

struct choice {
	const char *name;
	int value;
};

static const struct choice versions[] = {
	{ "head", FC_HEAD },
	{ "v1.7", FC_V1_7 },
	{ NULL, 0 },
};

static const struct choice entries[] = {
	{ "linux64", FC_ENTRY_LINUX64 },
	{ "pvh", FC_ENTRY_PVH },
	{ NULL, 0 },
};

static const struct choice switches[] = {
	{ "off", false },
	{ "on", true },
	{ NULL, 0 },
};

const char *fc_version_name(enum fc_version v)
{
	return versions[v == FC_HEAD ? 0 : 1].name;
}

const char *fc_entry_name(enum fc_entry e)
{
	return e == FC_ENTRY_PVH ? "pvh" : "linux64";
}

static size_t token_len(const char *s)
{
	size_t n = 0;

	while (s[n] && s[n] != ' ')
		n++;
	return n;
}

static bool key_is(const char *key, const char *end, const char *name)
{
	size_t n = strlen(name);

	return (size_t)(end - key) == n && !strncmp(key, name, n);
}

/* Looks up value (len bytes) among the choices of option key. */
static int choose(const struct choice *c, const char *key, const char *value,
		  size_t len)
{
	for (const struct choice *i = c; i->name; i++)
		if (strlen(i->name) == len && !strncmp(i->name, value, len))
			return i->value;
	fail("bad value \"%.*s\" for %s%s (expected %s or %s)", (int)len, value,
	     OPTION_PREFIX, key, c[0].name, c[1].name);
}

const char *options_parse(const char *cmdline, struct fc_options *o)
{
	const char *p = cmdline;
	const size_t plen = strlen(OPTION_PREFIX);

	o->version = FC_HEAD;
	o->entry = FC_ENTRY_AUTO;
	o->pci = false;
	for (;;) {
		const char *tok = p, *key, *eq;
		size_t len, vlen;

		while (*tok == ' ')
			tok++;
		/* The user's string keeps the space before it, so that a leading
		 * "-- args" still reads as init args (contract §6). */
		if (strncmp(tok, OPTION_PREFIX, plen))
			break;
		len = token_len(tok);
		key = tok + plen;
		eq = strchr(key, '=');
		if (!eq || eq > tok + len)
			fail("option \"%.*s\" needs a value", (int)len, tok);
		vlen = (size_t)(tok + len - eq - 1);
		if (key_is(key, eq, "version"))
			o->version = (enum fc_version)choose(versions, "version", eq + 1, vlen);
		else if (key_is(key, eq, "entry"))
			o->entry = (enum fc_entry)choose(entries, "entry", eq + 1, vlen);
		else if (key_is(key, eq, "pci"))
			o->pci = choose(switches, "pci", eq + 1, vlen);
		else
			fail("unknown option \"%.*s\" (known: %sversion, %sentry, %spci)",
			     (int)(eq - tok), tok, OPTION_PREFIX, OPTION_PREFIX, OPTION_PREFIX);
		p = tok + len;
	}
	/* Firecracker has --enable-pci from v1.13 on (§16). */
	if (o->pci && o->version != FC_HEAD)
		fail("fcshim.pci=on needs fcshim.version=head");
	return p;
}
