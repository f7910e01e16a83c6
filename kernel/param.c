/* Hands each command-line option to the subsystem that declared it. */
#include <flint/cmdline.h>
#include <flint/param.h>
#include <flint/printk.h>
#include <flint/string.h>

extern const struct kernel_param __params_start[], __params_end[];

struct cmdline kernel_cmdline;
static bool echo;
KERNEL_FLAG("cmdline.echo", echo);

static const struct kernel_param *find_param(const char *name)
{
	for (const struct kernel_param *p = __params_start; p < __params_end; p++) {
		if (p->set_prefixed ? !strncmp(p->name, name, strlen(p->name)) :
				      !strcmp(p->name, name))
			return p;
	}
	return NULL;
}

void params_apply(const struct cmdline *c)
{
	unsigned unknown = 0;

	for (unsigned i = 0; i < c->noptions; i++) {
		const struct cmdline_option *o = &c->option[i];
		const struct kernel_param *p = find_param(o->key);

		if (!p)
			unknown++;
		else if (p->set_prefixed) {
			if (p->set_prefixed(o->key + strlen(p->name), o->value))
				printk("cmdline: bad option %.64s\n", o->key);
		} else if (p->flag && !o->value)
			*p->flag = true;
		else if (p->flag || p->set(o->value))
			printk("cmdline: bad value for %s: '%.64s'\n", o->key,
			       o->value ? o->value : "(none)");
	}
	if (!unknown)
		return;
	printk("cmdline: unknown options ignored:");
	for (unsigned i = 0; i < c->noptions; i++)
		if (!find_param(c->option[i].key))
			printk(" %.64s", c->option[i].key);
	printk("\n");
}

/* cmdline.echo shows what the kernel received and how it split it. */
static void echo_cmdline(const char *s, const struct cmdline *c)
{
	printk("cmdline: %s\n", s);
	for (unsigned i = 0; i < c->argc; i++)
		printk("cmdline: argv[%u] %s\n", i, c->argv[i]);
	for (unsigned i = 0; i < c->nmmio; i++)
		printk("cmdline: virtio_mmio %#llx@%#llx irq %u\n",
		       (unsigned long long)c->mmio[i].size,
		       (unsigned long long)c->mmio[i].base, c->mmio[i].irq);
}

void cmdline_init(const char *s)
{
	cmdline_parse(&kernel_cmdline, s, printk_line);
	params_apply(&kernel_cmdline);
	if (echo)
		echo_cmdline(s, &kernel_cmdline);
}
