/* Accesses to user memory. Each instruction that touches a user address
 * has an entry in usercopy_fixups: a page fault there that demand paging
 * cannot resolve resumes at the entry's target, which returns -EFAULT
 * (uspace_kernel_fault). With SMAP, user pages are reachable only
 * between STAC and CLAC. */
#include <flint/errno.h>

.macro user_access_on
	cmpb	$0, uspace_smap(%rip)
	je	1f
	stac
1:
.endm

.macro user_access_off
	cmpb	$0, uspace_smap(%rip)
	je	1f
	clac
1:
.endm

.macro fixup insn, target
	.pushsection .rodata
	.quad	\insn, \target
	.popsection
.endm

	.section .rodata
	.p2align 3
	.globl usercopy_fixups
usercopy_fixups:
	.text

/* int __copy_user(void *dst, const void *src, size_t n): 32 bytes an
 * iteration, then the tail a byte at a time. Under TCG each iteration
 * (of a loop or of a rep prefix) ends a translated block: rep movsb
 * cost a block per byte. A fault part way leaves a partial copy, as
 * rep movsb did. */
	.globl __copy_user
__copy_user:
	user_access_on
	movq	%rdx, %rcx
	shrq	$5, %rcx
	jz	2f
1:
copy_load0:	movq	0(%rsi), %r8
copy_load1:	movq	8(%rsi), %r9
copy_load2:	movq	16(%rsi), %r10
copy_load3:	movq	24(%rsi), %r11
copy_store0:	movq	%r8, 0(%rdi)
copy_store1:	movq	%r9, 8(%rdi)
copy_store2:	movq	%r10, 16(%rdi)
copy_store3:	movq	%r11, 24(%rdi)
	addq	$32, %rsi
	addq	$32, %rdi
	decq	%rcx
	jnz	1b
2:	movq	%rdx, %rcx
	andq	$31, %rcx
copy_tail:
	rep movsb
	user_access_off
	xorl	%eax, %eax
	ret
	fixup copy_load0, efault
	fixup copy_load1, efault
	fixup copy_load2, efault
	fixup copy_load3, efault
	fixup copy_store0, efault
	fixup copy_store1, efault
	fixup copy_store2, efault
	fixup copy_store3, efault
	fixup copy_tail, efault

/* int __clear_user(void *dst, size_t n) */
	.globl __clear_user
__clear_user:
	user_access_on
	movq	%rsi, %rcx
	xorl	%eax, %eax
clear_insn:
	rep stosb
	user_access_off
	ret
	fixup clear_insn, efault

/* long __strncpy_user(char *dst, const char *src, size_t size): the
 * string's length, or size when there is no NUL in size bytes. */
	.globl __strncpy_user
__strncpy_user:
	user_access_on
	xorl	%eax, %eax
2:	cmpq	%rdx, %rax
	je	3f
strncpy_insn:
	movb	(%rsi,%rax), %cl
	movb	%cl, (%rdi,%rax)
	testb	%cl, %cl
	jz	3f
	incq	%rax
	jmp	2b
3:	user_access_off
	ret
	fixup strncpy_insn, efault

/* int __cmpxchg_user32(uint32_t *uaddr, uint32_t expected, uint32_t desired,
 * uint32_t *cur) */
	.globl __cmpxchg_user32
__cmpxchg_user32:
	user_access_on
	movl	%esi, %eax
cmpxchg_insn:
	lock cmpxchgl %edx, (%rdi)
	user_access_off
	movl	%eax, (%rcx)
	xorl	%eax, %eax
	ret
	fixup cmpxchg_insn, efault

/* int __load_user32(const uint32_t *uaddr, uint32_t *val) */
	.globl __load_user32
__load_user32:
	user_access_on
load_insn:
	movl	(%rdi), %eax
	user_access_off
	movl	%eax, (%rsi)
	xorl	%eax, %eax
	ret
	fixup load_insn, efault

efault:
	user_access_off
	movq	$-EFAULT, %rax
	ret

	.section .rodata
	.globl usercopy_fixups_end
usercopy_fixups_end:
