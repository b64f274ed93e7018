// SPDX-License-Identifier: GPL-2.0
/*
 * Exit handlers shared by both vendors.  The vendor files decode their exit
 * information and call these.  Return contract (as the vendor exit tables,
 * kvmx_x86.h): KVMX_EXIT_RESUME to resume the guest, KVMX_EXIT_USER when
 * kvm_run is filled for userspace, or -errno for KVM_RUN.
 */
#include <linux/kvm_para.h>
#include <asm/fpu/xcr.h>
#include <asm/traps.h>

#include "kvmx_irqchip.h"
#include "kvmx_x86.h"

/* Advance RIP past the instruction that caused the current exit. */
static int skip_insn(struct kvmx_x86_vcpu *xv)
{
	return kvmx_skip_insn(xv);
}

void kvmx_queue_exception(struct kvmx_x86_vcpu *xv, u8 vector,
			  bool has_error, u32 error_code)
{
	/* A second exception while one is pending: a #DF or, past it, shutdown. */
	if (xv->exception.pending) {
		if (xv->exception.vector == X86_TRAP_DF) {
			xv->exception.pending = false;
			xv->triple_fault = true;
			return;
		}
		vector = X86_TRAP_DF;
		has_error = true;
		error_code = 0;
	}
	xv->exception.pending = true;
	xv->exception.vector = vector;
	xv->exception.has_error = has_error;
	xv->exception.error_code = error_code;
}

static int inject_gp(struct kvmx_x86_vcpu *xv)
{
	kvmx_queue_exception(xv, X86_TRAP_GP, true, 0);
	return KVMX_EXIT_RESUME;
}

int kvmx_internal_error(struct kvmx_x86_vcpu *xv, u32 suberror)
{
	struct kvm_run *run = xv->vcpu->run;

	run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	run->internal.suberror = suberror;
	run->internal.ndata = 0;
	return KVMX_EXIT_USER;
}

/* Called at the start of KVM_RUN: finish the access userspace served. */
int kvmx_complete_userspace_io(struct kvmx_x86_vcpu *xv)
{
	enum kvmx_pending_io p = xv->pending_io;

	xv->pending_io = KVMX_IO_NONE;
	switch (p) {
	case KVMX_IO_PIO_IN:
		return kvmx_complete_pio_in(xv);
	case KVMX_IO_PIO_OUT:
		return skip_insn(xv);
	case KVMX_IO_PIO_STRING:
		return kvmx_complete_pio_string(xv);
	case KVMX_IO_MMIO:
		return kvmx_complete_mmio(xv);
	case KVMX_IO_MMIO_NEXT:
		return kvmx_complete_mmio_next(xv);
	case KVMX_IO_RDMSR:
		return kvmx_complete_msr(xv, false);
	case KVMX_IO_WRMSR:
		return kvmx_complete_msr(xv, true);
	default:
		return KVMX_EXIT_RESUME;
	}
}

int kvmx_handle_hlt(struct kvmx_x86_vcpu *xv)
{
	int r = skip_insn(xv);

	if (r <= 0)
		return r;
	if (kvmx_irqchip_in_kernel(xv->vcpu->vm))
		return kvmx_irqchip_halt(xv);
	xv->vcpu->run->exit_reason = KVM_EXIT_HLT;
	return KVMX_EXIT_USER;
}

int kvmx_handle_cpuid(struct kvmx_x86_vcpu *xv)
{
	u32 a = xv->regs[KVMX_RAX], b, c = xv->regs[KVMX_RCX], d;

	kvmx_cpuid(xv, &a, &b, &c, &d);
	xv->regs[KVMX_RAX] = a;
	xv->regs[KVMX_RBX] = b;
	xv->regs[KVMX_RCX] = c;
	xv->regs[KVMX_RDX] = d;
	return skip_insn(xv);
}

