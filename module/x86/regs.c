// SPDX-License-Identifier: GPL-2.0
/*
 * Architectural register state: the RESET state and the register ioctls
 * (REGS, SREGS, FPU, XSAVE, XCRS, MP_STATE).
 */
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/fpu/api.h>
#include <asm/processor-flags.h>
#include <asm/msr-index.h>

#include "kvmx_x86.h"

/* Segment state after RESET (Intel SDM, "Processor State After Reset"). */
static const struct kvm_segment reset_data_seg = {
	.limit = 0xffff, .type = 3, .s = 1, .present = 1,
};

static const struct kvm_segment reset_cs = {
	.base = 0xffff0000, .selector = 0xf000, .limit = 0xffff,
	.type = 0xb, .s = 1, .present = 1,
};

static const struct kvm_segment reset_tr = {
	.limit = 0xffff, .type = 0xb, .present = 1,
};

static const struct kvm_segment reset_ldtr = {
	.limit = 0xffff, .type = 2, .present = 1,
};

#define RESET_CR0	(X86_CR0_ET | X86_CR0_NW | X86_CR0_CD)
#define RESET_RIP	0xfff0
#define RESET_RFLAGS	X86_EFLAGS_FIXED
#define RESET_PAT	0x0007040600070406ULL
#define APIC_DEFAULT_BASE 0xfee00000ULL

void kvmx_vcpu_reset(struct kvmx_x86_vcpu *xv)
{
	const struct kvm_dtable dt = { .limit = 0xffff };
	int seg;

	memset(xv->regs, 0, sizeof(xv->regs));
	/* RDX holds the processor signature (family 6 by default). */
	xv->regs[KVMX_RDX] = 0x600;
	xv->rip = RESET_RIP;
	for (seg = 0; seg < KVMX_NR_SREGS; seg++) {
		const struct kvm_segment *s = &reset_data_seg;

		if (seg == KVMX_SREG_CS)
			s = &reset_cs;
		else if (seg == KVMX_SREG_TR)
			s = &reset_tr;
		else if (seg == KVMX_SREG_LDTR)
			s = &reset_ldtr;
		kvmx_x86->set_segment(xv, s, seg);
	}
	kvmx_x86->set_dtable(xv, &dt, false);
	kvmx_x86->set_dtable(xv, &dt, true);
	xv->efer = 0;
	kvmx_x86->set_efer(xv, 0);
	kvmx_x86->set_cr(xv, 0, RESET_CR0);
	kvmx_x86->set_cr(xv, 2, 0);
	kvmx_x86->set_cr(xv, 3, 0);
	kvmx_x86->set_cr(xv, 4, 0);
	kvmx_x86->set_rflags(xv, RESET_RFLAGS);
	xv->pat = RESET_PAT;
	memset(xv->db, 0, sizeof(xv->db));
	xv->dr7 = 0x400;
	xv->dr6 = 0xffff0ff0;
	xv->xcr0 = XFEATURE_MASK_FP;
	xv->apic_base = APIC_DEFAULT_BASE | MSR_IA32_APICBASE_ENABLE |
			(xv->vcpu->vcpu_id == 0 ? MSR_IA32_APICBASE_BSP : 0);
	xv->mp_state = KVM_MP_STATE_RUNNABLE;
	kvmx_pv_reset(xv);
}

/*
 * Rules for IA32_APIC_BASE ("Local APIC Status and Location" in the SDM):
 * no bits above MAXPHYADDR or in 0-7 and 9, x2APIC only if CPUID offers
 * it and only with the APIC enabled; a guest may not go from x2APIC back
 * to xAPIC, nor from disabled straight to x2APIC.
 */
bool kvmx_apic_base_valid(struct kvmx_x86_vcpu *xv, u64 data, bool host)
{
	const struct kvm_cpuid_entry2 *e = kvmx_find_cpuid(xv, 1, 0);
	u64 reserved = ~0ULL << boot_cpu_data.x86_phys_bits | 0x2ff;
	bool x2 = data & X2APIC_ENABLE, en = data & MSR_IA32_APICBASE_ENABLE;
	bool old_x2 = xv->apic_base & X2APIC_ENABLE;
	bool old_en = xv->apic_base & MSR_IA32_APICBASE_ENABLE;

	if (!e || !(e->ecx & BIT(21)))		/* CPUID.1:ECX.x2APIC */
		reserved |= X2APIC_ENABLE;
	if ((data & reserved) || (x2 && !en))
		return false;
	if (!host && ((old_en && old_x2 && en && !x2) || (!old_en && x2)))
		return false;
	return true;
}

