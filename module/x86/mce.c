// SPDX-License-Identifier: GPL-2.0
/*
 * Machine-check architecture, as kvm presents it to a guest: the global
 * registers (MCG_CAP, MCG_STATUS, MCG_CTL), up to KVMX_MCE_BANKS banks of
 * MCi_CTL/STATUS/ADDR/MISC and, with CMCI, MCi_CTL2; KVM_X86_SETUP_MCE
 * chooses the capabilities and KVM_X86_SET_MCE reports an error into a
 * bank, raising #MC, a CMCI or nothing, as the SDM's rules ("Machine-Check
 * Architecture") and kvm's api.rst describe.
 *
 * The banks are architectural storage only: no host error ever reaches a
 * guest through them, userspace puts every value there.
 */
#include <linux/nospec.h>
#include <linux/uaccess.h>
#include <asm/mce.h>
#include <asm/msr-index.h>
#include <asm/traps.h>

#include "kvmx_irqchip.h"
#include "kvmx_x86.h"

/* MCi_CTL, MCi_STATUS, MCi_ADDR, MCi_MISC: four MSRs per bank. */
#define BANK_CTL	0
#define BANK_STATUS	1
#define BANK_ADDR	2
#define BANK_MISC	3

#define MCE_MSR_FIRST	MSR_IA32_MC0_CTL
#define MCE_MSR_END	(MSR_IA32_MC0_CTL + 4 * KVMX_MCE_BANKS)
#define CTL2_MSR_FIRST	MSR_IA32_MC0_CTL2
#define CTL2_MSR_END	(MSR_IA32_MC0_CTL2 + KVMX_MCE_BANKS)

/* Bits of MCG_CAP that SETUP_MCE accepts whatever the backend: count, EXT_CNT. */
#define MCG_CAP_ALWAYS	(MCG_BANKCNT_MASK | MCG_EXT_CNT_MASK)

/*
 * KVM_X86_GET_MCE_CAP_SUPPORTED: MCG_CTL and software error recovery
 * everywhere; what the backend adds (corrected-machine-check interrupts,
 * CMCI, hence UCNA signalling, on Intel only, as kvm).  Local machine
 * checks are not offered (kvmx has no MCG_EXT_CTL nor
 * IA32_FEATURE_CONTROL's LMCE bit).
 */
u64 kvmx_mce_cap_supported(void)
{
	return MCG_CTL_P | MCG_SER_P | kvmx_x86->mcg_cap_extra;
}

static unsigned int nr_banks(struct kvmx_x86_vcpu *xv)
{
	return xv->mce.mcg_cap & MCG_BANKCNT_MASK;
}

/* The vCPU's state at creation: all banks present, nothing enabled (kvm). */
void kvmx_mce_vcpu_init(struct kvmx_x86_vcpu *xv)
{
	memset(&xv->mce, 0, sizeof(xv->mce));
	xv->mce.mcg_cap = KVMX_MCE_BANKS;
}

static long setup_mce(struct kvmx_x86_vcpu *xv, u64 __user *u)
{
	unsigned int banks, i;
	u64 cap;

	if (get_user(cap, u))
		return -EFAULT;
	banks = cap & MCG_BANKCNT_MASK;
	if (!banks || banks > KVMX_MCE_BANKS)
		return -EINVAL;
	if (cap & ~(kvmx_mce_cap_supported() | MCG_CAP_ALWAYS))
		return -EINVAL;
	/* Bits the vendor's MCG_CAP does not have read as 0 (AMD's). */
	cap &= kvmx_x86->mcg_cap_kept;
	xv->mce.mcg_cap = cap;
	/* Reporting enabled everywhere; CMCI off in every bank. */
	if (cap & MCG_CTL_P)
		xv->mce.mcg_ctl = ~0ULL;
	for (i = 0; i < banks; i++) {
		xv->mce.banks[i][BANK_CTL] = ~0ULL;
		xv->mce.ctl2[i] = 0;
	}
	return 0;
}

/*
 * An uncorrected error that needs no action (UCNA): no MCG_STATUS bit, no
 * PCC/S/AR in the status, valid and uncorrected.  It is logged and, if the
 * bank enables CMCI, signalled through the LAPIC's LVT CMCI; never #MC.
 */
static bool is_ucna(const struct kvm_x86_mce *m)
{
	return !m->mcg_status && (m->status & MCI_STATUS_VAL) &&
	       (m->status & MCI_STATUS_UC) &&
	       !(m->status & (MCI_STATUS_PCC | MCI_STATUS_S | MCI_STATUS_AR));
}

static void log_error(u64 *bank, const struct kvm_x86_mce *m, u64 status)
{
	bank[BANK_ADDR] = m->addr;
	bank[BANK_MISC] = m->misc;
	bank[BANK_STATUS] = status;
}

