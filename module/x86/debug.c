// SPDX-License-Identifier: GPL-2.0
/*
 * Debug registers and KVM_SET_GUEST_DEBUG, shared by both vendors.
 *
 * The guest's DR0-3, DR6 and DR7 live in struct kvmx_x86_vcpu.  A MOV to
 * or from a debug register exits; while userspace debugs the guest it is
 * emulated here, otherwise the vendor hands the guest its debug registers
 * until the next exit (kvmx_load_guest_debug()).  While the
 * guest runs, the hardware holds the "effective" breakpoints: userspace's
 * (KVM_GUESTDBG_USE_HW_BP) if it set any, else the guest's own.  The
 * vendor's run op loads them between disabling interrupts and entering:
 * DR7 and DR6 through its guest state (kvmx_dr7_for_entry(),
 * kvmx_dr6_for_entry()), DR0-3 with kvmx_load_guest_debug(), which also
 * puts the host's breakpoints back after the exit, since both VMX and SVM
 * leave DR7 at its reset value on exit.
 *
 * A #DB the guest takes comes here through kvmx_handle_db(): it is the
 * guest's (reflected, DR6 updated) unless userspace single-steps or set
 * hardware breakpoints, in which case KVM_RUN returns KVM_EXIT_DEBUG, as
 * kvm does.  Instructions the kernel completes on the guest's behalf (CPUID,
 * RDMSR, port I/O...) raise the single-step trap in software:
 * kvmx_skip_insn().
 *
 * All of it runs under vcpu->mutex.
 */
#include <linux/hw_breakpoint.h>
#include <asm/debugreg.h>
#include <asm/traps.h>

#include "kvmx_x86.h"

#define KVMX_DR6_FIXED_1	0xfffe0ff0ULL	/* reserved bits that read as one */
#define KVMX_DR6_ACTIVE_LOW	0xffff0ff0ULL	/* DR6 with no trap bits set */
#define KVMX_DR6_TRAP_BITS	0xfULL		/* B0-B3 */
#define KVMX_DR6_BD		0x2000ULL	/* a DR access met DR7.GD */
#define KVMX_DR7_FIXED_1	0x400ULL
#define KVMX_DR7_BP_ENABLE	0xffULL		/* L0-3, G0-3 */
#define KVMX_DR7_GD		0x2000ULL	/* general detect */

/* The flags kvmx acts on; like kvm 6.1, it ignores others. */
#define KVMX_GUESTDBG_KNOWN	(KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP | \
				 KVM_GUESTDBG_USE_SW_BP | KVM_GUESTDBG_USE_HW_BP | \
				 KVM_GUESTDBG_BLOCKIRQ)

/* Does a #DB in the guest belong to userspace rather than to the guest? */
static bool debug_to_user(struct kvmx_x86_vcpu *xv)
{
	return xv->guest_debug & (KVM_GUESTDBG_SINGLESTEP | KVM_GUESTDBG_USE_HW_BP);
}

u64 kvmx_dr7_for_entry(struct kvmx_x86_vcpu *xv)
{
	return xv->guest_debug & KVM_GUESTDBG_USE_HW_BP ? xv->guest_debug_dr[7] :
							   xv->dr7;
}

/*
 * While userspace catches #DB, the hardware starts from a DR6 without trap
 * bits, so what it reports names this #DB alone; the guest's DR6 waits.
 */
u64 kvmx_dr6_for_entry(struct kvmx_x86_vcpu *xv)
{
	return debug_to_user(xv) ? KVMX_DR6_ACTIVE_LOW : xv->dr6;
}

/*
 * With interrupts disabled, around the world switch: load DR0-3 when the
 * effective DR7 arms a breakpoint or the guest owns them (@enter); after
 * the exit, take back what the guest wrote while it owned them and restore
 * the host's breakpoints if it uses any.  The host's DR0-3 are otherwise
 * left as the guest had them, harmless while the host's DR7 disables them.
 *
 * The guest owns its debug registers (@dr_passthrough) from a DR access
 * that the vendor chose not to emulate, because userspace does not debug
 * the guest, until the next exit: the vendor stops intercepting DR
 * accesses, re-enters the guest on the same MOV, and on the exit copies
 * DR6/DR7 back from its guest state and intercepts again.  So a guest that
 * uses its breakpoints costs one exit per exit, not one per access.
 */
