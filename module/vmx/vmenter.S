/* SPDX-License-Identifier: GPL-2.0 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/ibt.h>
#include <asm/nospec-branch.h>
#include <asm/unwind_hints.h>

/* Byte offsets of the GPRs in the regs array (enum kvmx_gpr order). */
/* kvmx_gpr order: RAX RCX RDX RBX RSP RBP RSI RDI R8..R15 */
#define REG_RAX	(0 * 8)
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

/* VMCS encoding of the host RSP field (Intel SDM, "Field Encoding in VMCS"). */
#define VMCS_HOST_RSP	0x6c14

	.section .noinstr.text, "ax"

/**
 * kvmx_vmx_vmenter - run the guest until the next VM exit
 * @regs:     (%rdi) GPR array; RSP lives in the VMCS instead
 * @cr2:      (%rsi) guest CR2, loaded before entry and stored after exit
 * @launched: (%edx) bit 0: VMRESUME (the VMCS was launched) or VMLAUNCH
 *
 * Called with interrupts disabled and the vCPU's VMCS current on this CPU,
 * whose HOST_RIP field points at kvmx_vmx_vmexit.  HOST_RSP is written
 * here, so the exit comes back on this very stack frame.  Returns 0 after
 * a VM exit (including a failed entry that exits with bit 31 of the exit
 * reason set), 1 if VMLAUNCH/VMRESUME itself failed (VMfailValid or
 * VMfailInvalid; see VM_INSTRUCTION_ERROR).  CPU buffers are cleared
 * (VERW) right before entry where the host mitigates MDS; after the exit
 * the return stack buffer is refilled and guest values are cleared from
 * the registers.
 */
SYM_FUNC_START(kvmx_vmx_vmenter)
	push	%rbp
	mov	%rsp, %rbp
	push	%r15
	push	%r14
	push	%r13
	push	%r12
	push	%rbx
	push	%rsi		/* 8(%rsp): &cr2 */
	push	%rdi		/* 0(%rsp): regs */
	mov	%edx, %ebx

	/* The VM exit resumes with this stack pointer. */
	mov	$VMCS_HOST_RSP, %eax
	vmwrite	%rsp, %rax
	jbe	.Lfail

	/* CR2 is not part of the VMCS: switch it by hand. */
	mov	(%rsi), %rax
	mov	%cr2, %rcx
	cmp	%rax, %rcx
	je	1f
	mov	%rax, %cr2
1:
	/* CF = launched; nothing below changes CF (VERW only writes ZF). */
	bt	$0, %ebx

	mov	%rdi, %rax
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
	mov	REG_RAX(%rax), %rax

	VM_CLEAR_CPU_BUFFERS

	jnc	.Llaunch
	/*
	 * A successful entry comes back at kvmx_vmx_vmexit (HOST_RIP), not
	 * after the instruction: tell objtool the stack state is the same.
	 */
	UNWIND_HINT_SAVE
	vmresume
	jmp	.Lfail
.Llaunch:
	vmlaunch
	jmp	.Lfail

SYM_INNER_LABEL(kvmx_vmx_vmexit, SYM_L_GLOBAL)
	UNWIND_HINT_RESTORE
	ENDBR
	/* Every GPR but RSP holds a guest value; RSP is ours again. */
	push	%rax
	mov	8(%rsp), %rax
	pop	REG_RAX(%rax)
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
	xor	%ebx, %ebx
	jmp	.Lout

.Lfail:
	mov	$1, %ebx
.Lout:
	mov	8(%rsp), %rsi
	mov	%cr2, %rax
	mov	%rax, (%rsi)

	/*
	 * Overwrite the RSB before any RET can consume a guest entry; with
	 * eIBRS one balanced CALL is enough (post-barrier RSB prediction).
	 */
	FILL_RETURN_BUFFER %rax, RSB_CLEAR_LOOPS, X86_FEATURE_RSB_VMEXIT, \
			   X86_FEATURE_RSB_VMEXIT_LITE

	/* Do not leave guest values in registers the C code may spill. */
	xor	%ecx, %ecx
	xor	%edx, %edx
	xor	%esi, %esi
	xor	%edi, %edi
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	xor	%r10d, %r10d
	xor	%r11d, %r11d

	mov	%ebx, %eax
	add	$16, %rsp
	pop	%rbx
	pop	%r12
	pop	%r13
	pop	%r14
	pop	%r15
	pop	%rbp
	RET
SYM_FUNC_END(kvmx_vmx_vmenter)
