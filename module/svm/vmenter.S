/* SPDX-License-Identifier: GPL-2.0 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/nospec-branch.h>

/* Byte offsets of the GPRs in the regs array (enum kvmx_reg order). */
/* kvmx_gpr order: RAX RCX RDX RBX RSP RBP RSI RDI R8..R15 */
#define REG_RCX	(1 * 8)
#define REG_RDX	(2 * 8)
#define REG_RBX	(3 * 8)
#define REG_RBP	(5 * 8)
#define REG_RSI	(6 * 8)
#define REG_RDI	(7 * 8)
#define REG_R8	(8 * 8)
#define REG_R9	(9 * 8)
#define REG_R10	(10 * 8)
#define REG_R11	(11 * 8)
#define REG_R12	(12 * 8)
#define REG_R13	(13 * 8)
#define REG_R14	(14 * 8)
#define REG_R15	(15 * 8)

	.section .noinstr.text, "ax"

/**
 * kvmx_svm_vmrun - run the guest until the next #VMEXIT
 * @vmcb_pa:      (%rdi) physical address of the guest VMCB
 * @regs:         (%rsi) GPR array; RAX and RSP live in the VMCB instead
 * @host_save_pa: (%rdx) this CPU's page for the host's VMSAVE state
 * @shadow:       (%rcx) the guest is in an interrupt shadow (VMCB
 *                int_state): see the STI below
 *
 * Called with interrupts disabled and GIF clear; returns the same way.
 * VMRUN itself saves and
 * restores the host's RSP, RAX, RIP, RFLAGS and control state; the state
 * VMLOAD/VMSAVE cover (FS, GS, TR, LDTR, KernelGSbase, STAR family,
 * SYSENTER MSRs) is swapped here, and every other GPR is loaded from and
 * stored to @regs.  Guest values are cleared from the GPRs before return,
 * and the return stack buffer is refilled so the guest cannot steer the
 * host's returns.
 */
SYM_FUNC_START(kvmx_svm_vmrun)
	push	%rbp
	mov	%rsp, %rbp
	push	%r15
	push	%r14
	push	%r13
	push	%r12
	push	%rbx
	push	%rcx		/* 24(%rsp): shadow */
	push	%rdx		/* 16(%rsp): host save area */
	push	%rsi		/*  8(%rsp): regs */
	push	%rdi		/*  0(%rsp): VMCB */

	/* Keep the host's VMLOAD-covered state. */
	mov	%rdx, %rax
	vmsave	%rax

	mov	%rsi, %rax
	mov	REG_RCX(%rax), %rcx
	mov	REG_RDX(%rax), %rdx
	mov	REG_RBX(%rax), %rbx
	mov	REG_RBP(%rax), %rbp
	mov	REG_RSI(%rax), %rsi
	mov	REG_RDI(%rax), %rdi
	mov	REG_R8(%rax), %r8
	mov	REG_R9(%rax), %r9
	mov	REG_R10(%rax), %r10
	mov	REG_R11(%rax), %r11
	mov	REG_R12(%rax), %r12
	mov	REG_R13(%rax), %r13
	mov	REG_R14(%rax), %r14
	mov	REG_R15(%rax), %r15

	mov	(%rsp), %rax
	vmload	%rax
	/*
	 * GIF is clear, so STI lets no interrupt in here; it makes the host
	 * IF that VMRUN saves 1, so physical interrupts arriving in the guest
	 * cause #VMEXIT(INTR) instead of waiting for the guest to exit.
	 *
	 * Whether VMRUN sits in the STI's interrupt shadow matters to QEMU's
	 * TCG only (hardware keeps host and guest shadows apart): TCG carries
	 * that shadow into the guest and ignores the VMCB's int_state.  So
	 * VMRUN goes in the shadow exactly when the guest is in one, which
	 * gives the guest its own shadow back after an exit inside it (an
	 * interrupt exit between "sti" and "hlt" otherwise let the pending
	 * interrupt in before the HLT, which then slept), and out of it
	 * otherwise (a guest "sti" as the first instruction then set no
	 * shadow of its own).  An STI before the VMLOAD wedged the QEMU
	 * machine in the 6.1 xapic_state_test.
	 */
	cmpq	$0, 24(%rsp)
	jne	1f
	sti
	nop
	vmrun	%rax
	jmp	2f
1:	sti
	vmrun	%rax
2:	cli
	vmsave	%rax

	/* #VMEXIT: RAX and RSP are the host's again. */
	mov	8(%rsp), %rax
	mov	%rcx, REG_RCX(%rax)
	mov	%rdx, REG_RDX(%rax)
	mov	%rbx, REG_RBX(%rax)
	mov	%rbp, REG_RBP(%rax)
	mov	%rsi, REG_RSI(%rax)
	mov	%rdi, REG_RDI(%rax)
	mov	%r8, REG_R8(%rax)
	mov	%r9, REG_R9(%rax)
	mov	%r10, REG_R10(%rax)
	mov	%r11, REG_R11(%rax)
	mov	%r12, REG_R12(%rax)
	mov	%r13, REG_R13(%rax)
	mov	%r14, REG_R14(%rax)
	mov	%r15, REG_R15(%rax)

	mov	16(%rsp), %rax
	vmload	%rax

	/* Overwrite the RSB before any RET can consume a guest entry. */
	FILL_RETURN_BUFFER %rax, RSB_CLEAR_LOOPS, X86_FEATURE_RSB_VMEXIT

	/* Do not leave guest values in registers the C code may spill. */
	xor	%ecx, %ecx
	xor	%edx, %edx
	xor	%esi, %esi
	xor	%edi, %edi
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	xor	%r10d, %r10d
	xor	%r11d, %r11d

	add	$32, %rsp
	pop	%rbx
	pop	%r12
	pop	%r13
	pop	%r14
	pop	%r15
	pop	%rbp
	RET
SYM_FUNC_END(kvmx_svm_vmrun)