void kvmx_load_guest_debug(struct kvmx_x86_vcpu *xv, bool enter)
{
	const u64 *db;

	if (!enter) {
		if (xv->dr_passthrough) {
			get_debugreg(xv->db[0], 0);
			get_debugreg(xv->db[1], 1);
			get_debugreg(xv->db[2], 2);
			get_debugreg(xv->db[3], 3);
			xv->dr_passthrough = false;
		}
		if (hw_breakpoint_active())
			hw_breakpoint_restore();
		return;
	}
	if (!xv->dr_passthrough &&
	    !(kvmx_dr7_for_entry(xv) & KVMX_DR7_BP_ENABLE))
		return;
	db = xv->guest_debug & KVM_GUESTDBG_USE_HW_BP ? xv->guest_debug_dr : xv->db;
	/* The host's own breakpoints must not fire on guest addresses. */
	if (hw_breakpoint_active())
		set_debugreg(0UL, 7);
	set_debugreg(db[0], 0);
	set_debugreg(db[1], 1);
	set_debugreg(db[2], 2);
	set_debugreg(db[3], 3);
}

/* Fill a KVM_EXIT_DEBUG for @vector; the exit-handler return value (0). */
int kvmx_debug_exit(struct kvmx_x86_vcpu *xv, u8 vector, u64 dr6)
{
	struct kvm_run *run = xv->vcpu->run;
	struct kvm_segment cs;

	kvmx_x86->get_segment(xv, &cs, KVMX_SREG_CS);
	run->exit_reason = KVM_EXIT_DEBUG;
	run->debug.arch.exception = vector;
	run->debug.arch.pad = 0;
	run->debug.arch.pc = cs.base + xv->rip;
	run->debug.arch.dr6 = dr6;
	run->debug.arch.dr7 = kvmx_dr7_for_entry(xv);
	return 0;
}

/* Deliver a #DB to the guest with @bits (B0-3, BD, BS, BT) added to DR6. */
static void guest_db(struct kvmx_x86_vcpu *xv, u64 bits)
{
	xv->dr6 = (xv->dr6 & ~KVMX_DR6_TRAP_BITS) | bits;
	/* Entering the handler clears GD, so that it may use the DRs. */
	xv->dr7 &= ~KVMX_DR7_GD;
	kvmx_queue_exception(xv, X86_TRAP_DB, false, 0);
}

/*
 * A #DB intercepted in the guest; @dr6 is DR6 as the hardware left it,
 * starting from kvmx_dr6_for_entry().
 */
int kvmx_handle_db(struct kvmx_x86_vcpu *xv, u64 dr6)
{
	if (debug_to_user(xv))
		return kvmx_debug_exit(xv, X86_TRAP_DB, dr6);
	guest_db(xv, dr6 & ~KVMX_DR6_ACTIVE_LOW);
	return 1;
}

/*
 * Advance RIP past an instruction the kernel completed for the guest.  The
 * hardware did not run it, so a single-step trap it would have raised
 * (RFLAGS.TF set before it) is raised here: to userspace when it
 * single-steps the guest, else into the guest.
 */
int kvmx_skip_insn(struct kvmx_x86_vcpu *xv)
{
	bool tf = kvmx_x86->get_rflags(xv) & X86_EFLAGS_TF;
	int r = kvmx_x86->skip_insn(xv);

	if (r != 1 || !tf)
		return r;
	if (xv->guest_debug & KVM_GUESTDBG_SINGLESTEP)
		return kvmx_debug_exit(xv, X86_TRAP_DB,
				       KVMX_DR6_ACTIVE_LOW | DR_STEP);
	guest_db(xv, DR_STEP);
	return 1;
}

static int inject_gp(struct kvmx_x86_vcpu *xv)
{
	kvmx_queue_exception(xv, X86_TRAP_GP, true, 0);
	return 1;
}

