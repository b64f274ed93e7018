/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tiny real-mode guest for the interrupt path: programs the 8259 (vectors
 * 0x20..) and the PIT (channel 0, mode 2, ~1 kHz), halts until five timer
 * interrupts have run its handler, then prints "ticks" and resets through
 * the i8042.  The same binary runs on the in-kernel and userspace irqchips.
 */
	.code16
	.text
	.globl _start
_start:
	cli
	xor	%ax, %ax
	mov	%ax, %es
	movw	$tick, %es:(0x20 * 4)		/* IVT entry of vector 0x20 */
	mov	%cs, %ax
	mov	%ax, %es:(0x20 * 4 + 2)
	mov	$0x11, %al			/* ICW1: edge, cascade, ICW4 */
	out	%al, $0x20
	mov	$0x20, %al			/* ICW2: vector base */
	out	%al, $0x21
	mov	$0x04, %al			/* ICW3: slave on IRQ 2 */
	out	%al, $0x21
	mov	$0x01, %al			/* ICW4: 8086 mode */
	out	%al, $0x21
	mov	$0xfe, %al			/* only IRQ 0 */
	out	%al, $0x21
	mov	$0x34, %al			/* channel 0, lo/hi, mode 2 */
	out	%al, $0x43
	mov	$0xa9, %al			/* 1193 = 0x04a9: ~1 kHz */
	out	%al, $0x40
	mov	$0x04, %al
	out	%al, $0x40
	sti
1:	hlt
	cmpw	$5, %cs:count
	jb	1b
	cli
	mov	$msg, %si
	mov	$0x3f8, %dx
2:	lodsb	%cs:(%si)
	test	%al, %al
	jz	3f
	out	%al, %dx
	jmp	2b
3:	mov	$0xfe, %al
	out	%al, $0x64
	hlt

tick:
	incw	%cs:count
	push	%ax
	mov	$0x20, %al			/* non-specific EOI */
	out	%al, $0x20
	pop	%ax
	iret

count:	.word	0
msg:	.asciz	"ticks\n"
