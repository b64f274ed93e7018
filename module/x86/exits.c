// SPDX-License-Identifier: GPL-2.0
/*
 * Exit handlers shared by both vendors.  The vendor files decode their exit
 * information and call these.  Return contract (as the vendor exit tables):
 *   1  resume the guest
 *   0  kvm_run is filled; return to userspace
 *  <0  error returned by KVM_RUN
 */
#include <linux/kvm_para.h>
#include <asm/fpu/xcr.h>
#include <asm/traps.h>

#include "kvmx_irqchip.h"
#include "kvmx_x86.h"

/* Advance RIP past the instruction that caused the current exit. */
static int skip_insn(struct kvmx_x86_vcpu *xv)
{
	return kvmx_x86->skip_insn(xv);
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
	return 1;
}

int kvmx_internal_error(struct kvmx_x86_vcpu *xv, u32 suberror)
{
	struct kvm_run *run = xv->vcpu->run;

	run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	run->internal.suberror = suberror;
	run->internal.ndata = 0;
	return 0;
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
	default:
		return 1;
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
	return 0;
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
	u64 data;

	if (kvmx_get_msr(xv, xv->regs[KVMX_RCX], &data, false))
		return inject_gp(xv);
	xv->regs[KVMX_RAX] = (u32)data;
	xv->regs[KVMX_RDX] = data >> 32;
	return skip_insn(xv);
}

int kvmx_handle_wrmsr(struct kvmx_x86_vcpu *xv)
{
	u64 data = (u32)xv->regs[KVMX_RAX] | (xv->regs[KVMX_RDX] << 32);

	if (kvmx_set_msr(xv, xv->regs[KVMX_RCX], data, false))
		return inject_gp(xv);
	return skip_insn(xv);
}

/*
 * VMCALL/VMMCALL with kvm's ABI: the number in RAX (EAX outside 64-bit
 * mode), the result in RAX.  Only KVM_HC_VAPIC_POLL_IRQ (a no-op) exists.
 */
int kvmx_handle_hypercall(struct kvmx_x86_vcpu *xv)
{
	struct kvm_segment cs;
	u64 nr = xv->regs[KVMX_RAX];
	u64 ret;

	kvmx_x86->get_segment(xv, &cs, KVMX_SREG_CS);
	if (!((xv->efer & EFER_LMA) && cs.l))
		nr = (u32)nr;
	if (kvmx_x86->get_cpl(xv) != 0)
		ret = (u64)-KVM_EPERM;
	else if (nr == KVM_HC_VAPIC_POLL_IRQ)
		ret = 0;
	else
		ret = (u64)-KVM_ENOSYS;
	xv->regs[KVMX_RAX] = ret;
	return skip_insn(xv);
}

int kvmx_handle_xsetbv(struct kvmx_x86_vcpu *xv)
{
	u64 val = (u32)xv->regs[KVMX_RAX] | (xv->regs[KVMX_RDX] << 32);

	/* Only XCR0 exists; CPL must be 0 (Intel SDM, "XSETBV"). */
	if (kvmx_x86->get_cpl(xv) != 0 || (u32)xv->regs[KVMX_RCX] != 0 ||
	    kvmx_check_xcr0(val))
		return inject_gp(xv);
	xv->xcr0 = val;
	return skip_insn(xv);
}

int kvmx_handle_shutdown(struct kvmx_x86_vcpu *xv)
{
	xv->vcpu->run->exit_reason = KVM_EXIT_SHUTDOWN;
	return 0;
}

/*
 * Switch XCR0 to the guest's (before entry) or back to the host's.  Not
 * conditional on the guest's CR4.OSXSAVE: CR4 writes do not exit, so the
 * guest may turn it on or off while it runs, and deciding by its value
 * at exit once left the host running on the guest's XCR0 (which broke
 * the host's own signal frames).
 */