static long set_mce(struct kvmx_x86_vcpu *xv, struct kvm_x86_mce __user *u)
{
	struct kvmx_mce *mce = &xv->mce;
	struct kvm_x86_mce m;
	unsigned int b, n = nr_banks(xv);
	u64 *bank, status;

	if (copy_from_user(&m, u, sizeof(m)))
		return -EFAULT;
	if (m.bank >= n || !(m.status & MCI_STATUS_VAL))
		return -EINVAL;
	b = array_index_nospec(m.bank, n);
	bank = mce->banks[b];
	status = m.status;

	if (is_ucna(&m)) {
		log_error(bank, &m, status);
		mce->mcg_status = m.mcg_status;
		if ((mce->mcg_cap & MCG_CMCI_P) &&
		    (mce->ctl2[b] & MCI_CTL2_CMCI_EN) && xv->apic)
			kvmx_lapic_local_deliver(xv->apic, APIC_LVTCMCI);
		return 0;
	}

	if (status & MCI_STATUS_UC) {
		/* Reporting disabled globally (MCG_CTL) or for the bank: dropped. */
		if ((mce->mcg_cap & MCG_CTL_P) && mce->mcg_ctl != ~0ULL)
			return 0;
		if (bank[BANK_CTL] != ~0ULL)
			return 0;
		/*
		 * A machine check while one is in progress, or with CR4.MCE
		 * clear, shuts the processor down (SDM, "Machine-Check
		 * Exception"): the next KVM_RUN exits with KVM_EXIT_SHUTDOWN.
		 */
		if ((mce->mcg_status & MCG_STATUS_MCIP) ||
		    !(kvmx_x86->get_cr(xv, 4) & X86_CR4_MCE)) {
			xv->triple_fault = true;
			return 0;
		}
		if (bank[BANK_STATUS] & MCI_STATUS_VAL)
			status |= MCI_STATUS_OVER;
		log_error(bank, &m, status);
		mce->mcg_status = m.mcg_status;
		kvmx_queue_exception(xv, X86_TRAP_MC, false, 0);
		return 0;
	}

	/*
	 * A corrected error: logged unless an uncorrected one holds the
	 * bank, which only gains the overflow bit.
	 */
	if ((bank[BANK_STATUS] & (MCI_STATUS_VAL | MCI_STATUS_UC)) ==
	    (MCI_STATUS_VAL | MCI_STATUS_UC)) {
		bank[BANK_STATUS] |= MCI_STATUS_OVER;
		return 0;
	}
	if (bank[BANK_STATUS] & MCI_STATUS_VAL)
		status |= MCI_STATUS_OVER;
	log_error(bank, &m, status);
	return 0;
}

long kvmx_mce_vcpu_ioctl(struct kvmx_x86_vcpu *xv, unsigned int ioctl,
			 void __user *argp)
{
	switch (ioctl) {
	case KVM_X86_SETUP_MCE:
		return setup_mce(xv, argp);
	case KVM_X86_SET_MCE:
		return set_mce(xv, argp);
	default:
		return -ENOTTY;
	}
}

/* Reading: 0, 1 (#GP / failed entry), or -ENOENT if not a machine-check MSR. */
int kvmx_mce_get_msr(struct kvmx_x86_vcpu *xv, u32 index, u64 *data, bool host)
{
	struct kvmx_mce *mce = &xv->mce;
	unsigned int n = nr_banks(xv), i;

	switch (index) {
	case MSR_IA32_P5_MC_ADDR:
	case MSR_IA32_P5_MC_TYPE:
		*data = 0;
		return 0;
	case MSR_IA32_MCG_CAP:
		*data = mce->mcg_cap;
		return 0;
	case MSR_IA32_MCG_STATUS:
		*data = mce->mcg_status;
		return 0;
	case MSR_IA32_MCG_CTL:
		if (!host && !(mce->mcg_cap & MCG_CTL_P))
			return 1;
		*data = mce->mcg_ctl;
		return 0;
	case CTL2_MSR_FIRST ... CTL2_MSR_END - 1:
		i = index - CTL2_MSR_FIRST;
		if (i >= n || (!host && !(mce->mcg_cap & MCG_CMCI_P)))
			return 1;
		*data = mce->ctl2[array_index_nospec(i, n)];
		return 0;
	case MCE_MSR_FIRST ... MCE_MSR_END - 1:
		i = (index - MCE_MSR_FIRST) / 4;
		if (i >= n)
			return 1;
		*data = mce->banks[array_index_nospec(i, n)][index & 3];
		return 0;
	default:
		return -ENOENT;
	}
}

int kvmx_mce_set_msr(struct kvmx_x86_vcpu *xv, u32 index, u64 data, bool host)
{
	struct kvmx_mce *mce = &xv->mce;
	unsigned int n = nr_banks(xv), i;

	switch (index) {
	case MSR_IA32_MCG_STATUS:
		mce->mcg_status = data;
		return 0;
	case MSR_IA32_MCG_CTL:
		/* Without MCG_CTL_P only userspace may write, and only 0. */
		if (!(mce->mcg_cap & MCG_CTL_P) && (data || !host))
			return 1;
		if (data != 0 && data != ~0ULL)
			return 1;
		mce->mcg_ctl = data;
		return 0;
	case CTL2_MSR_FIRST ... CTL2_MSR_END - 1:
		i = index - CTL2_MSR_FIRST;
		if (i >= n)
			return 1;
		if (!(mce->mcg_cap & MCG_CMCI_P) && (data || !host))
			return 1;
		if (data & ~(MCI_CTL2_CMCI_EN | MCI_CTL2_CMCI_THRESHOLD_MASK))
			return 1;
		mce->ctl2[array_index_nospec(i, n)] = data;
		return 0;
	case MCE_MSR_FIRST ... MCE_MSR_END - 1:
		i = (index - MCE_MSR_FIRST) / 4;
		if (i >= n)
			return 1;
		/*
		 * MCi_CTL: 0 or all ones, except that bit 10 (an AMD K8 GART
		 * erratum workaround in Linux) and bit 0 may be clear.
		 */
		if ((index & 3) == BANK_CTL && data &&
		    (data | BIT_ULL(10) | 1) != ~0ULL)
			return 1;
		/*
		 * MCi_STATUS: the guest may only clear it (AMD's
		 * HWCR.McStatusWrEn, which allows more, is not emulated).
		 */
		if ((index & 3) == BANK_STATUS && data && !host)
			return 1;
		mce->banks[array_index_nospec(i, n)][index & 3] = data;
		return 0;
	default:
		return -ENOENT;
	}
}
