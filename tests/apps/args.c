/* The initial stack: argv, envp and the auxiliary vector. The boot test
 * runs it as: ARGS_EXE alpha beta gamma=delta, with FLINT_APP=args-env in
 * the environment. The auxiliary vector is read twice: walked on the
 * stack after envp (what the kernel wrote) and through getauxval. */
#include <elf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>

#include "check.h"

static const char *const want_args[] = { "alpha", "beta", "gamma=delta" };
#define NWANT (sizeof(want_args) / sizeof(want_args[0]))
#define ENV_NAME "FLINT_APP"
#define ENV_VALUE "args-env"
#define PAGE_SIZE 4096
/* sysconf(_SC_CLK_TCK) on Linux: USER_HZ, include/asm-generic/param.h. */
#define USER_HZ 100
#define MAX_PHNUM 64
/* A ucontext (304 bytes) and the legacy FPU state (512): a frame is more. */
#define MIN_SIGNAL_FRAME 816
#ifndef AT_MINSIGSTKSZ
#define AT_MINSIGSTKSZ 51	/* include/uapi/linux/auxvec.h; musl lacks it */
#endif

static const Elf64_auxv_t *find_auxv(char **envp)
{
	while (*envp)
		envp++;
	return (const Elf64_auxv_t *)(envp + 1);
}

static int aux_entry(const Elf64_auxv_t *auxv, unsigned long type, unsigned long *value)
{
	for (; auxv->a_type != AT_NULL; auxv++) {
		if (auxv->a_type == type) {
			*value = auxv->a_un.a_val;
			return 1;
		}
	}
	return 0;
}

static void check_args(int argc, char **argv)
{
	int same = argc == (int)NWANT + 1;

	for (size_t i = 0; same && i < NWANT; i++)
		same = !strcmp(argv[i + 1], want_args[i]);
	check(same, "argv", "argc %d, argv[1] %s", argc, argc > 1 ? argv[1] : "(none)");
	check(argv[argc] == NULL, "argv NULL-terminated", "argv[argc] %p", (void *)argv[argc]);
}

static void check_env(char **envp)
{
	const char *want = ENV_NAME "=" ENV_VALUE;
	int found = 0;

	for (char **e = envp; *e; e++)
		found |= !strcmp(*e, want);
	check(found, "envp", "no %s in envp", want);
	const char *v = getenv(ENV_NAME);
	check(v && !strcmp(v, ENV_VALUE), "getenv", "%s=%s", ENV_NAME, v ? v : "(unset)");
}

/* The auxv the kernel wrote and getauxval must agree, entry by entry. */
static void check_same(const Elf64_auxv_t *auxv, unsigned long type, const char *what)
{
	unsigned long raw = 0;
	int present = aux_entry(auxv, type, &raw);

	check(present && getauxval(type) == raw, what, "on stack: %s %#lx, getauxval %#lx",
	      present ? "yes" : "no", raw, getauxval(type));
}

/* The load bias: from PT_PHDR, or (glibc's static-PIE has none) from the
 * ELF header, which ld puts right before the program headers at the start
 * of the PT_LOAD that maps file offset 0. */
static unsigned long load_bias(const Elf64_Phdr *ph, unsigned long phnum)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)ph - 1;

	for (unsigned long i = 0; i < phnum; i++)
		if (ph[i].p_type == PT_PHDR)
			return (unsigned long)ph - ph[i].p_vaddr;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_phoff != sizeof(*eh))
		return 0;
	for (unsigned long i = 0; i < phnum; i++)
		if (ph[i].p_type == PT_LOAD && ph[i].p_offset == 0)
			return (unsigned long)eh - ph[i].p_vaddr;
	return 0;
}

static void check_phdrs(void)
{
	const Elf64_Phdr *ph = (const Elf64_Phdr *)getauxval(AT_PHDR);
	unsigned long phnum = getauxval(AT_PHNUM), entry = getauxval(AT_ENTRY), bias;
	int loads = 0, entry_found = 0;

	check(getauxval(AT_PHENT) == sizeof(Elf64_Phdr), "AT_PHENT", "%lu",
	      getauxval(AT_PHENT));
	if (!check(ph && phnum >= 1 && phnum <= MAX_PHNUM, "AT_PHDR/AT_PHNUM",
		   "phdr %p phnum %lu", (const void *)ph, phnum))
		return;
	bias = load_bias(ph, phnum);
	for (unsigned long i = 0; i < phnum; i++) {
		if (ph[i].p_type != PT_LOAD)
			continue;
		loads++;
		unsigned long start = ph[i].p_vaddr + bias;
		if ((ph[i].p_flags & PF_X) && entry >= start && entry < start + ph[i].p_memsz)
			entry_found = 1;
	}
	check(loads > 0, "program headers have PT_LOAD", "%d PT_LOAD", loads);
	check(entry_found, "AT_ENTRY in executable PT_LOAD", "entry %#lx bias %#lx", entry, bias);
}

static void check_auxv(char **argv, char **envp)
{
	const Elf64_auxv_t *auxv = find_auxv(envp);
	unsigned long v;

	check(getauxval(AT_PAGESZ) == PAGE_SIZE, "AT_PAGESZ", "%lu", getauxval(AT_PAGESZ));
	check_same(auxv, AT_PAGESZ, "auxv on stack AT_PAGESZ");
	check_same(auxv, AT_PHDR, "auxv on stack AT_PHDR");
	check_same(auxv, AT_ENTRY, "auxv on stack AT_ENTRY");

	const unsigned char *rnd = (const unsigned char *)getauxval(AT_RANDOM);
	int nonzero = 0;
	for (int i = 0; rnd && i < 16; i++)
		nonzero |= rnd[i];
	check(rnd && nonzero, "AT_RANDOM", "%p", (const void *)rnd);

	check_phdrs();

	const char *execfn = (const char *)getauxval(AT_EXECFN);
	check(execfn && !strcmp(execfn, argv[0]), "AT_EXECFN", "%s, argv[0] %s",
	      execfn ? execfn : "(none)", argv[0]);
	check(aux_entry(auxv, AT_HWCAP, &v) && v, "AT_HWCAP", "%s",
	      aux_entry(auxv, AT_HWCAP, &v) ? "zero" : "absent");
	check(getauxval(AT_CLKTCK) == USER_HZ, "AT_CLKTCK", "%lu", getauxval(AT_CLKTCK));
	check(aux_entry(auxv, AT_SECURE, &v) && v == 0, "AT_SECURE", "%s",
	      aux_entry(auxv, AT_SECURE, &v) ? "nonzero" : "absent");
	/* The largest signal frame: at least the ucontext and FPU state. */
	check(aux_entry(auxv, AT_MINSIGSTKSZ, &v) && v >= MIN_SIGNAL_FRAME, "AT_MINSIGSTKSZ",
	      "%lu", aux_entry(auxv, AT_MINSIGSTKSZ, &v) ? v : 0);
	const char *platform = (const char *)getauxval(AT_PLATFORM);
	check(platform && !strcmp(platform, "x86_64"), "AT_PLATFORM", "%s",
	      platform ? platform : "(none)");
}

int main(int argc, char **argv, char **envp)
{
	check_args(argc, argv);
	check_env(envp);
	check_auxv(argv, envp);
	return checks_done();
}
