/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The vendor-neutral VM entry sequence, written once and instantiated by
 * each backend: its enter_guest op is kvmx_enter_guest(xv, &its_ops).
 * Only module/svm/ and module/vmx/ include this; module/x86/entry.c owns
 * the run loop, the requests and the helpers declared here.
 */
#ifndef KVMX_ENTRY_H
#define KVMX_ENTRY_H

#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/kvm_para.h>
#include <linux/sched/signal.h>
#include <asm/fpu/api.h>
#include <asm/msr.h>
#include <asm/nospec-branch.h>

#include "kvmx_stats.h"
#include "kvmx_x86.h"

/*
 * The vCPU that entered the guest last on each CPU: another vCPU coming
 * takes an IBPB first.  Accessed by the owning CPU with preemption
 * disabled, but for kvmx_entry_vcpu_destroy()'s cmpxchg.
 */
DECLARE_PER_CPU(struct kvmx_x86_vcpu *, kvmx_last_vcpu);

/*
 * Shadow paging: the root and registers of this entry (may sleep).  Part
 * of the sequence below, so its hooks are direct calls too.
 */
static __always_inline int kvmx_entry_load_shadow(struct kvmx_x86_vcpu *xv,
						  const struct kvmx_x86_ops *ops)
{
	int r;

	if (ops->shadow_prepare) {
		r = ops->shadow_prepare(xv);
		if (r)
			return r;
	}
	r = kvmx_mmu_load_root(xv, &xv->shadow_hw);
	if (r)
		return r;
	if (xv->shadow_hw.flush)
		ops->flush_tlb_guest(xv);
	return 0;
}

/*
 * Around the KVM_RUN loop (entry.c), inline as they run on every exit to
 * userspace: the preempt notifier of steal time and of the preempted flag
 * (x86/pv.c's pv_preempt_ops) is registered while the vCPU runs, as kvm
 * registers its own in vcpu_load.
 */
static __always_inline void kvmx_pv_run_begin(struct kvmx_x86_vcpu *xv)
{
	preempt_disable();
	preempt_notifier_register(&xv->pv.notifier);
	preempt_enable();
	/* kvm updates the structure each time the vCPU is loaded. */
	if (xv->pv.steal_msr & KVM_MSR_ENABLED)
		kvmx_make_request(KVMX_REQ_STEAL_UPDATE, xv->vcpu);
}

static __always_inline void kvmx_pv_run_end(struct kvmx_x86_vcpu *xv)
{
	preempt_disable();
	preempt_notifier_unregister(&xv->pv.notifier);
	preempt_enable();
	WRITE_ONCE(xv->pv.preempted, false);
}

/*
 * PV EOI around each entry (x86/pv.c): a test of the vCPU's state inline,
 * a call only for a guest that enabled it.
 */
static __always_inline void kvmx_pv_eoi_before_entry(struct kvmx_x86_vcpu *xv)
{
	if (unlikely(xv->pv.pv_eoi_msr & KVM_MSR_ENABLED))
		__kvmx_pv_eoi_before_entry(xv);
}

static __always_inline void kvmx_pv_eoi_after_exit(struct kvmx_x86_vcpu *xv)
{
	if (unlikely(xv->pv.pv_eoi_pending))
		__kvmx_pv_eoi_after_exit(xv);
}

/* Right after an exit, by the backend's handle_exit op (kvmx_stats.h). */
static __always_inline void kvmx_stat_exit(struct kvmx_x86_vcpu *xv,
					   enum kvmx_isa isa,
					   enum kvmx_exit_kind kind,
					   u32 reason, u64 info1, u64 info2,
					   u32 intr_info, u32 error_code)
{
	struct kvmx_vcpu_stat *s = &xv->vcpu->stat;

	s->exit_tsc = rdtsc();
	s->exit_kind = kind;
	s->in_exit = true;
	if (tracepoint_enabled(kvmx_exit))
		__kvmx_trace_exit(xv, isa, reason, info1, info2, intr_info,
				  error_code);
}

/*
 * Enter the guest once and handle the exit; KVMX_EXIT_* or -errno.
 * Requests were consumed just before (kvmx_process_requests()).  @ops is
 * the calling backend's own table, a compile-time constant there, so the
 * compiler turns every hook into a direct call (or inlines it): no
 * indirect call on the entry path but the one into the backend's
 * enter_guest op.
 */
static __always_inline int kvmx_enter_guest(struct kvmx_x86_vcpu *xv,
					    const struct kvmx_x86_ops *ops)
{
	struct kvmx_vcpu *vcpu = xv->vcpu;
	bool flush_l1d;
	int r;

	if (xv->triple_fault) {
		xv->triple_fault = false;
		return ops->triple_fault ? ops->triple_fault(xv) :
		       kvmx_handle_shutdown(xv);
	}
	if (xv->shadow) {
		r = kvmx_entry_load_shadow(xv, ops);
		if (r)
			return r;
	}

	preempt_disable();
	if (ops->vcpu_load)
		ops->vcpu_load(xv);
	local_irq_disable();
	if (need_resched() || signal_pending(current) ||
	    READ_ONCE(vcpu->requests)) {
		local_irq_enable();
		preempt_enable();
		/* The host runs other code before the next attempt. */
		xv->l1d_flush = true;
		return KVMX_EXIT_RESUME;	/* the run loop comes back */
	}

	if (ops->clear_event)
		ops->clear_event(xv);
	kvmx_inject_pending_event(xv);
	if (unlikely(xv->soft_event.pending)) {
		/* Written to guest memory, which may fault: not here. */
		local_irq_enable();
		preempt_enable();
		xv->soft_event.pending = false;
		ops->rmode_event(xv, xv->soft_event.vector);
		return KVMX_EXIT_RESUME;
	}
	kvmx_pv_eoi_before_entry(xv);	/* after the injection, as in kvm */
	if (this_cpu_read(kvmx_last_vcpu) != xv) {
		/* Another vCPU's branch predictions must not steer this one. */
		indirect_branch_prediction_barrier();
		this_cpu_write(kvmx_last_vcpu, xv);
	}
	if (test_thread_flag(TIF_NEED_FPU_LOAD))
		switch_fpu_return();
	kvmx_load_guest_xcr0(xv, true);
	kvmx_load_guest_debug(xv, true);
	flush_l1d = ops->l1d_flush && xv->l1d_flush;
	xv->l1d_flush = false;

	kvmx_trace_entry(xv);
	ops->run(xv, flush_l1d);

	kvmx_load_guest_debug(xv, false);
	kvmx_load_guest_xcr0(xv, false);
	if (ops->handle_exit_irqoff)
		ops->handle_exit_irqoff(xv);
	local_irq_enable();
	preempt_enable();

	kvmx_pv_eoi_after_exit(xv);	/* the guest's PV EOI precedes the exit's work */
	r = ops->handle_exit(xv);
	if (r <= 0)	/* userspace runs before the next entry */
		xv->l1d_flush = true;
	return r;
}

#endif /* KVMX_ENTRY_H */
