// SPDX-License-Identifier: GPL-2.0
/*
 * Real mode on VMX without unrestricted guest, that is under shadow paging
 * (unrestricted guest requires EPT).  VM entry refuses CR0.PE = 0 then, so
 * a real-mode guest runs in virtual-8086 mode at IOPL 3 with CR4.VME, its
 * page tables the shadow identity map of mmu/shadow.c:
 *
 *  - vmx.c writes the segments as virtual-8086 mode wants them (base =
 *    selector * 16) and reads back only what a real-mode segment load
 *    changes (selector, base); RFLAGS gets VM and IOPL 3 on entry and the
 *    guest's IOPL back after the exit.
 *  - INT n goes through the guest's IVT in hardware (VME, an all-zero
 *    redirection bitmap); port I/O exits as usual (an all-zero I/O
 *    bitmap); CLI, STI, PUSHF, POPF and IRET run natively at IOPL 3.
 *  - Every exception exits.  What faults only because virtual-8086 mode
 *    runs at CPL 3 (HLT, MOV CR, LGDT, LIDT, LMSW, CLTS, RDMSR, WRMSR,
 *    INVD, WBINVD, INVLPG) is emulated here; anything else is delivered
 *    through the IVT in software, as are injected interrupts, NMIs and
 *    queued exceptions (vmx_rmode_deliver()).
 *  - The TSS lives in pages of kvmx's own, mapped by the shadow tables
 *    read-only at the KVM_SET_TSS_ADDR address (vmx_private_page()): out
 *    of reach of virtual-8086 code, which addresses 1 MiB + 64 KiB.
 *
 * What real mode does that virtual-8086 mode cannot show: segment limits
 * other than 64 KiB ("unreal mode") and bases that are not selector * 16,
 * but for a far JMP that reloads CS, which rmode_far_jmp() runs from the
 * real base (RESET and the return from protected mode are followed by
 * one); PUSHF shows IOPL 3; SGDT and SIDT store kvmx's tables.
 */
#define pr_fmt(fmt) "kvmx: " fmt

#include <linux/gfp.h>
#include <linux/mm.h>
#include <asm/traps.h>

#include "vmx.h"

/* The TSS's pages come as one allocation of this order. */
#define RMODE_TSS_ORDER		get_order(VMX_RMODE_TSS_PAGES * PAGE_SIZE)

/* Where the TSS goes when userspace never called KVM_SET_TSS_ADDR. */
#define RMODE_TSS_DEFAULT	0xfeffd000ULL

u64 vmx_rmode_tss_base(const struct kvmx_vmx_vcpu *vmx)
{
	u64 addr = to_x86_vm(vmx->x86.vcpu->vm)->tss_addr;

	return addr ? addr : RMODE_TSS_DEFAULT;
}

/*
 * A CS base virtual-8086 mode cannot hold (RESET's 0xffff0000, or what
 * protected mode left) lasts until the guest loads CS, in practice with
 * the far JMP that follows: run that one here, from the real base.
 */
static void rmode_far_jmp(struct kvmx_vmx_vcpu *vmx)
{
	struct kvmx_x86_vcpu *xv = &vmx->x86;
	struct vmx_seg *cs = &vmx->guest.seg[KVMX_SREG_CS];
	struct kvmx_insn insn;

	if (cs->base == (u64)cs->selector << 4)
		return;
	if (kvmx_decode_at_rip(xv, &insn) || insn.map != 0 ||
	    insn.opcode != 0xea) {
		pr_warn_once("real-mode CS base 0x%llx is not selector * 16: running at 0x%llx\n",
			     cs->base, (u64)cs->selector << 4);
		return;
	}
	cs->selector = insn.imm2;
	cs->base = (u64)cs->selector << 4;
	xv->rip = insn.op_bytes == 2 ? (u16)insn.imm : (u32)insn.imm;
	vmx->guest.dirty = true;
}

