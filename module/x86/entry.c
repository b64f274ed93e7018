// SPDX-License-Identifier: GPL-2.0
/*
 * The VM entry sequence, once for both vendors, and the vCPU requests.
 *
 * kvmx_arch_vcpu_run(), the KVM_RUN loop, calls kvmx_process_requests() and
 * then the backend's enter_guest op for every entry.  That op is the one
 * sequence of kvmx_entry.h, kvmx_enter_guest(), instantiated by each
 * backend with its own ops so that the hooks are direct calls.  The
 * backends provide only the world switch and the exit decoding (struct
 * kvmx_x86_ops: run, handle_exit) and a few hooks at fixed points of the
 * sequence; the order of everything else is kvmx_entry.h's.
 */
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/sched/signal.h>
#include <linux/smp.h>
#include <asm/fpu/api.h>
#include <asm/nospec-branch.h>

#include "kvmx_arch.h"
#include "kvmx_compat.h"
#include "kvmx_entry.h"
#include "kvmx_irqchip.h"
#include "kvmx_x86.h"

/* The last vCPU to enter on each CPU (kvmx_entry.h). */
DEFINE_PER_CPU(struct kvmx_x86_vcpu *, kvmx_last_vcpu);

static void kick(void *unused)
{
}

/*
 * Make @req on every vCPU of @vm and force the vCPUs in guest mode out:
 * when this returns, every vCPU either has exited since the request was
 * made or will see it before its next entry.
 */
void kvmx_make_all_vcpus_request(struct kvmx_vm *vm, enum kvmx_request req)
{
	/* Pairs with vCPU creation: vcpus[i] is set before nr_vcpus. */
	int i, n = smp_load_acquire(&vm->nr_vcpus);

	for (i = 0; i < n; i++)
		kvmx_make_request(req, vm->vcpus[i]);
	/*
	 * A vCPU that checked its requests with interrupts off before the bit
	 * was set takes this IPI in guest mode, which exits; the wait makes
	 * that exit happen before we return.
	 */
	on_each_cpu(kick, NULL, 1);
}

/* Before an entry, preemptible: the one place requests are consumed. */
static void kvmx_process_requests(struct kvmx_x86_vcpu *xv)
{
	struct kvmx_vcpu *vcpu = xv->vcpu;

	if (kvmx_check_request(KVMX_REQ_MSR_FILTER, vcpu) &&
	    kvmx_x86->msr_filter_changed)
		kvmx_x86->msr_filter_changed(xv);
	if (kvmx_check_request(KVMX_REQ_CLOCK_UPDATE, vcpu))
		kvmx_kvmclock_update(xv);
	if (kvmx_check_request(KVMX_REQ_STEAL_UPDATE, vcpu))
		kvmx_pv_record_steal(xv);
	if (kvmx_check_request(KVMX_REQ_TLB_FLUSH, vcpu))
		kvmx_x86->flush_tlb(xv);
	if (kvmx_check_request(KVMX_REQ_TLB_FLUSH_GUEST, vcpu))
		kvmx_x86->flush_tlb_guest(xv);
}

/* Forget @xv in every CPU's IBPB decision (the vCPU is freed). */
void kvmx_entry_vcpu_destroy(struct kvmx_x86_vcpu *xv)
{
	int cpu;

	for_each_possible_cpu(cpu)
		cmpxchg(per_cpu_ptr(&kvmx_last_vcpu, cpu), xv, NULL);
}

/* Virtualization was (re)enabled on this CPU: the next vCPU takes an IBPB. */
void kvmx_entry_hw_enable_cpu(void)
{
	this_cpu_write(kvmx_last_vcpu, NULL);
}

/*
 * KVM_CAP_SYNC_REGS: load the register sets userspace marked dirty in
 * kvm_run.s.regs (each bit cleared once loaded) ...
 */
