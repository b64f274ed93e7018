// SPDX-License-Identifier: GPL-2.0
/*
 * kvm's x86 quirks: behaviours kvm keeps by default for old userspace and
 * guests, each of which a VM can turn off with KVM_ENABLE_CAP
 * (KVM_CAP_DISABLE_QUIRKS takes any mask, KVM_CAP_DISABLE_QUIRKS2 only the
 * bits KVM_CHECK_EXTENSION reports).  kvmx_quirk() tells whether one is in
 * force; where each acts:
 *
 *   LINT0_REENABLED       the BSP's LVT0 is ExtINT, unmasked, after RESET
 *                         (irqchip/lapic.c); off: masked like the others
 *   CD_NW_CLEARED         kvm-amd runs the guest with CR0.CD and NW clear
 *                         in the VMCB.  kvmx on SVM does not: the guest's
 *                         CR0 reaches the VMCB as written (the quirk-off
 *                         behaviour), so the bit is not offered there.
 *                         kvm-intel and kvmx's VMX never run the guest
 *                         with CD/NW (the CR0 read shadow shows them); the
 *                         quirk only chooses EPT memory types with
 *                         non-coherent DMA, which kvmx does not have, so
 *                         both states behave alike and the bit is offered.
 *   LAPIC_MMIO_HOLE       the APIC page of a hardware-disabled or x2APIC
 *                         local APIC reads as all ones and drops writes
 *                         (irqchip/lapic.c); off: the access goes on to
 *                         memory or userspace like any other
 *   OUT_7E_INC_RIP        an OUT to port 0x7e that exits to userspace has
 *                         RIP already past it (emulate/pio.c)
 *   MISC_ENABLE_NO_MWAIT  off: IA32_MISC_ENABLE bit 18 (ENABLE_MWAIT) sets
 *                         and clears CPUID.01H:ECX.MONITOR, and a change
 *                         of the bit needs CPUID SSE3 (else #GP / error)
 *   FIX_HYPERCALL_INSN    the other vendor's hypercall instruction (#UD
 *                         here) is rewritten in guest memory to this
 *                         CPU's and runs again; off: the guest gets #UD
 *   MWAIT_NEVER_UD_FAULTS MONITOR and MWAIT (always intercepted) are NOPs;
 *                         off: #UD unless CPUID.01H:ECX.MONITOR is set
 */
#include <asm/traps.h>

#include "kvmx_x86.h"

/* CPUID.01H:ECX bits (Intel SDM "CPUID"). */
#define CPUID_1_ECX_SSE3	BIT(0)
#define CPUID_1_ECX_MONITOR	BIT(3)

/* The hypercall instructions: 0F 01 C1 (VMCALL), 0F 01 D9 (VMMCALL). */
#define HYPERCALL_INSN_LEN	3
#define MODRM_VMCALL		0xc1
#define MODRM_VMMCALL		0xd9

#define KVMX_QUIRKS_COMMON	(KVM_X86_QUIRK_LINT0_REENABLED | \
				 KVM_X86_QUIRK_LAPIC_MMIO_HOLE | \
				 KVM_X86_QUIRK_OUT_7E_INC_RIP | \
				 KVM_X86_QUIRK_MISC_ENABLE_NO_MWAIT | \
				 KVM_X86_QUIRK_FIX_HYPERCALL_INSN | \
				 KVM_X86_QUIRK_MWAIT_NEVER_UD_FAULTS)

static bool backend_is_vmx(void)
{
	return kvmx_x86 == &kvmx_vmx_ops;
}

/* KVM_CHECK_EXTENSION(KVM_CAP_DISABLE_QUIRKS2): both states of each work. */
u64 kvmx_quirks_supported(void)
{
	return KVMX_QUIRKS_COMMON |
	       (backend_is_vmx() ? KVM_X86_QUIRK_CD_NW_CLEARED : 0);
}

/*
 * KVM_ENABLE_CAP(KVM_CAP_DISABLE_QUIRKS or _QUIRKS2): the mask replaces
 * the VM's disabled set (it does not add to it), at any time, as in kvm;
 * only the second form refuses unknown bits.
 */
long kvmx_disable_quirks(struct kvmx_vm *vm, const struct kvm_enable_cap *cap)
{
	if (cap->cap == KVM_CAP_DISABLE_QUIRKS2 &&
	    (cap->args[0] & ~kvmx_quirks_supported()))
		return -EINVAL;
	WRITE_ONCE(to_x86_vm(vm)->disabled_quirks, cap->args[0]);
	return 0;
}

static struct kvm_cpuid_entry2 *cpuid_leaf1(struct kvmx_x86_vcpu *xv)
{
	int i;

	for (i = 0; i < xv->nr_cpuid; i++)
		if (xv->cpuid[i].function == 1)
			return &xv->cpuid[i];
	return NULL;
}

/*
 * CPUID.01H as the guest sees it now: with MISC_ENABLE_NO_MWAIT off,
 * MONITOR follows IA32_MISC_ENABLE.ENABLE_MWAIT.  Called on the stored
 * table's leaf 1 by cpuid.c whenever it brings the table up to date
 * (KVM_SET/GET_CPUID2, the guest's CPUID), as kvm updates it at runtime.
 */