void kvmx_get_regs(struct kvmx_x86_vcpu *xv, struct kvm_regs *out)
{
	struct kvm_regs r = {
		.rax = xv->regs[KVMX_RAX], .rbx = xv->regs[KVMX_RBX],
		.rcx = xv->regs[KVMX_RCX], .rdx = xv->regs[KVMX_RDX],
		.rsi = xv->regs[KVMX_RSI], .rdi = xv->regs[KVMX_RDI],
		.rsp = xv->regs[KVMX_RSP], .rbp = xv->regs[KVMX_RBP],
		.r8 = xv->regs[KVMX_R8],   .r9 = xv->regs[KVMX_R9],
		.r10 = xv->regs[KVMX_R10], .r11 = xv->regs[KVMX_R11],
		.r12 = xv->regs[KVMX_R12], .r13 = xv->regs[KVMX_R13],
		.r14 = xv->regs[KVMX_R14], .r15 = xv->regs[KVMX_R15],
		.rip = xv->rip, .rflags = kvmx_get_rflags_user(xv),
	};

	*out = r;
}

static long get_regs(struct kvmx_x86_vcpu *xv, struct kvm_regs __user *u)
{
	struct kvm_regs r;

	kvmx_get_regs(xv, &r);
	return copy_to_user(u, &r, sizeof(r)) ? -EFAULT : 0;
}

void kvmx_set_regs(struct kvmx_x86_vcpu *xv, const struct kvm_regs *rp)
{
	struct kvm_regs r = *rp;

	xv->regs[KVMX_RAX] = r.rax; xv->regs[KVMX_RBX] = r.rbx;
	xv->regs[KVMX_RCX] = r.rcx; xv->regs[KVMX_RDX] = r.rdx;
	xv->regs[KVMX_RSI] = r.rsi; xv->regs[KVMX_RDI] = r.rdi;
	xv->regs[KVMX_RSP] = r.rsp; xv->regs[KVMX_RBP] = r.rbp;
	xv->regs[KVMX_R8] = r.r8;   xv->regs[KVMX_R9] = r.r9;
	xv->regs[KVMX_R10] = r.r10; xv->regs[KVMX_R11] = r.r11;
	xv->regs[KVMX_R12] = r.r12; xv->regs[KVMX_R13] = r.r13;
	xv->regs[KVMX_R14] = r.r14; xv->regs[KVMX_R15] = r.r15;
	/* Moving RIP abandons a pending PIO/MMIO completion, as in kvm. */
	if (r.rip != xv->rip)
		xv->pending_io = KVMX_IO_NONE;
	xv->rip = r.rip;
	/* Bit 1 of RFLAGS always reads as one. */
	kvmx_set_rflags_user(xv, r.rflags | X86_EFLAGS_FIXED);
}

static long set_regs(struct kvmx_x86_vcpu *xv, struct kvm_regs __user *u)
{
	struct kvm_regs r;

	if (copy_from_user(&r, u, sizeof(r)))
		return -EFAULT;
	kvmx_set_regs(xv, &r);
	return 0;
}

void kvmx_get_sregs(struct kvmx_x86_vcpu *xv, struct kvm_sregs *out)
{
	struct kvm_sregs s = {};

	kvmx_x86->get_segment(xv, &s.cs, KVMX_SREG_CS);
	kvmx_x86->get_segment(xv, &s.ds, KVMX_SREG_DS);
	kvmx_x86->get_segment(xv, &s.es, KVMX_SREG_ES);
	kvmx_x86->get_segment(xv, &s.fs, KVMX_SREG_FS);
	kvmx_x86->get_segment(xv, &s.gs, KVMX_SREG_GS);
	kvmx_x86->get_segment(xv, &s.ss, KVMX_SREG_SS);
	kvmx_x86->get_segment(xv, &s.tr, KVMX_SREG_TR);
	kvmx_x86->get_segment(xv, &s.ldt, KVMX_SREG_LDTR);
	kvmx_x86->get_dtable(xv, &s.gdt, false);
	kvmx_x86->get_dtable(xv, &s.idt, true);
	s.cr0 = kvmx_x86->get_cr(xv, 0);
	s.cr2 = kvmx_x86->get_cr(xv, 2);
	s.cr3 = kvmx_x86->get_cr(xv, 3);
	s.cr4 = kvmx_x86->get_cr(xv, 4);
	s.cr8 = kvmx_x86->get_cr(xv, 8);
	s.efer = xv->efer;
	s.apic_base = xv->apic_base;
	*out = s;
}

static long get_sregs(struct kvmx_x86_vcpu *xv, struct kvm_sregs __user *u)
{
	struct kvm_sregs s;

	kvmx_get_sregs(xv, &s);
	return copy_to_user(u, &s, sizeof(s)) ? -EFAULT : 0;
}