/* Before an entry in real mode (may sleep): CS and the TSS. */
int vmx_rmode_prepare(struct kvmx_vmx_vcpu *vmx)
{
	struct page *pages;
	u8 *tss;

	if (!vmx_rmode(vmx))
		return 0;
	rmode_far_jmp(vmx);
	if (vmx->rmode_tss)
		return 0;
	if (!to_x86_vm(vmx->x86.vcpu->vm)->tss_addr)
		pr_warn_once("real mode without KVM_SET_TSS_ADDR: TSS at 0x%llx\n",
			     RMODE_TSS_DEFAULT);
	pages = alloc_pages(GFP_KERNEL_ACCOUNT | __GFP_ZERO, RMODE_TSS_ORDER);
	if (!pages)
		return -ENOMEM;
	/* Bitmaps all zero: every INT n redirected, every port allowed. */
	tss = page_address(pages);
	*(u16 *)(tss + 102) = VMX_RMODE_TSS_IOMAP;	/* I/O map base */
	tss[VMX_RMODE_TSS_LIMIT] = 0xff;
	vmx->rmode_tss = pages;
	return 0;
}

void vmx_rmode_free(struct kvmx_vmx_vcpu *vmx)
{
	if (vmx->rmode_tss)
		__free_pages(vmx->rmode_tss, RMODE_TSS_ORDER);
	vmx->rmode_tss = NULL;
}

/* The kvmx_x86_ops.private_page of VMX: the TSS, while in real mode. */
struct page *vmx_private_page(struct kvmx_x86_vcpu *xv, u64 gfn)
{
	struct kvmx_vmx_vcpu *vmx = to_vmx(xv);
	u64 first = vmx_rmode_tss_base(vmx) >> PAGE_SHIFT;

	if (!vmx_rmode(vmx) || !vmx->rmode_tss ||
	    gfn < first || gfn >= first + VMX_RMODE_TSS_PAGES)
		return NULL;
	return nth_page(vmx->rmode_tss, gfn - first);
}

static void write16(struct kvmx_vmx_vcpu *vmx, u64 gpa, u16 val)
{
	/* Memory that is not there drops the write, as on a real bus. */
	kvmx_write_guest(vmx->x86.vcpu->vm, gpa, &val, 2);
}

/*
 * Deliver @vector as real mode does (SDM "Interrupt and Exception Handling
 * in Real-Address Mode"): push FLAGS, CS and @ip on SS:SP, clear IF, TF
 * and AC, and continue at the IVT entry.  An entry past the IDTR limit
 * would raise #GP, then #DF: the vCPU shuts down.  So does an IVT entry
 * outside guest RAM, which kvm-intel cannot read for its real-mode
 * delivery either (it shuts the vCPU down the same way); the vCPU state
 * is then left as it was.
 */
void vmx_rmode_deliver(struct kvmx_vmx_vcpu *vmx, u8 vector, u64 ip)
{
	struct kvmx_x86_vcpu *xv = &vmx->x86;
	struct vmx_guest *g = &vmx->guest;
	struct vmx_seg *cs = &g->seg[KVMX_SREG_CS];
	u64 ss = g->seg[KVMX_SREG_SS].base;
	u16 sp = xv->regs[KVMX_RSP];
	u32 ivt;

	if ((u32)vector * 4 + 3 > g->idtr.limit ||
	    kvmx_read_guest(xv->vcpu->vm, (u32)(g->idtr.base + vector * 4),
			    &ivt, 4)) {
		xv->triple_fault = true;
		return;
	}
	sp -= 2;
	write16(vmx, ss + sp, g->rflags);
	sp -= 2;
	write16(vmx, ss + sp, cs->selector);
	sp -= 2;
	write16(vmx, ss + sp, ip);
	xv->regs[KVMX_RSP] = (xv->regs[KVMX_RSP] & ~0xffffULL) | sp;
	g->rflags &= ~(u64)(X86_EFLAGS_IF | X86_EFLAGS_TF | X86_EFLAGS_AC |
			    X86_EFLAGS_RF);
	cs->selector = ivt >> 16;
	cs->base = (u64)cs->selector << 4;
	xv->rip = ivt & 0xffff;
	g->intr_state &= ~(u32)(VMX_INTR_BLOCK_STI | VMX_INTR_BLOCK_MOV_SS);
	g->dirty = true;
}

