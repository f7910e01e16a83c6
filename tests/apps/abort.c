/* Calls abort(): SIGABRT kills the program, so the VM's exit status must
 * be 128 + SIGABRT = 134. */
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
	printf("abort: calling abort()\n");
	fflush(stdout);
	abort();
}