static int sync_regs_in(struct kvmx_x86_vcpu *xv, struct kvm_run *run)
{
	struct kvm_sync_regs *s = &run->s.regs;

	if (run->kvm_dirty_regs & KVM_SYNC_X86_REGS) {
		kvmx_set_regs(xv, &s->regs);
		run->kvm_dirty_regs &= ~KVM_SYNC_X86_REGS;
	}
	if (run->kvm_dirty_regs & KVM_SYNC_X86_SREGS) {
		if (kvmx_set_sregs(xv, &s->sregs))
			return -EINVAL;
		run->kvm_dirty_regs &= ~KVM_SYNC_X86_SREGS;
	}
	if (run->kvm_dirty_regs & KVM_SYNC_X86_EVENTS) {
		if (kvmx_set_events(xv, &s->events))
			return -EINVAL;
		run->kvm_dirty_regs &= ~KVM_SYNC_X86_EVENTS;
	}
	return 0;
}

/* ... and store the sets it asked for when KVM_RUN returns. */
static void sync_regs_out(struct kvmx_x86_vcpu *xv, struct kvm_run *run)
{
	struct kvm_sync_regs *s = &run->s.regs;

	if (run->kvm_valid_regs & KVM_SYNC_X86_REGS)
		kvmx_get_regs(xv, &s->regs);
	if (run->kvm_valid_regs & KVM_SYNC_X86_SREGS)
		kvmx_get_sregs(xv, &s->sregs);
	if (run->kvm_valid_regs & KVM_SYNC_X86_EVENTS)
		kvmx_get_events(xv, &s->events);
}

/*
 * KVM_RUN: finish what the last exit to userspace left open, then enter the
 * guest until an exit needs userspace, a signal arrives, or an error occurs.
 */
int kvmx_arch_vcpu_run(struct kvmx_vcpu *vcpu)
{
	struct kvmx_x86_vcpu *xv = to_x86(vcpu);
	struct kvm_run *run = vcpu->run;
	int r;

	if ((run->kvm_valid_regs | run->kvm_dirty_regs) &
	    ~(u64)KVM_SYNC_X86_VALID_FIELDS)
		return -EINVAL;
	if (run->kvm_dirty_regs) {
		r = sync_regs_in(xv, run);
		if (r)
			goto out;
	}

	r = kvmx_complete_userspace_io(xv);
	if (r <= 0)
		goto out;

	/*
	 * immediate_exit returns before entering and, as in kvm, leaves
	 * exit_reason as it was: userspace completes a PIO or MMIO exit this
	 * way and may still look at that exit afterwards.
	 */
	if (kvmx_run_immediate_exit(run)) {
		r = -EINTR;
		goto out;
	}

	fpu_swap_kvm_fpstate(&xv->guest_fpu, true);
	kvmx_pv_run_begin(xv);
	for (;;) {
		if (signal_pending(current)) {
			run->exit_reason = KVM_EXIT_INTR;
			r = -EINTR;
			break;
		}
		r = kvmx_irqchip_before_entry(xv);
		if (r <= 0)
			break;
		if (READ_ONCE(vcpu->requests))
			kvmx_process_requests(xv);
		/*
		 * The one preemption point the guest may be told about (steal
		 * time's preempted byte): the last exit is handled, the vCPU
		 * is between two instructions (kvm: after a host interrupt).
		 */
		xv->pv.at_boundary = true;
		cond_resched();
		xv->pv.at_boundary = false;
		xv->ran = true;
		kvmx_lapic_sync_to_vapic(xv);
		r = kvmx_x86->enter_guest(xv);
		kvmx_lapic_sync_from_vapic(xv);
		kvmx_stat_exit_done(xv, r);
		if (r <= 0)
			break;
		if (kvmx_irq_window_exit(xv)) {
			r = KVMX_EXIT_USER;
			break;
		}
	}
	kvmx_pv_run_end(xv);
	fpu_swap_kvm_fpstate(&xv->guest_fpu, false);
out:
	kvmx_stat_run_done(xv, r);
	kvmx_post_run_save(xv);
	if (run->kvm_valid_regs)
		sync_regs_out(xv, run);
	return r;
}
