// SPDX-License-Identifier: GPL-2.0
/*
 * Model-specific registers: the ones a guest OS touches are emulated here or
 * in the vendor's state (get_msr/set_msr ops); anything else is #GP for the
 * guest and a failed entry for KVM_GET/SET_MSRS, as in kvm.
 */
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/kvm_para.h>
#include <asm/msr.h>
#include <asm/msr-index.h>

#include "kvmx_irqchip.h"
#include "kvmx_x86.h"

#define KVMX_MAX_IO_MSRS	256

/* MTRRcap: 8 variable ranges, fixed ranges, write-combining. */
#define KVMX_MTRR_CAP		(8 | BIT(8) | BIT(10))
#define MTRR_DEF_TYPE_VALID	(0xff | BIT(10) | BIT(11))

/* MSRs userspace saves and restores (KVM_GET_MSR_INDEX_LIST). */
static const u32 msrs_to_save[] = {
	MSR_EFER, MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SYSCALL_MASK,
	MSR_KERNEL_GS_BASE, MSR_FS_BASE, MSR_GS_BASE,
	MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
	MSR_IA32_TSC, MSR_IA32_TSC_ADJUST, MSR_IA32_CR_PAT, MSR_IA32_MISC_ENABLE,
	MSR_IA32_APICBASE, MSR_MTRRdefType, MSR_PLATFORM_INFO,
	MSR_KVM_SYSTEM_TIME, MSR_KVM_WALL_CLOCK,
	MSR_KVM_SYSTEM_TIME_NEW, MSR_KVM_WALL_CLOCK_NEW,
	MSR_IA32_MCG_STATUS, MSR_IA32_MCG_CTL,
	MSR_KVM_ASYNC_PF_EN, MSR_KVM_STEAL_TIME, MSR_KVM_PV_EOI_EN,
	MSR_KVM_ASYNC_PF_INT, MSR_KVM_ASYNC_PF_ACK, MSR_KVM_POLL_CONTROL,
	/* Last: listed only where the CPU has it (RDTSCP or RDPID). */
	MSR_TSC_AUX,
};

/*
 * Feature MSRs (KVM_GET_MSR_FEATURE_INDEX_LIST): the microcode revision,
 * and PERF_CAPABILITIES as 0 (no PMU is offered), as kvm-amd reports it.
 */
static const u32 feature_msrs[] = {
	MSR_IA32_UCODE_REV, MSR_IA32_PERF_CAPABILITIES,
};

long kvmx_get_msr_index_list(struct kvm_msr_list __user *u, bool features)
{
	const u32 *list = features ? feature_msrs : msrs_to_save;
	u32 n = features ? ARRAY_SIZE(feature_msrs) : ARRAY_SIZE(msrs_to_save);
	struct kvm_msr_list hdr;

	if (!features && !boot_cpu_has(X86_FEATURE_RDTSCP) &&
	    !boot_cpu_has(X86_FEATURE_RDPID))
		n--;

	if (copy_from_user(&hdr, u, sizeof(hdr)))
		return -EFAULT;
	if (put_user(n, &u->nmsrs))
		return -EFAULT;
	if (hdr.nmsrs < n)
		return -E2BIG;
	if (copy_to_user(u->indices, list, n * sizeof(u32)))
		return -EFAULT;
	return 0;
}

static bool pat_valid(u64 pat)
{
	int i;

	for (i = 0; i < 8; i++) {
		u8 t = pat >> (8 * i);

		/* Types 2 and 3 and anything above 7 are reserved. */
		if (t > 7 || t == 2 || t == 3)
			return false;
	}
	return true;
}

static bool mtrr_type_valid(u8 t)
{
	return t == 0 || t == 1 || t == 4 || t == 5 || t == 6;
}

/* Index into mtrr_fixed[] of a fixed-range MTRR MSR, or -1. */
static int fixed_mtrr_index(u32 index)
{
	switch (index) {
	case MSR_MTRRfix64K_00000:
		return 0;
	case MSR_MTRRfix16K_80000:
	case MSR_MTRRfix16K_A0000:
		return 1 + index - MSR_MTRRfix16K_80000;
	case MSR_MTRRfix4K_C0000 ... MSR_MTRRfix4K_F8000:
		return 3 + index - MSR_MTRRfix4K_C0000;
	default:
		return -1;
	}
}