/* The checks kvm makes on KVM_SET_SREGS (others fail at VM entry). */
static bool sregs_valid(struct kvmx_x86_vcpu *xv, const struct kvm_sregs *s)
{
	/* CR0: no bits above 31, NW needs CD, PG needs PE. */
	if ((s->cr0 >> 32) ||
	    ((s->cr0 & X86_CR0_NW) && !(s->cr0 & X86_CR0_CD)) ||
	    ((s->cr0 & X86_CR0_PG) && !(s->cr0 & X86_CR0_PE)))
		return false;
	if ((s->efer & EFER_LME) && (s->cr0 & X86_CR0_PG)) {
		if (!(s->cr4 & X86_CR4_PAE) || !(s->efer & EFER_LMA))
			return false;
		if (s->cr3 >> boot_cpu_data.x86_phys_bits)
			return false;
	} else if ((s->efer & EFER_LMA) || s->cs.l) {
		return false;
	}
	return kvmx_vcpu_cr4_valid(xv, s->cr4);
}

int kvmx_set_sregs(struct kvmx_x86_vcpu *xv, const struct kvm_sregs *sp)
{
	struct kvm_sregs s = *sp;

	if (!sregs_valid(xv, &s))
		return -EINVAL;
	if (!kvmx_apic_base_valid(xv, s.apic_base, true))
		return -EINVAL;

	xv->apic_base = s.apic_base;
	xv->efer = s.efer;
	kvmx_x86->set_efer(xv, s.efer);
	kvmx_x86->set_cr(xv, 0, s.cr0);
	kvmx_x86->set_cr(xv, 2, s.cr2);
	kvmx_x86->set_cr(xv, 3, s.cr3);
	kvmx_x86->set_cr(xv, 4, s.cr4);
	kvmx_x86->set_cr(xv, 8, s.cr8);
	kvmx_x86->set_segment(xv, &s.cs, KVMX_SREG_CS);
	kvmx_x86->set_segment(xv, &s.ds, KVMX_SREG_DS);
	kvmx_x86->set_segment(xv, &s.es, KVMX_SREG_ES);
	kvmx_x86->set_segment(xv, &s.fs, KVMX_SREG_FS);
	kvmx_x86->set_segment(xv, &s.gs, KVMX_SREG_GS);
	kvmx_x86->set_segment(xv, &s.ss, KVMX_SREG_SS);
	kvmx_x86->set_segment(xv, &s.tr, KVMX_SREG_TR);
	kvmx_x86->set_segment(xv, &s.ldt, KVMX_SREG_LDTR);
	kvmx_x86->set_dtable(xv, &s.gdt, false);
	kvmx_x86->set_dtable(xv, &s.idt, true);
	return 0;
}

static long set_sregs(struct kvmx_x86_vcpu *xv, struct kvm_sregs __user *u)
{
	struct kvm_sregs s;

	if (copy_from_user(&s, u, sizeof(s)))
		return -EFAULT;
	return kvmx_set_sregs(xv, &s);
}

/* KVM_GET/SET_FPU view the legacy FXSAVE part of the XSAVE buffer. */
struct fxregs {
	u16 fcw, fsw;
	u8 ftw, pad0;
	u16 fop;
	u64 rip, rdp;
	u32 mxcsr, mxcsr_mask;
	u8 st[8][16];
	u8 xmm[16][16];
	u8 pad[96];
} __packed;
static_assert(sizeof(struct fxregs) == 512);

static long get_fpu(struct kvmx_x86_vcpu *xv, struct kvm_fpu __user *u)
{
	struct fxregs *fx = (struct fxregs *)&xv->guest_fpu.fpstate->regs.fxsave;
	struct kvm_fpu f = {};

	f.fcw = fx->fcw;
	f.fsw = fx->fsw;
	f.ftwx = fx->ftw;
	f.last_opcode = fx->fop;
	f.last_ip = fx->rip;
	f.last_dp = fx->rdp;
	f.mxcsr = fx->mxcsr;
	memcpy(f.fpr, fx->st, sizeof(f.fpr));
	memcpy(f.xmm, fx->xmm, sizeof(f.xmm));
	return copy_to_user(u, &f, sizeof(f)) ? -EFAULT : 0;
}

static long set_fpu(struct kvmx_x86_vcpu *xv, struct kvm_fpu __user *u)
{
	struct fxregs *fx = (struct fxregs *)&xv->guest_fpu.fpstate->regs.fxsave;
	struct kvm_fpu f;

	if (copy_from_user(&f, u, sizeof(f)))
		return -EFAULT;
	fx->fcw = f.fcw;
	fx->fsw = f.fsw;
	fx->ftw = f.ftwx;
	fx->fop = f.last_opcode;
	fx->rip = f.last_ip;
	fx->rdp = f.last_dp;
	fx->mxcsr = f.mxcsr;
	memcpy(fx->st, f.fpr, sizeof(f.fpr));
	memcpy(fx->xmm, f.xmm, sizeof(f.xmm));
	return 0;
}

