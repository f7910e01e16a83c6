/* Ends with status 3: the VM's exit status must be 3. */
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
	printf("exit3: exiting with status 3\n");
	fflush(stdout);
	exit(3);
}
