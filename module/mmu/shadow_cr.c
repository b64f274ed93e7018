// SPDX-License-Identifier: GPL-2.0
/*
 * Control-register writes checked as kvm checks them, and the emulation of
 * the instructions that access CR0, CR3 and CR4.
 *
 * With shadow paging the hardware runs with its own CR0, CR3 and CR4
 * (kvmx_mmu_load_root()), so the backend intercepts every guest read and
 * write of them (and CLTS, LMSW, SMSW, which read or write CR0) and this
 * file emulates the instruction: decoded at RIP, since SVM without decode
 * assists does not say which register or operand was used.  SVM with NPT
 * intercepts the writes of CR0 and CR4 only, so that a value the guest's
 * CPUID does not allow is refused with #GP rather than reaching the VMCB.
 */
#include <asm/traps.h>

#include "kvmx_shadow.h"
#include "kvmx_x86.h"

/* Bits whose change makes the guest's cached translations stale. */
#define CR0_TLB_BITS	(X86_CR0_PG | X86_CR0_WP)
#define CR4_TLB_BITS	(X86_CR4_PGE | X86_CR4_PAE | X86_CR4_PSE | \
			 X86_CR4_PCIDE | X86_CR4_SMEP | X86_CR4_SMAP | \
			 X86_CR4_PKE | X86_CR4_LA57)

/* MOV to CR0 ignores the bits the architecture reserves in CR0[31:0]. */
#define CR0_DEFINED	(X86_CR0_PE | X86_CR0_MP | X86_CR0_EM | X86_CR0_TS | \
			 X86_CR0_ET | X86_CR0_NE | X86_CR0_WP | X86_CR0_AM | \
			 X86_CR0_NW | X86_CR0_CD | X86_CR0_PG)

static bool in_long64(struct kvmx_x86_vcpu *xv);

/*
 * MOV to CR4 from @old to @val (Intel SDM "MOV—Move to/from Control
 * Registers", kvm's kvm_set_cr4()): 0, or 1 for #GP(0).  No bit the
 * guest's CPUID lacks; in IA-32e mode PAE stays set and LA57 cannot
 * change; PCIDE turns on only in IA-32e mode with PCID 0 in CR3.
 */
int kvmx_check_cr4(struct kvmx_x86_vcpu *xv, u64 old, u64 val)
{
	if (!kvmx_vcpu_cr4_valid(xv, val))
		return 1;
	if ((xv->efer & EFER_LMA) &&
	    (!(val & X86_CR4_PAE) || ((val ^ old) & X86_CR4_LA57)))
		return 1;
	if ((val & X86_CR4_PCIDE) && !(old & X86_CR4_PCIDE) &&
	    (!(xv->efer & EFER_LMA) || (kvmx_x86->get_cr(xv, 3) & 0xfff)))
		return 1;
	return 0;
}

/* MOV to CR0 from @cr0 to @val, as kvm_set_cr0(): 0, or 1 for #GP(0). */
static int check_cr0(struct kvmx_x86_vcpu *xv, u64 cr0, u64 val, u64 cr4)
{
	struct kvm_segment cs;

	if ((val >> 32) ||
	    ((val & X86_CR0_NW) && !(val & X86_CR0_CD)) ||
	    ((val & X86_CR0_PG) && !(val & X86_CR0_PE)))
		return 1;
	if ((val & X86_CR0_PG) && !(cr0 & X86_CR0_PG) &&
	    (xv->efer & EFER_LME)) {
		/* Long mode activates (APM "Enabling and Activating Long Mode"). */
		kvmx_x86->get_segment(xv, &cs, KVMX_SREG_CS);
		if (!(cr4 & X86_CR4_PAE) || cs.l)
			return 1;
	}
	/* Paging stays on in 64-bit code and while PCIDE is set. */
	if (!(val & X86_CR0_PG) &&
	    (in_long64(xv) || (cr4 & X86_CR4_PCIDE)))
		return 1;
	return 0;
}