/* A CPUID feature bit of the vCPU's table (false without the leaf). */
static bool guest_has(struct kvmx_x86_vcpu *xv, u32 function, int reg, int bit)
{
	const struct kvm_cpuid_entry2 *e = kvmx_find_cpuid(xv, function, 0);
	u32 val;

	if (!e)
		return false;
	val = reg == 1 ? e->ebx : reg == 2 ? e->ecx : e->edx;
	return val & BIT(bit);
}

/*
 * EFER bits a vCPU may hold: those the host can run with (FFXSR only where
 * the CPU has it), and for the guest's own WRMSR only those its CPUID
 * offers (LM for LME/LMA, NX, FXSR_OPT), as kvm checks them.
 */
static bool efer_valid(struct kvmx_x86_vcpu *xv, u64 efer, bool host)
{
	u64 allowed = EFER_SCE | EFER_LME | EFER_LMA | EFER_NX;

	if (boot_cpu_has(X86_FEATURE_FXSR_OPT))
		allowed |= EFER_FFXSR;
	if (efer & ~allowed)
		return false;
	if (host)
		return true;
	if (((efer & (EFER_LME | EFER_LMA)) && !guest_has(xv, 0x80000001, 3, 29)) ||
	    ((efer & EFER_NX) && !guest_has(xv, 0x80000001, 3, 20)) ||
	    ((efer & EFER_FFXSR) && !guest_has(xv, 0x80000001, 3, 25)))
		return false;
	/* LME may not change while paging is on; LMA is read-only. */
	if ((kvmx_x86->get_cr(xv, 0) & X86_CR0_PG) &&
	    ((efer ^ xv->efer) & EFER_LME))
		return false;
	return true;
}

/*
 * The legacy performance counters: AMD's PERF_CTL0-3 / PERF_CTR0-3 and
 * Intel's P6 EVNTSEL0-1 / PERFCTR0-1.  kvmx virtualizes no PMU, and kvm
 * without a PMU for the guest takes every write to them and drops it, and
 * reads them as 0, on either vendor (guest kernels probe them regardless).
 */
static bool legacy_perf_msr(u32 index)
{
	switch (index) {
	case MSR_K7_EVNTSEL0 ... MSR_K7_PERFCTR3:
	case MSR_P6_PERFCTR0 ... MSR_P6_PERFCTR1:
	case MSR_P6_EVNTSEL0 ... MSR_P6_EVNTSEL1:
		return true;
	default:
		return false;
	}
}

/*
 * IA32_TSC_AUX (RDTSCP, RDPID): the guest reaches it only when its CPUID
 * offers one of the two; the high half is reserved for an Intel guest and
 * dropped for an AMD one, as kvm does.  0 if the access may go on (with
 * *@data truncated where needed), 1 for #GP.
 */
static int tsc_aux_check(struct kvmx_x86_vcpu *xv, u64 *data, bool write,
			 bool host)
{
	if (!host && !guest_has(xv, 0x80000001, 3, 27) &&
	    !guest_has(xv, 7, 2, 22))
		return 1;
	if (!write)
		return 0;
	if (xv->emul_vendor == KVMX_EMUL_VENDOR_INTEL && (*data >> 32))
		return 1;
	*data = (u32)*data;
	return 0;
}

/*
 * 0 on success; KVMX_MSR_INVALID if the access must #GP, KVMX_MSR_UNKNOWN
 * if kvmx does not implement the MSR (#GP too, unless userspace takes it).
 */
