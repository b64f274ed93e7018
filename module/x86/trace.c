// SPDX-License-Identifier: GPL-2.0
/*
 * The observation points of the run loop: the tracepoints of trace.h are
 * defined here, and the hooks the run paths call count and time each exit
 * for the statistics (kvmx_stats.h, Documentation/observability.rst).
 *
 * An exit is timed from kvmx_stat_exit(), called by the vendor right after
 * the VM exit (interrupts enabled again), to kvmx_stat_exit_done(), called
 * by the run loop when the vendor's run op returns: the whole in-kernel
 * handling, in TSC cycles.  Both run under vcpu->mutex on one host CPU
 * (preemption may move the task; the TSC is synchronised across CPUs on
 * every host kvmx supports, as kvm assumes).
 */
#include <linux/kvm.h>
#include <asm/msr.h>

#include "kvmx_x86.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

/* kvmx_stat_exit()'s tracing half (kvmx_entry.h), while kvmx_exit is on. */
void __kvmx_trace_exit(struct kvmx_x86_vcpu *xv, enum kvmx_isa isa,
		       u32 reason, u64 info1, u64 info2, u32 intr_info,
		       u32 error_code)
{
	trace_kvmx_exit(xv->vcpu->vcpu_id, xv->rip, isa, reason, info1, info2,
			intr_info, error_code);
}

static void trace_user_exit(struct kvmx_x86_vcpu *xv)
{
	struct kvmx_vcpu *vcpu = xv->vcpu;
	struct kvm_run *run = vcpu->run;
	u32 val = 0;
	u64 data = 0;

	if (run->exit_reason == KVM_EXIT_IO) {
		if (run->io.direction == KVM_EXIT_IO_OUT)
			memcpy(&val, (u8 *)vcpu->pio_data + run->io.data_offset,
			       min_t(u32, run->io.size, sizeof(val)));
		trace_kvmx_pio(vcpu->vcpu_id,
			       run->io.direction == KVM_EXIT_IO_IN,
			       run->io.port, run->io.size, run->io.count, val);
	} else if (run->exit_reason == KVM_EXIT_MMIO) {
		if (run->mmio.is_write)
			memcpy(&data, run->mmio.data,
			       min_t(u32, run->mmio.len, sizeof(data)));
		trace_kvmx_mmio(vcpu->vcpu_id, run->mmio.is_write,
				run->mmio.len, run->mmio.phys_addr, data);
	}
}

void kvmx_stat_exit_done(struct kvmx_x86_vcpu *xv, int r)
{
	struct kvmx_vcpu_stat *s = &xv->vcpu->stat;
	u64 cycles;

	if (!s->in_exit)
		return;		/* the run op returned without entering */
	cycles = rdtsc() - s->exit_tsc;
	s->in_exit = false;
	WRITE_ONCE(s->exits, s->exits + 1);
	WRITE_ONCE(s->exits_kind[s->exit_kind], s->exits_kind[s->exit_kind] + 1);
	kvmx_stat_hist_add(s->exit_cycles[s->exit_kind], cycles);
	if (r == 0 && trace_kvmx_pio_enabled())
		trace_user_exit(xv);
	else if (r == 0 && trace_kvmx_mmio_enabled())
		trace_user_exit(xv);
}

void kvmx_stat_run_done(struct kvmx_x86_vcpu *xv, int r)
{
	struct kvmx_vcpu_stat *s = &xv->vcpu->stat;

	if (r == -EINTR)
		WRITE_ONCE(s->signal_exits, s->signal_exits + 1);
}

void __kvmx_trace_entry(struct kvmx_x86_vcpu *xv)
{
	trace_kvmx_entry(xv->vcpu->vcpu_id, xv->rip, false);
}

/* A TDP fault, traced by the backend's handler (it knows where the gpa is). */
void __kvmx_trace_page_fault(struct kvmx_x86_vcpu *xv, u64 gpa,
			     u64 error_code)
{
	trace_kvmx_page_fault(xv->vcpu->vcpu_id, gpa, error_code);
}

void kvmx_trace_inject(struct kvmx_x86_vcpu *xv, unsigned int type,
		       u8 vector, bool has_error, u32 error_code)
{
	trace_kvmx_inject(xv->vcpu->vcpu_id, type, vector, has_error,
			  error_code);
}