/*
 * CR0.PE was set: the segments keep their real-mode contents, which VM
 * entry accepts in protected mode once their DPLs follow the selectors'
 * RPLs (SDM "Checks on Guest Segment Registers"), with CS and SS at RPL 0.
 */
void vmx_rmode_enter_pmode(struct kvmx_vmx_vcpu *vmx)
{
	struct vmx_guest *g = &vmx->guest;
	int i;

	for (i = KVMX_SREG_ES; i <= KVMX_SREG_GS; i++) {
		struct vmx_seg *s = &g->seg[i];
		u32 keep = s->ar & 0xd000;	/* G, D/B, AVL; not L */

		if (i == KVMX_SREG_CS || i == KVMX_SREG_SS)
			s->selector &= ~3;
		if (i == KVMX_SREG_CS)
			s->ar = keep | 0x9b;		/* code, read, accessed */
		else
			s->ar = keep | 0x93 | (s->selector & 3) << 5;
	}
	g->dirty = true;
}

/*
 * The emulation helpers below return true with the exit-handler result
 * (KVMX_EXIT_* or -errno) in *@r, or false for a #GP that the guest's IVT
 * takes as a real one.
 */

/*
 * An instruction here needs bytes (its own, or its memory operand) that
 * are not in guest RAM.  The CPU would read them from the device; kvm's
 * emulator would exit to userspace for them.  This small emulator cannot,
 * so it stops with an emulation failure: the guest never runs on with
 * data that was not read.  TODO: MMIO operands of LGDT, LIDT and LMSW.
 */
static bool rmode_read_failed(struct kvmx_vmx_vcpu *vmx, int *r)
{
	*r = kvmx_internal_error(&vmx->x86, KVM_INTERNAL_ERROR_EMULATION);
	return true;
}

/* LGDT or LIDT m16&32 (the base has 24 bits with a 16-bit operand). */
static bool load_dtable(struct kvmx_vmx_vcpu *vmx, const struct kvmx_insn *insn,
			bool idt, int *r)
{
	struct kvmx_x86_vcpu *xv = &vmx->x86;
	struct kvm_dtable dt = {};
	u8 buf[6];
	u64 la;

	if (!kvmx_insn_linear_address(xv, insn, &la))
		return false;
	/* Paging is off: linear addresses are guest-physical. */
	if (kvmx_read_guest(xv->vcpu->vm, la, buf, sizeof(buf)))
		return rmode_read_failed(vmx, r);
	dt.limit = buf[0] | buf[1] << 8;
	dt.base = buf[2] | buf[3] << 8 | buf[4] << 16;
	if (insn->op_bytes != 2)
		dt.base |= (u32)buf[5] << 24;
	kvmx_vmx_ops.set_dtable(xv, &dt, idt);
	*r = kvmx_skip_insn(xv);
	return true;
}

/* LMSW m16. */
static bool lmsw_mem(struct kvmx_vmx_vcpu *vmx, const struct kvmx_insn *insn,
		     int *r)
{
	struct kvmx_x86_vcpu *xv = &vmx->x86;
	u64 cr0 = kvmx_shadow_get_cr(xv, 0), la;
	u16 val;

	if (!kvmx_insn_linear_address(xv, insn, &la))
		return false;
	if (kvmx_read_guest(xv->vcpu->vm, la, &val, 2))
		return rmode_read_failed(vmx, r);
	if (kvmx_write_cr(xv, 0, kvmx_lmsw_cr0(cr0, val))) {
		kvmx_queue_exception(xv, X86_TRAP_GP, true, 0);
		*r = KVMX_EXIT_RESUME;
		return true;
	}
	*r = kvmx_skip_insn(xv);
	return true;
}