int kvmx_handle_rdmsr(struct kvmx_x86_vcpu *xv)
{
	u32 index = xv->regs[KVMX_RCX];
	u64 data = 0;
	int r;

	if (!kvmx_msr_allowed(xv, index, false))
		r = KVMX_MSR_FILTERED;
	else
		r = kvmx_get_msr(xv, index, &data, false);
	if (r)
		return kvmx_msr_user_exit(xv, index, 0, false, r) ? 0 :
		       inject_gp(xv);
	xv->regs[KVMX_RAX] = (u32)data;
	xv->regs[KVMX_RDX] = data >> 32;
	return skip_insn(xv);
}

int kvmx_handle_wrmsr(struct kvmx_x86_vcpu *xv)
{
	u32 index = xv->regs[KVMX_RCX];
	u64 data = (u32)xv->regs[KVMX_RAX] | (xv->regs[KVMX_RDX] << 32);
	int r;

	if (!kvmx_msr_allowed(xv, index, true))
		r = KVMX_MSR_FILTERED;
	else
		r = kvmx_set_msr(xv, index, data, false);
	if (r)
		return kvmx_msr_user_exit(xv, index, data, true, r) ? 0 :
		       inject_gp(xv);
	return skip_insn(xv);
}

/*
 * VMCALL/VMMCALL with kvm's ABI: the number in RAX, arguments in RBX, RCX,
 * RDX and RSI (each truncated to 32 bits outside 64-bit mode), the result
 * in RAX.  KVM_HC_VAPIC_POLL_IRQ is a no-op; the others are x86/pv.c's.
 */
int kvmx_handle_hypercall(struct kvmx_x86_vcpu *xv)
{
	struct kvm_segment cs;
	u64 nr = xv->regs[KVMX_RAX], a0 = xv->regs[KVMX_RBX];
	u64 a1 = xv->regs[KVMX_RCX], a2 = xv->regs[KVMX_RDX];
	u64 a3 = xv->regs[KVMX_RSI];
	bool op_64_bit;
	u64 ret;

	kvmx_x86->get_segment(xv, &cs, KVMX_SREG_CS);
	op_64_bit = (xv->efer & EFER_LMA) && cs.l;
	if (!op_64_bit) {
		nr = (u32)nr;
		a0 = (u32)a0;
		a1 = (u32)a1;
		a2 = (u32)a2;
		a3 = (u32)a3;
	}
	if (kvmx_x86->get_cpl(xv) != 0)
		ret = (u64)-KVM_EPERM;
	else if (nr == KVM_HC_VAPIC_POLL_IRQ)
		ret = 0;
	else
		ret = kvmx_pv_hypercall(xv, nr, a0, a1, a2, a3, op_64_bit);
	xv->regs[KVMX_RAX] = op_64_bit ? ret : (u32)ret;
	return skip_insn(xv);
}

int kvmx_handle_xsetbv(struct kvmx_x86_vcpu *xv)
{
	u64 val = (u32)xv->regs[KVMX_RAX] | (xv->regs[KVMX_RDX] << 32);

	/* Only XCR0 exists; CPL must be 0 (Intel SDM, "XSETBV"). */
	if (kvmx_x86->get_cpl(xv) != 0 || (u32)xv->regs[KVMX_RCX] != 0 ||
	    kvmx_check_xcr0(xv, val))
		return inject_gp(xv);
	xv->xcr0 = val;
	return skip_insn(xv);
}

int kvmx_handle_shutdown(struct kvmx_x86_vcpu *xv)
{
	xv->vcpu->run->exit_reason = KVM_EXIT_SHUTDOWN;
	return KVMX_EXIT_USER;
}

/*
 * Switch XCR0 to the guest's (before entry) or back to the host's.  Not
 * conditional on the guest's CR4.OSXSAVE: deciding by its value at exit
 * once left the host running on the guest's XCR0 (which broke the host's
 * own signal frames).
 */
void kvmx_load_guest_xcr0(struct kvmx_x86_vcpu *xv, bool guest)
{
	if (!boot_cpu_has(X86_FEATURE_XSAVE) || xv->xcr0 == kvmx_host_xcr0)
		return;
	xsetbv(XCR_XFEATURE_ENABLED_MASK, guest ? xv->xcr0 : kvmx_host_xcr0);
}

