/* What the program was started with: "argc N", then "argv[I] ARG" and
 * "env ENTRY" lines, for the boot tests to compare with the command line
 * (init=, env.NAME=value, the defaults). */
#include "check.h"

int main(int argc, char **argv, char **envp)
{
	printf("argc %d\n", argc);
	for (int i = 0; i < argc; i++)
		printf("argv[%d] %s\n", i, argv[i]);
	for (char **e = envp; *e; e++)
		printf("env %s\n", *e);
	return 0;
}