int kvmx_get_msr(struct kvmx_x86_vcpu *xv, u32 index, u64 *data, bool host)
{
	int i, r;

	r = kvmx_irqchip_get_msr(xv, index, data);
	if (r != -ENOENT)
		return r;
	if (index == MSR_TSC_AUX && tsc_aux_check(xv, data, false, host))
		return KVMX_MSR_INVALID;
	r = kvmx_x86->get_msr(xv, index, data);
	if (r != -ENOENT)
		return r ? 1 : 0;
	r = kvmx_pv_get_msr(xv, index, data);
	if (r != -ENOENT)
		return r;
	r = kvmx_kvmclock_get_msr(xv, index, data);
	if (r != -ENOENT)
		return r;
	r = kvmx_mce_get_msr(xv, index, data, host);
	if (r != -ENOENT)
		return r;
	if (legacy_perf_msr(index)) {
		*data = 0;
		return 0;
	}

	switch (index) {
	case MSR_EFER:
		*data = xv->efer;
		return 0;
	case MSR_IA32_TSC:
		*data = rdtsc() + xv->tsc_offset;
		return 0;
	case MSR_IA32_TSC_ADJUST:
		if (!host && !kvmx_guest_has_tsc_adjust(xv))
			return 1;
		*data = xv->tsc_adjust;
		return 0;
	case MSR_IA32_CR_PAT:
		*data = xv->pat;
		return 0;
	case MSR_IA32_APICBASE:
		*data = xv->apic_base;
		return 0;
	case MSR_IA32_MISC_ENABLE:
		*data = xv->misc_enable;
		return 0;
	case MSR_IA32_UCODE_REV:
		*data = 0x100000000ULL;
		return 0;
	case MSR_PLATFORM_INFO:
		if (!host &&
		    !READ_ONCE(to_x86_vm(xv->vcpu->vm)->platform_info_readable))
			return 1;
		*data = xv->platform_info;
		return 0;
	case MSR_MTRRcap:
		*data = KVMX_MTRR_CAP;
		return 0;
	case MSR_IA32_POWER_CTL:
		*data = xv->power_ctl;
		return 0;
	case MSR_MTRRdefType:
		*data = xv->mtrr_def_type;
		return 0;
	case 0x200 ... 0x20f:	/* MTRRphysBase0 ... MTRRphysMask7 */
		*data = xv->mtrr_var[index - 0x200];
		return 0;
	default:
		i = fixed_mtrr_index(index);
		if (i >= 0) {
			*data = xv->mtrr_fixed[i];
			return 0;
		}
		return KVMX_MSR_UNKNOWN;
	}
}

