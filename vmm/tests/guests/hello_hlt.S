/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tiny real-mode guest: prints "hello" on COM1, then halts with interrupts
 * disabled.  With the userspace irqchip (--irqchip=user) that HLT exits to
 * kvmx, which ends the run as powered off (status 0).
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
2:	cli
	hlt
	jmp	2b
msg:	.asciz	"hello\n"