/* 0F 01 with a register operand (SMSW) or a memory one. */
static bool emulate_0f01(struct kvmx_vmx_vcpu *vmx,
			 const struct kvmx_insn *insn, int *r)
{
	struct kvmx_x86_vcpu *xv = &vmx->x86;
	u8 reg = (insn->modrm >> 3) & 7;

	if ((insn->modrm >> 6) == 3) {
		if (reg != 6)
			return false;
		*r = kvmx_cr_access(xv);
		return true;
	}
	switch (reg) {
	case 2:
		return load_dtable(vmx, insn, false, r);	/* LGDT */
	case 3:
		return load_dtable(vmx, insn, true, r);		/* LIDT */
	case 6:
		return lmsw_mem(vmx, insn, r);
	case 7:
		*r = kvmx_shadow_invlpg(xv);
		return true;
	}
	return false;
}

/*
 * The #GP at RIP came from an instruction real mode allows at CPL 0:
 * emulate it (see above for the return value).
 */
static bool rmode_emulate(struct kvmx_vmx_vcpu *vmx, int *r)
{
	struct kvmx_x86_vcpu *xv = &vmx->x86;
	struct kvmx_insn insn;
	int err;

	/* Bytes that could not be fetched: not a #GP the guest should see. */
	err = kvmx_decode_at_rip(xv, &insn);
	if (err == -ENODATA)
		return rmode_read_failed(vmx, r);
	if (err)
		return false;
	/* skip_insn steps over what the #GP exit did not measure. */
	vmx->exit.insn_len = insn.len;
	if (insn.map == 0) {
		if (insn.opcode != 0xf4)	/* HLT */
			return false;
		*r = kvmx_handle_hlt(xv);
		return true;
	}
	if (insn.map != 1)
		return false;
	switch (insn.opcode) {
	case 0x01:
		return emulate_0f01(vmx, &insn, r);
	case 0x06:	/* CLTS */
	case 0x20:	/* MOV r, CRn */
	case 0x22:	/* MOV CRn, r */
		*r = kvmx_cr_access(xv);
		return true;
	case 0x08:	/* INVD */
	case 0x09:	/* WBINVD */
		*r = kvmx_skip_insn(xv);
		return true;
	case 0x30:
		*r = kvmx_handle_wrmsr(xv);
		return true;
	case 0x32:
		*r = kvmx_handle_rdmsr(xv);
		return true;
	case 0x21:	/* MOV r, DRn */
	case 0x23:	/* MOV DRn, r */
		*r = kvmx_internal_error(xv, KVM_INTERNAL_ERROR_EMULATION);
		return true;
	}
	return false;
}

/* An exception exit in virtual-8086 mode (#DB and #PF are vmx.c's). */
int vmx_rmode_exception(struct kvmx_vmx_vcpu *vmx)
{
	struct kvmx_x86_vcpu *xv = &vmx->x86;
	u32 info = vmx->exit.intr_info;
	u8 vector = info & INTR_INFO_VECTOR_MASK;
	bool soft = (info & INTR_INFO_INTR_TYPE_MASK) == INTR_TYPE_SOFT_EXCEPTION;
	int r;

	switch (vector) {
	case X86_TRAP_BP:
		if (xv->guest_debug & KVM_GUESTDBG_USE_SW_BP)
			return kvmx_debug_exit(xv, X86_TRAP_BP, xv->dr6);
		break;
	case X86_TRAP_GP:
		if (rmode_emulate(vmx, &r)) {
			/* MOV CR0 or LMSW may have left real mode. */
			if (!vmx_rmode(vmx))
				vmx_rmode_enter_pmode(vmx);
			return r;
		}
		break;
	}
	/* INT3 and INTO return past themselves; faults to the instruction. */
	vmx_rmode_deliver(vmx, vector,
			  soft ? xv->rip + vmx->exit.insn_len : xv->rip);
	return KVMX_EXIT_RESUME;
}