int kvmx_set_msr(struct kvmx_x86_vcpu *xv, u32 index, u64 data, bool host)
{
	s64 delta;
	int i, r;

	r = kvmx_irqchip_set_msr(xv, index, data);
	if (r != -ENOENT)
		return r;
	r = kvmx_pv_set_msr(xv, index, data);
	if (r != -ENOENT)
		return r;
	r = kvmx_kvmclock_set_msr(xv, index, data, host);
	if (r != -ENOENT)
		return r;
	r = kvmx_mce_set_msr(xv, index, data, host);
	if (r != -ENOENT)
		return r;
	if (legacy_perf_msr(index))
		return 0;
	if (index == MSR_TSC_AUX && tsc_aux_check(xv, &data, true, host))
		return KVMX_MSR_INVALID;
	switch (index) {
	case MSR_EFER:
		if (!efer_valid(xv, data, host))
			return 1;
		if (!host)	/* LMA follows paging, not the guest's write */
			data = (data & ~EFER_LMA) | (xv->efer & EFER_LMA);
		xv->efer = data;
		kvmx_x86->set_efer(xv, data);
		return 0;
	case MSR_IA32_TSC:
		/*
		 * Userspace sets the TSC outright; a guest write moves
		 * IA32_TSC_ADJUST by the same amount (SDM, "Time-Stamp Counter").
		 */
		delta = data - (rdtsc() + xv->tsc_offset);
		xv->tsc_offset += delta;
		if (!host)
			xv->tsc_adjust += delta;
		/* kvmclock's TSC timestamp follows the offset. */
		if (delta)
			kvmx_make_request(KVMX_REQ_CLOCK_UPDATE, xv->vcpu);
		return 0;
	case MSR_IA32_TSC_ADJUST:
		if (!host && !kvmx_guest_has_tsc_adjust(xv))
			return 1;
		/* A guest write moves the TSC along; userspace only restores. */
		if (!host && data != xv->tsc_adjust) {
			xv->tsc_offset += data - xv->tsc_adjust;
			kvmx_make_request(KVMX_REQ_CLOCK_UPDATE, xv->vcpu);
		}
		xv->tsc_adjust = data;
		return 0;
	case MSR_IA32_CR_PAT:
		if (!pat_valid(data))
			return 1;
		xv->pat = data;
		kvmx_x86->set_msr(xv, index, data);
		return 0;
	case MSR_IA32_APICBASE:
		if (!kvmx_apic_base_valid(xv, data, host))
			return 1;
		xv->apic_base = data;
		kvmx_irqchip_apic_base_changed(xv);
		return 0;
	case MSR_IA32_MISC_ENABLE:
		if (kvmx_quirk_misc_enable(xv, data))
			return 1;
		xv->misc_enable = data;
		return 0;
	case MSR_IA32_UCODE_REV:
		return host ? 0 : 1;
	case MSR_PLATFORM_INFO:
		/* Read-only to the guest; no CPUID faulting to announce. */
		if (!host || (data & MSR_PLATFORM_INFO_CPUID_FAULT))
			return 1;
		xv->platform_info = data;
		return 0;
	case MSR_MTRRdefType:
		if ((data & ~MTRR_DEF_TYPE_VALID) || !mtrr_type_valid(data & 0xff))
			return 1;
		xv->mtrr_def_type = data;
		return 0;
	case 0x200 ... 0x20f:
		xv->mtrr_var[index - 0x200] = data;
		return 0;
	case MSR_IA32_POWER_CTL:
		xv->power_ctl = data;
		return 0;
	}
	i = fixed_mtrr_index(index);
	if (i >= 0) {
		xv->mtrr_fixed[i] = data;
		return 0;
	}
	r = kvmx_x86->set_msr(xv, index, data);
	if (r == -ENOENT)
		return KVMX_MSR_UNKNOWN;
	return r ? 1 : 0;
}

/* KVM_GET_MSRS/KVM_SET_MSRS: returns how many entries were processed. */
long kvmx_msrs_ioctl(struct kvmx_x86_vcpu *xv, struct kvm_msrs __user *u,
		     bool set)
{
	struct kvm_msrs hdr;
	struct kvm_msr_entry *ents;
	u32 i;
	long r;

	if (copy_from_user(&hdr, u, sizeof(hdr)))
		return -EFAULT;
	if (hdr.nmsrs >= KVMX_MAX_IO_MSRS)
		return -E2BIG;
	ents = memdup_user(u->entries, hdr.nmsrs * sizeof(*ents));
	if (IS_ERR(ents))
		return PTR_ERR(ents);
	for (i = 0; i < hdr.nmsrs; i++) {
		if (set ? kvmx_set_msr(xv, ents[i].index, ents[i].data, true)
			: kvmx_get_msr(xv, ents[i].index, &ents[i].data, true))
			break;
	}
	r = i;
	if (!set && copy_to_user(u->entries, ents, i * sizeof(*ents)))
		r = -EFAULT;
	kfree(ents);
	return r;
}

/* KVM_GET_MSRS on the system fd: feature MSRs. */
long kvmx_get_msr_feature(struct kvm_msrs __user *u)
{
	struct kvm_msrs hdr;
	struct kvm_msr_entry e;
	u32 i;

	if (copy_from_user(&hdr, u, sizeof(hdr)))
		return -EFAULT;
	if (hdr.nmsrs >= KVMX_MAX_IO_MSRS)
		return -E2BIG;
	for (i = 0; i < hdr.nmsrs; i++) {
		if (copy_from_user(&e, &u->entries[i], sizeof(e)))
			return -EFAULT;
		if (e.index == MSR_IA32_UCODE_REV)
			e.data = 0x100000000ULL;
		else if (e.index == MSR_IA32_PERF_CAPABILITIES)
			e.data = 0;
		else
			break;
		if (copy_to_user(&u->entries[i], &e, sizeof(e)))
			return -EFAULT;
	}
	return i;
}
