#!/bin/sh
# Writes the assembly for the kernel's symbol table (see kernel/ksyms.c)
# from the text symbols of a linked kernel: gen-ksyms.sh KERNEL.elf > ksyms.S
# With no argument it writes an empty table, for the first link.
set -e
{
	if [ -n "$1" ]; then
		nm -n --defined-only "$1" | awk '$2 ~ /^[tT]$/ { print $1, $3 }'
	fi
} | awk '
BEGIN {
	print "\t.section .ksyms, \"a\""
	print "\t.p2align 3"
	print "\t.globl ksym_table, ksym_count, ksym_names"
	print "ksym_table:"
	off = 0; n = 0
}
{
	printf "\t.quad 0x%s\n\t.long %d, 0\n", $1, off
	names[n++] = $2
	off += length($2) + 1
}
END {
	print "ksym_count:"
	printf "\t.quad %d\n", n
	print "ksym_names:"
	for (i = 0; i < n; i++)
		printf "\t.asciz \"%s\"\n", names[i]
}'
