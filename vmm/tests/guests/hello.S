/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tiny real-mode guest: prints "hello" on COM1 (polling LSR), then resets
 * through the i8042 (command 0xfe on port 0x64).  kvmx starts it with CS =
 * DS = load address >> 4 and IP = 0, so labels are offsets from _start.
 */
	.code16
	.text
	.globl _start
_start:
	mov	$msg, %si
1:	lodsb
	test	%al, %al
	jz	2f
	mov	$0x3f8, %dx
	out	%al, %dx
	jmp	1b
2:	mov	$0xfe, %al
	out	%al, $0x64
	/* Not reached: kvmx ends the run at the reset. */
	cli
	hlt
msg:	.asciz	"hello\n"
