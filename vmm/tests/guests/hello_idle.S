/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tiny real-mode guest: prints "hello" on COM1, then idles in HLT with
 * interrupts enabled but none programmed.  Only the console escape or a
 * signal ends the run: the vCPU sleeps in the kernel (in-kernel irqchip)
 * or in kvmx (userspace irqchip) meanwhile.
 */
	.code16
	.text
	.globl _start
_start:
	mov	$msg, %si
	mov	$0x3f8, %dx
1:	lodsb
	test	%al, %al
	jz	2f
	out	%al, %dx
	jmp	1b
2:	sti
3:	hlt
	jmp	3b
msg:	.asciz	"hello\n"
