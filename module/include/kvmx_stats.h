/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Statistics: the counters and exit-time histograms kept per VM and per
 * vCPU, exported through KVM_GET_STATS_FD in kvm's binary format and
 * through debugfs (kvmx/<pid>-<fd>/); Documentation/observability.rst.
 *
 * Writers update the counters without locks: a vCPU's counters only under
 * its vcpu->mutex (KVM_RUN), a VM's under the lock named at the field.
 * Readers copy the 64-bit values with READ_ONCE(): each value is exact,
 * a snapshot of several values is not atomic (kvm does the same).
 */
#ifndef KVMX_STATS_H
#define KVMX_STATS_H

#include <linux/tracepoint-defs.h>
#include <linux/types.h>

struct kvmx_vm;
struct kvmx_vcpu;
struct dentry;

/*
 * Exit kinds: vendor exit codes grouped by what the exit costs and why it
 * happens; each backend maps its exit codes to kinds and passes the kind
 * to kvmx_stat_exit().  KVMX_EXIT_MMIO is a TDP fault that found no memslot
 * (an MMIO access).
 */
enum kvmx_exit_kind {
	KVMX_EXIT_IO,
	KVMX_EXIT_MMIO,
	KVMX_EXIT_HLT,
	KVMX_EXIT_CPUID,
	KVMX_EXIT_MSR,
	KVMX_EXIT_TDP_FAULT,
	KVMX_EXIT_HYPERCALL,
	KVMX_EXIT_EXT_INTR,
	KVMX_EXIT_WINDOW,
	KVMX_EXIT_EXCEPTION,
	KVMX_EXIT_XSETBV,
	KVMX_EXIT_SHUTDOWN,
	KVMX_EXIT_OTHER,
	KVMX_NR_EXIT_KINDS,
};

/* Log2 buckets of exit handling time: bucket i counts [2^(i-1), 2^i). */
#define KVMX_STAT_HIST_BUCKETS	32

/* Which exit-code namespace a raw exit reason belongs to (as kvm's isa). */
enum kvmx_isa {
	KVMX_ISA_VMX = 1,
	KVMX_ISA_SVM = 2,
};

/**
 * struct kvmx_vm_stat - statistics of one VM (exported in this order)
 * @remote_tlb_flush:          TDP TLB flushes of all vCPUs (slots_lock)
 * @vcpus:                     vCPUs created (vm->lock)
 * @pid:                       creator's pid, for the id string (not
 *                             exported, set at creation)
 * @debugfs:                   kvmx/<pid>-<serial>/ directory, or NULL (not
 *                             exported; set at creation, gone at destroy)
 */
struct kvmx_vm_stat {
	u64 remote_tlb_flush;
	u64 vcpus;
	int pid;
	struct dentry *debugfs;
};

/**
 * struct kvmx_vcpu_stat - statistics of one vCPU (exported in this order)
 * @exits:        VM exits of any kind
 * @signal_exits: KVM_RUN returns with -EINTR (signal or immediate_exit)
 * @exits_kind:   VM exits per enum kvmx_exit_kind
 * @exit_cycles:  per kind, a log2 histogram of the TSC cycles from the VM
 *                exit to the end of its handling in the kernel (the time
 *                userspace spends on an exit to it is not included)
 * @exit_tsc:     TSC at the exit being handled (not exported)
 * @exit_kind:    kind of the exit being handled (not exported)
 * @in_exit:      an exit was recorded and its handling not yet timed
 * All fields are written under vcpu->mutex.
 */
struct kvmx_vcpu_stat {
	u64 exits;
	u64 signal_exits;
	u64 exits_kind[KVMX_NR_EXIT_KINDS];
	u64 exit_cycles[KVMX_NR_EXIT_KINDS][KVMX_STAT_HIST_BUCKETS];
	u64 exit_tsc;
	enum kvmx_exit_kind exit_kind;
	bool in_exit;
};

/* core/stats.c */
void kvmx_stats_init(void);
void kvmx_stats_exit(void);
long kvmx_vm_stats_fd(struct kvmx_vm *vm);
long kvmx_vcpu_stats_fd(struct kvmx_vcpu *vcpu);
void kvmx_stats_vm_created(struct kvmx_vm *vm);
void kvmx_stats_vm_destroyed(struct kvmx_vm *vm);
void kvmx_stats_vcpu_created(struct kvmx_vcpu *vcpu);
void kvmx_stats_reset(struct kvmx_vm *vm);
void kvmx_stat_hist_add(u64 *hist, u64 value);

/*
 * x86/trace.c: the hooks the run paths call (vcpu->mutex held).
 * kvmx_stat_exit():      right after a VM exit, with the vendor's exit
 *                        information (as kvm_exit has it; @isa is the
 *                        namespace of @reason) and the @kind the backend
 *                        classified it as (common code classifies no
 *                        vendor's exit codes): counts it, starts its
 *                        timing, traces kvmx_exit.  Inline in
 *                        kvmx_entry.h, as only the backends call it
 * kvmx_stat_exit_done(): after the vendor's run op returned @r: ends the
 *                        timing, traces PIO/MMIO exits to userspace
 * kvmx_stat_set_kind():  the handler found the exit is of another kind
 *                        (a TDP fault that is MMIO); inline in kvmx_x86.h
 * kvmx_stat_run_done():  KVM_RUN returns @r to userspace
 */
struct kvmx_x86_vcpu;
void __kvmx_trace_exit(struct kvmx_x86_vcpu *xv, enum kvmx_isa isa,
		       u32 reason, u64 info1, u64 info2, u32 intr_info,
		       u32 error_code);
void kvmx_stat_exit_done(struct kvmx_x86_vcpu *xv, int r);
void kvmx_stat_run_done(struct kvmx_x86_vcpu *xv, int r);
void __kvmx_trace_entry(struct kvmx_x86_vcpu *xv);
void __kvmx_trace_page_fault(struct kvmx_x86_vcpu *xv, u64 gpa,
			     u64 error_code);

/*
 * The tracepoints on every entry and TDP fault cost a call only while
 * someone traces them: the test is the tracepoint's static key, inline.
 */
DECLARE_TRACEPOINT(kvmx_entry);
DECLARE_TRACEPOINT(kvmx_exit);
DECLARE_TRACEPOINT(kvmx_page_fault);

static inline void kvmx_trace_entry(struct kvmx_x86_vcpu *xv)
{
	if (tracepoint_enabled(kvmx_entry))
		__kvmx_trace_entry(xv);
}

static inline void kvmx_trace_page_fault(struct kvmx_x86_vcpu *xv, u64 gpa,
					 u64 error_code)
{
	if (tracepoint_enabled(kvmx_page_fault))
		__kvmx_trace_page_fault(xv, gpa, error_code);
}

void kvmx_trace_inject(struct kvmx_x86_vcpu *xv, unsigned int type,
		       u8 vector, bool has_error, u32 error_code);

#endif