void kvmx_load_guest_xcr0(struct kvmx_x86_vcpu *xv, bool guest)
{
	if (!boot_cpu_has(X86_FEATURE_XSAVE) || xv->xcr0 == kvmx_host_xcr0)
		return;
	xsetbv(XCR_XFEATURE_ENABLED_MASK, guest ? xv->xcr0 : kvmx_host_xcr0);
}

#define KVMX_DR6_FIXED_1	0xfffe0ff0ULL	/* reserved bits that read as one */
#define KVMX_DR7_FIXED_1	0x400ULL

/* DR6 lives in the vendor state where the CPU updates it, else here. */
u64 kvmx_get_dr6(struct kvmx_x86_vcpu *xv)
{
	return kvmx_x86->get_dr6 ? kvmx_x86->get_dr6(xv) : xv->dr6;
}

void kvmx_set_dr6(struct kvmx_x86_vcpu *xv, u64 dr6)
{
	if (kvmx_x86->set_dr6)
		kvmx_x86->set_dr6(xv, dr6);
	else
		xv->dr6 = dr6;
}

/*
 * MOV to or from a debug register (all of them exit).  The value lives in
 * kvmx_x86_vcpu (DR0-3, DR7) or the vendor state (DR6); guest breakpoints
 * are not armed in hardware.  TODO: load DR0-3/DR7 while the guest uses
 * them, so its hardware breakpoints fire.
 */
int kvmx_handle_dr_access(struct kvmx_x86_vcpu *xv, int dr, bool write)
{
	struct kvmx_insn insn;
	int gpr;
	u64 val;

	if (kvmx_decode_at_rip(xv, &insn) || insn.map != 1 ||
	    (insn.opcode != 0x21 && insn.opcode != 0x23))
		return kvmx_internal_error(xv, KVM_INTERNAL_ERROR_EMULATION);
	gpr = (insn.modrm & 7) | ((insn.rex & 1) << 3);
	if (kvmx_x86->get_cpl(xv) != 0)
		return inject_gp(xv);
	/* DR4/DR5 alias DR6/DR7 unless CR4.DE makes them #UD. */
	if (dr == 4 || dr == 5) {
		if (kvmx_x86->get_cr(xv, 4) & X86_CR4_DE) {
			kvmx_queue_exception(xv, X86_TRAP_UD, false, 0);
			return 1;
		}
		dr += 2;
	}
	if (!write) {
		if (dr < 4)
			val = xv->db[dr];
		else if (dr == 6)
			val = kvmx_get_dr6(xv);
		else
			val = xv->dr7;
		xv->regs[gpr] = val;
		return skip_insn(xv);
	}
	val = xv->regs[gpr];
	if (!((xv->efer & EFER_LMA) && (insn.op_bytes == 8 || insn.rex & 8)))
		val = (u32)val;
	if (dr >= 6 && (val >> 32))
		return inject_gp(xv);
	if (dr < 4)
		xv->db[dr] = val;
	else if (dr == 6)
		kvmx_set_dr6(xv, val | KVMX_DR6_FIXED_1);
	else
		xv->dr7 = val | KVMX_DR7_FIXED_1;
	return skip_insn(xv);
}

long kvmx_get_debugregs(struct kvmx_x86_vcpu *xv, struct kvm_debugregs __user *u)
{
	struct kvm_debugregs d = {};

	memcpy(d.db, xv->db, sizeof(d.db));
	d.dr6 = kvmx_get_dr6(xv);
	d.dr7 = xv->dr7;
	return copy_to_user(u, &d, sizeof(d)) ? -EFAULT : 0;
}

long kvmx_set_debugregs(struct kvmx_x86_vcpu *xv, struct kvm_debugregs __user *u)
{
	struct kvm_debugregs d;

	if (copy_from_user(&d, u, sizeof(d)))
		return -EFAULT;
	if (d.flags || (d.dr6 >> 32) || (d.dr7 >> 32))
		return -EINVAL;
	memcpy(xv->db, d.db, sizeof(xv->db));
	kvmx_set_dr6(xv, d.dr6);
	xv->dr7 = d.dr7;
	return 0;
}
