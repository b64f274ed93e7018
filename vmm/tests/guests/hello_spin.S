/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tiny real-mode guest: prints "hello" on COM1, then spins forever with
 * interrupts disabled.  Only the console escape or a signal ends the run,
 * whatever the irqchip.
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
3:	jmp	3b
msg:	.asciz	"hello\n"