/*
 * MOV to or from DR@dr, intercepted.  Checks in the SDM's order: #GP at
 * CPL > 0, #UD for DR4/DR5 with CR4.DE (else they alias DR6/DR7), then the
 * general-detect #DB when the effective DR7 has GD set.
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
	if (dr == 4 || dr == 5) {
		if (kvmx_x86->get_cr(xv, 4) & X86_CR4_DE) {
			kvmx_queue_exception(xv, X86_TRAP_UD, false, 0);
			return 1;
		}
		dr += 2;
	}
	if (kvmx_dr7_for_entry(xv) & KVMX_DR7_GD) {
		if (xv->guest_debug & KVM_GUESTDBG_USE_HW_BP)
			return kvmx_debug_exit(xv, X86_TRAP_DB,
					       KVMX_DR6_ACTIVE_LOW | KVMX_DR6_BD);
		guest_db(xv, KVMX_DR6_BD);
		return 1;
	}
	if (!write) {
		if (dr < 4)
			val = xv->db[dr];
		else if (dr == 6)
			val = xv->dr6;
		else
			val = xv->dr7;
		xv->regs[gpr] = val;
		return kvmx_skip_insn(xv);
	}
	val = xv->regs[gpr];
	if (!((xv->efer & EFER_LMA) && (insn.op_bytes == 8 || insn.rex & 8)))
		val = (u32)val;
	if (dr >= 6 && (val >> 32))
		return inject_gp(xv);
	if (dr < 4)
		xv->db[dr] = val;
	else if (dr == 6)
		xv->dr6 = val | KVMX_DR6_FIXED_1;
	else
		xv->dr7 = val | KVMX_DR7_FIXED_1;
	return kvmx_skip_insn(xv);
}

long kvmx_get_debugregs(struct kvmx_x86_vcpu *xv, struct kvm_debugregs __user *u)
{
	struct kvm_debugregs d = {};

	memcpy(d.db, xv->db, sizeof(d.db));
	d.dr6 = xv->dr6;
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
	xv->dr6 = d.dr6;
	xv->dr7 = d.dr7;
	return 0;
}

/* RFLAGS as userspace sees it: without the TF that single-stepping adds. */
u64 kvmx_get_rflags_user(struct kvmx_x86_vcpu *xv)
{
	u64 rflags = kvmx_x86->get_rflags(xv);

	if (xv->guest_debug & KVM_GUESTDBG_SINGLESTEP)
		rflags &= ~X86_EFLAGS_TF;
	return rflags;
}

void kvmx_set_rflags_user(struct kvmx_x86_vcpu *xv, u64 rflags)
{
	if (xv->guest_debug & KVM_GUESTDBG_SINGLESTEP)
		rflags |= X86_EFLAGS_TF;
	kvmx_x86->set_rflags(xv, rflags);
}

/*
 * KVM_SET_GUEST_DEBUG.  Without KVM_GUESTDBG_ENABLE everything is off.  The
 * INJECT flags queue #DB or #BP for the next entry (-EBUSY while another
 * exception is pending), whether or not debugging stays enabled.
 */
long kvmx_set_guest_debug(struct kvmx_x86_vcpu *xv,
			  struct kvm_guest_debug __user *u)
{
	struct kvm_guest_debug dbg;
	u64 rflags;

	if (!kvmx_x86->update_exception_intercepts)
		return -EINVAL;
	if (copy_from_user(&dbg, u, sizeof(dbg)))
		return -EFAULT;
	if (dbg.control & (KVM_GUESTDBG_INJECT_DB | KVM_GUESTDBG_INJECT_BP)) {
		if (xv->exception.pending)
			return -EBUSY;
		kvmx_queue_exception(xv, dbg.control & KVM_GUESTDBG_INJECT_DB ?
				     X86_TRAP_DB : X86_TRAP_BP, false, 0);
	}
	/* Read before the change, while an old single-step TF is hidden. */
	rflags = kvmx_get_rflags_user(xv);
	xv->guest_debug = dbg.control & KVM_GUESTDBG_ENABLE ?
			  dbg.control & KVMX_GUESTDBG_KNOWN : 0;
	if (xv->guest_debug & KVM_GUESTDBG_USE_HW_BP)
		memcpy(xv->guest_debug_dr, dbg.arch.debugreg,
		       sizeof(xv->guest_debug_dr));
	kvmx_set_rflags_user(xv, rflags);
	kvmx_x86->update_exception_intercepts(xv);
	return 0;
}