void kvmx_quirk_cpuid_leaf1(struct kvmx_x86_vcpu *xv,
			    struct kvm_cpuid_entry2 *e)
{
	if (kvmx_quirk(xv->vcpu->vm, KVM_X86_QUIRK_MISC_ENABLE_NO_MWAIT))
		return;
	if (xv->misc_enable & MSR_IA32_MISC_ENABLE_MWAIT)
		e->ecx |= CPUID_1_ECX_MONITOR;
	else
		e->ecx &= ~CPUID_1_ECX_MONITOR;
}

static bool guest_has_leaf1_ecx(struct kvmx_x86_vcpu *xv, u32 bit)
{
	const struct kvm_cpuid_entry2 *e = cpuid_leaf1(xv);
	struct kvm_cpuid_entry2 cur;

	if (!e)
		return false;
	cur = *e;
	kvmx_quirk_cpuid_leaf1(xv, &cur);
	return cur.ecx & bit;
}

/* MONITOR and MWAIT exits (both vendors intercept them always). */
int kvmx_handle_monitor_mwait(struct kvmx_x86_vcpu *xv)
{
	if (!kvmx_quirk(xv->vcpu->vm, KVM_X86_QUIRK_MWAIT_NEVER_UD_FAULTS) &&
	    !guest_has_leaf1_ecx(xv, CPUID_1_ECX_MONITOR)) {
		kvmx_queue_exception(xv, X86_TRAP_UD, false, 0);
		return KVMX_EXIT_RESUME;
	}
	return kvmx_skip_insn(xv);
}

/*
 * A write of IA32_MISC_ENABLE (guest or host) that is about to store
 * @data: with MISC_ENABLE_NO_MWAIT off, a change of ENABLE_MWAIT (which
 * CPUID MONITOR then follows) needs SSE3 in the guest's CPUID.
 * 0, or 1: refuse the write (#GP for the guest).
 */
int kvmx_quirk_misc_enable(struct kvmx_x86_vcpu *xv, u64 data)
{
	if (kvmx_quirk(xv->vcpu->vm, KVM_X86_QUIRK_MISC_ENABLE_NO_MWAIT) ||
	    !((xv->misc_enable ^ data) & MSR_IA32_MISC_ENABLE_MWAIT))
		return 0;
	return guest_has_leaf1_ecx(xv, CPUID_1_ECX_SSE3) ? 0 : 1;
}

/* Does an OUT to @port that exits to userspace skip itself first? */
bool kvmx_quirk_out_7e(struct kvmx_x86_vcpu *xv, u16 port)
{
	return port == 0x7e &&
	       kvmx_quirk(xv->vcpu->vm, KVM_X86_QUIRK_OUT_7E_INC_RIP);
}

/* The guest-linear address of CS:RIP. */
static u64 rip_linear(struct kvmx_x86_vcpu *xv)
{
	struct kvm_segment cs;

	kvmx_x86->get_segment(xv, &cs, KVMX_SREG_CS);
	if ((xv->efer & EFER_LMA) && cs.l)
		return xv->rip;
	return (u32)(cs.base + xv->rip);
}

/*
 * FIX_HYPERCALL_INSN: write this CPU's hypercall instruction over the
 * other vendor's at RIP, a byte at a time through the guest's page
 * tables with its write permission (a fault goes to the guest, as for
 * any emulated write), and let the guest run it again.
 */
static int fix_hypercall(struct kvmx_x86_vcpu *xv)
{
	u8 insn[HYPERCALL_INSN_LEN] = { 0x0f, 0x01,
		backend_is_vmx() ? MODRM_VMCALL : MODRM_VMMCALL };
	u64 la = rip_linear(xv), gpa[HYPERCALL_INSN_LEN];
	int i;

	for (i = 0; i < HYPERCALL_INSN_LEN; i++)
		if (kvmx_translate_data(xv, la + i, true, &gpa[i]))
			return KVMX_EXIT_RESUME;
	for (i = 0; i < HYPERCALL_INSN_LEN; i++)
		if (kvmx_write_guest(xv->vcpu->vm, gpa[i], &insn[i], 1))
			return kvmx_internal_error(xv,
						   KVM_INTERNAL_ERROR_EMULATION);
	return KVMX_EXIT_RESUME;
}

/*
 * #UD, intercepted on both vendors as kvm does: the other vendor's
 * hypercall instruction is fixed up while FIX_HYPERCALL_INSN is in force;
 * any other #UD goes back to the guest.
 */
int kvmx_handle_ud(struct kvmx_x86_vcpu *xv)
{
	struct kvmx_insn insn;

	if (kvmx_quirk(xv->vcpu->vm, KVM_X86_QUIRK_FIX_HYPERCALL_INSN) &&
	    !kvmx_decode_at_rip(xv, &insn) && insn.map == 1 &&
	    insn.opcode == 0x01 && insn.has_modrm &&
	    insn.len == HYPERCALL_INSN_LEN &&
	    (insn.modrm == MODRM_VMCALL || insn.modrm == MODRM_VMMCALL))
		return fix_hypercall(xv);
	kvmx_queue_exception(xv, X86_TRAP_UD, false, 0);
	return KVMX_EXIT_RESUME;
}