static long get_xsave(struct kvmx_x86_vcpu *xv, struct kvm_xsave __user *u)
{
	struct kvm_xsave *x;
	long r = 0;

	x = kzalloc(sizeof(*x), GFP_KERNEL_ACCOUNT);
	if (!x)
		return -ENOMEM;
	fpu_copy_guest_fpstate_to_uabi(&xv->guest_fpu, x->region,
				       sizeof(x->region), kvmx_supported_xcr0(), 0);
	if (copy_to_user(u, x, sizeof(*x)))
		r = -EFAULT;
	kfree(x);
	return r;
}

static long set_xsave(struct kvmx_x86_vcpu *xv, struct kvm_xsave __user *u)
{
	struct kvm_xsave *x;
	long r;

	x = memdup_user(u, sizeof(*x));
	if (IS_ERR(x))
		return PTR_ERR(x);
	r = fpu_copy_uabi_to_guest_fpstate(&xv->guest_fpu, x->region,
					   kvmx_supported_xcr0(), NULL);
	kfree(x);
	return r;
}

static long get_xcrs(struct kvmx_x86_vcpu *xv, struct kvm_xcrs __user *u)
{
	struct kvm_xcrs x = {};

	if (boot_cpu_has(X86_FEATURE_XSAVE)) {
		x.nr_xcrs = 1;
		x.xcrs[0].xcr = 0;
		x.xcrs[0].value = xv->xcr0;
	}
	return copy_to_user(u, &x, sizeof(x)) ? -EFAULT : 0;
}

static long set_xcrs(struct kvmx_x86_vcpu *xv, struct kvm_xcrs __user *u)
{
	struct kvm_xcrs x;
	u32 i;

	if (!boot_cpu_has(X86_FEATURE_XSAVE))
		return -EINVAL;
	if (copy_from_user(&x, u, sizeof(x)))
		return -EFAULT;
	if (x.nr_xcrs > KVM_MAX_XCRS || x.flags)
		return -EINVAL;
	for (i = 0; i < x.nr_xcrs; i++) {
		if (x.xcrs[i].xcr != 0)
			continue;
		if (kvmx_check_xcr0(xv, x.xcrs[i].value))
			return -EINVAL;
		xv->xcr0 = x.xcrs[i].value;
	}
	return 0;
}

static long get_mp_state(struct kvmx_x86_vcpu *xv, struct kvm_mp_state __user *u)
{
	struct kvm_mp_state s = { .mp_state = xv->mp_state };

	return copy_to_user(u, &s, sizeof(s)) ? -EFAULT : 0;
}

static long set_mp_state(struct kvmx_x86_vcpu *xv, struct kvm_mp_state __user *u)
{
	struct kvm_mp_state s;

	if (copy_from_user(&s, u, sizeof(s)))
		return -EFAULT;
	/* Without an in-kernel LAPIC a vCPU is always RUNNABLE (as in kvm). */
	if (s.mp_state != KVM_MP_STATE_RUNNABLE)
		return -EINVAL;
	xv->mp_state = s.mp_state;
	return 0;
}

long kvmx_regs_ioctl(struct kvmx_x86_vcpu *xv, unsigned int ioctl,
		     void __user *argp)
{
	switch (ioctl) {
	case KVM_GET_REGS:
		return get_regs(xv, argp);
	case KVM_SET_REGS:
		return set_regs(xv, argp);
	case KVM_GET_SREGS:
		return get_sregs(xv, argp);
	case KVM_SET_SREGS:
		return set_sregs(xv, argp);
	case KVM_GET_FPU:
		return get_fpu(xv, argp);
	case KVM_SET_FPU:
		return set_fpu(xv, argp);
	case KVM_GET_XSAVE:
		return get_xsave(xv, argp);
	case KVM_SET_XSAVE:
		return set_xsave(xv, argp);
	case KVM_GET_XCRS:
		return get_xcrs(xv, argp);
	case KVM_SET_XCRS:
		return set_xcrs(xv, argp);
	case KVM_TRANSLATE:
		return kvmx_translate_ioctl(xv, argp);
	case KVM_GET_MP_STATE:
		return get_mp_state(xv, argp);
	case KVM_SET_MP_STATE:
		return set_mp_state(xv, argp);
	default:
		return -EINVAL;
	}
}