/* A guest CR write with the architectural checks: 0, or 1 for #GP(0). */
int kvmx_write_cr(struct kvmx_x86_vcpu *xv, int cr, u64 val)
{
	u64 cr0 = kvmx_x86->get_cr(xv, 0), cr4 = kvmx_x86->get_cr(xv, 4);
	bool stale = false;

	switch (cr) {
	case 0:
		val = (val & ~(u64)U32_MAX) | ((val | X86_CR0_ET) & CR0_DEFINED);
		if (check_cr0(xv, cr0, val, cr4))
			return 1;
		if ((val & X86_CR0_PG) && !(cr0 & X86_CR0_PG) &&
		    (xv->efer & EFER_LME)) {
			xv->efer |= EFER_LMA;
			kvmx_x86->set_efer(xv, xv->efer);
		} else if (!(val & X86_CR0_PG) && (cr0 & X86_CR0_PG) &&
			   (xv->efer & EFER_LMA)) {
			xv->efer &= ~(u64)EFER_LMA;
			kvmx_x86->set_efer(xv, xv->efer);
		}
		kvmx_x86->set_cr(xv, 0, val);
		stale = (val ^ cr0) & CR0_TLB_BITS;
		break;
	case 3:
		/* The PCID no-flush bit is not stored (kvmx offers no PCID). */
		if ((cr4 & X86_CR4_PCIDE) && (xv->efer & EFER_LMA))
			val &= ~BIT_ULL(63);
		if ((xv->efer & EFER_LMA) &&
		    (val >> boot_cpu_data.x86_phys_bits))
			return 1;
		if (xv->shadow) {
			kvmx_shadow_guest_cr3(xv, val);
		} else {
			kvmx_x86->set_cr(xv, 3, val);
			stale = true;
		}
		break;
	case 4:
		if (kvmx_check_cr4(xv, cr4, val))
			return 1;
		kvmx_x86->set_cr(xv, 4, val);
		stale = (val ^ cr4) & CR4_TLB_BITS;
		break;
	default:
		kvmx_x86->set_cr(xv, cr, val);
		break;
	}
	/*
	 * The CPU would have flushed what the write makes stale; shadow
	 * paging drops its own tables (kvmx_shadow_set_cr()), TDP asks for
	 * a flush of the guest's TLB tag.
	 */
	if (stale && !xv->shadow)
		kvmx_make_request(KVMX_REQ_TLB_FLUSH_GUEST, xv->vcpu);
	return 0;
}

static bool in_long64(struct kvmx_x86_vcpu *xv)
{
	struct kvm_segment cs;

	kvmx_x86->get_segment(xv, &cs, KVMX_SREG_CS);
	return (xv->efer & EFER_LMA) && cs.l;
}

/* The REX bits of a ModRM/SIB register number. */
#define REX_B	0x1
#define REX_X	0x2

/*
 * The linear address of @insn's memory operand (ModRM mod != 3), in every
 * addressing mode: true with *@la set, false for a register operand.
 */
bool kvmx_insn_linear_address(struct kvmx_x86_vcpu *xv,
			      const struct kvmx_insn *insn, u64 *la)
{
	/* 16-bit ModRM rm: base and index registers (SDM Table 2-1). */
	static const s8 base16[8] = { KVMX_RBX, KVMX_RBX, KVMX_RBP, KVMX_RBP,
				      -1, -1, KVMX_RBP, KVMX_RBX };
	static const s8 index16[8] = { KVMX_RSI, KVMX_RDI, KVMX_RSI, KVMX_RDI,
				       KVMX_RSI, KVMX_RDI, -1, -1 };
	bool long64 = in_long64(xv);
	enum kvmx_sreg seg = KVMX_SREG_DS;
	u8 mod = insn->modrm >> 6, rm = insn->modrm & 7, base;
	u64 seg_base;
	u64 ea;

	if (!insn->has_modrm || mod == 3)
		return false;
	ea = (u64)insn->disp;
	if (insn->addr_bytes == 2) {
		if (mod == 0 && rm == 6) {
			ea = (u16)insn->disp;
		} else {
			if (base16[rm] >= 0)
				ea += xv->regs[base16[rm]];
			if (index16[rm] >= 0)
				ea += xv->regs[index16[rm]];
			if (base16[rm] == KVMX_RBP)
				seg = KVMX_SREG_SS;
		}
		ea = (u16)ea;
	} else if (insn->rip_relative) {
		ea += xv->rip + insn->len;
	} else if (rm == 4) {
		u8 index = ((insn->sib >> 3) & 7) | ((insn->rex & REX_X) ? 8 : 0);

		base = insn->sib & 7;
		if (index != 4)
			ea += xv->regs[index] << (insn->sib >> 6);
		if (!(base == 5 && mod == 0)) {
			ea += xv->regs[base | ((insn->rex & REX_B) ? 8 : 0)];
			if (base == 4 || base == 5)
				seg = KVMX_SREG_SS;
		}
	} else if (!(rm == 5 && mod == 0)) {
		ea += xv->regs[rm | ((insn->rex & REX_B) ? 8 : 0)];
		if (rm == 5)
			seg = KVMX_SREG_SS;
	}
	if (insn->addr_bytes == 4)
		ea = (u32)ea;
	/* enum kvmx_seg and enum kvmx_sreg agree on ES..GS. */
	if (insn->seg_override >= 0)
		seg = (enum kvmx_sreg)insn->seg_override;
	if (long64 && seg != KVMX_SREG_FS && seg != KVMX_SREG_GS) {
		*la = ea;
		return true;
	}
	seg_base = kvmx_x86->get_segment_base(xv, seg);
	*la = long64 ? ea + seg_base : (u32)(ea + seg_base);
	return true;
}

/*
 * The linear address INVLPG at RIP names: true with *@la set, false when
 * it is not worked out here (a decoding failure): the caller then flushes
 * everything.
 */
bool kvmx_shadow_invlpg_address(struct kvmx_x86_vcpu *xv, u64 *la)
{
	struct kvmx_insn insn;

	if (kvmx_decode_at_rip(xv, &insn) || insn.map != 1 ||
	    insn.opcode != 0x01 || ((insn.modrm >> 3) & 7) != 7)
		return false;
	return kvmx_insn_linear_address(xv, &insn, la);
}

/* Emulate MOV to/from CRn, CLTS, LMSW and SMSW at RIP (exit contract). */
int kvmx_cr_access(struct kvmx_x86_vcpu *xv)
{
	bool long64 = in_long64(xv);
	struct kvmx_insn insn;
	u64 val, cr0 = kvmx_x86->get_cr(xv, 0);
	int cr, gpr, reg;

	if (kvmx_decode_at_rip(xv, &insn) || insn.map != 1)
		return kvmx_internal_error(xv, KVM_INTERNAL_ERROR_EMULATION);
	if (kvmx_x86->get_cpl(xv) > 0 && (cr0 & X86_CR0_PE) &&
	    !(insn.opcode == 0x01 && ((insn.modrm >> 3) & 7) == 4)) {
		kvmx_queue_exception(xv, X86_TRAP_GP, true, 0);
		return 1;
	}
	reg = (insn.modrm >> 3) & 7;
	gpr = (insn.modrm & 7) | ((insn.rex & 1) ? 8 : 0);

	switch (insn.opcode) {
	case 0x20:	/* MOV r, CRn */
	case 0x22:	/* MOV CRn, r */
		cr = reg | ((insn.rex & 4) ? 8 : 0);
		/* AMD: LOCK MOV CR0 is CR8 ("AltMovCr8"). */
		if (insn.lock && cr == 0)
			cr = 8;
		if (cr != 0 && cr != 2 && cr != 3 && cr != 4 && cr != 8) {
			kvmx_queue_exception(xv, X86_TRAP_UD, false, 0);
			return 1;
		}
		if (insn.opcode == 0x20) {
			val = kvmx_x86->get_cr(xv, cr);
			xv->regs[gpr] = long64 ? val : (u32)val;
			break;
		}
		val = long64 ? xv->regs[gpr] : (u32)xv->regs[gpr];
		if (kvmx_write_cr(xv, cr, val)) {
			kvmx_queue_exception(xv, X86_TRAP_GP, true, 0);
			return 1;
		}
		break;
	case 0x06:	/* CLTS */
		kvmx_x86->set_cr(xv, 0, cr0 & ~(u64)X86_CR0_TS);
		break;
	case 0x01:
		/* Register forms only; memory forms are left to the TODO. */
		if ((insn.modrm >> 6) != 3)
			return kvmx_internal_error(xv,
						   KVM_INTERNAL_ERROR_EMULATION);
		if (reg == 4) {		/* SMSW r */
			if (insn.op_bytes == 2)
				xv->regs[gpr] = (xv->regs[gpr] & ~0xffffULL) |
						(cr0 & 0xffff);
			else
				xv->regs[gpr] = insn.op_bytes == 8 ? cr0 : (u32)cr0;
			break;
		}
		if (reg == 6) {		/* LMSW r16 */
			val = kvmx_lmsw_cr0(cr0, xv->regs[gpr]);
			if (kvmx_write_cr(xv, 0, val)) {
				kvmx_queue_exception(xv, X86_TRAP_GP, true, 0);
				return 1;
			}
			break;
		}
		return kvmx_internal_error(xv, KVM_INTERNAL_ERROR_EMULATION);
	default:
		return kvmx_internal_error(xv, KVM_INTERNAL_ERROR_EMULATION);
	}
	return kvmx_skip_insn(xv);
}
