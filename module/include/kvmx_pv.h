/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvm's paravirtual interface (module/x86/pv.c): the feature leaf
 * KVM_CPUID_FEATURES, KVM_CAP_ENFORCE_PV_FEATURE_CPUID, the PV MSRs other
 * than kvmclock's (steal time, PV EOI, async page faults, poll control)
 * and the hypercalls KVM_HC_KICK_CPU, KVM_HC_SEND_IPI and
 * KVM_HC_SCHED_YIELD.  See Documentation/api.rst, "Paravirtual interface".
 */
#ifndef KVMX_PV_H
#define KVMX_PV_H

#include <linux/preempt.h>
#include <linux/types.h>

struct kvmx_x86_vcpu;

/**
 * struct kvmx_pv - one vCPU's paravirtual state
 * @enforce:       KVM_CAP_ENFORCE_PV_FEATURE_CPUID is on: a PV MSR or
 *                 hypercall whose feature bit the vCPU's CPUID leaf
 *                 0x40000001 lacks is refused
 * @async_pf_en, @async_pf_int: MSR_KVM_ASYNC_PF_EN / _INT as written
 *                 (stored only: kvmx never makes a page fault asynchronous)
 * @steal_msr:     MSR_KVM_STEAL_TIME: the struct kvm_steal_time's address,
 *                 bit 0 enabling it
 * @last_steal:    the run_delay of the vCPU's task already added to the
 *                 guest's steal field (0 at creation, as in kvm)
 * @st_preempted:  KVM_VCPU_PREEMPTED was written to the guest's page
 *                 since the last update (sched_out, atomic context)
 * @at_boundary:   the run loop is at its preemption point, between two
 *                 guest instructions: only there is a preemption shown to
 *                 the guest (set and read by the vCPU's own task)
 * @pv_eoi_msr:    MSR_KVM_PV_EOI_EN: the guest byte's address, bit 0
 *                 enabling it
 * @pv_eoi_pending: this entry set the guest's PV EOI byte for the highest
 *                 in-service vector (until the exit is handled)
 * @poll_control:  MSR_KVM_POLL_CONTROL (bit 0; 1 at creation)
 * @unhalted:      KVM_HC_KICK_CPU reached this vCPU: its next halt (or the
 *                 current one) ends; written by other vCPUs (WRITE_ONCE),
 *                 cleared by the owner when it leaves the halted state
 * @preempted:     the vCPU's task was preempted while in KVM_RUN (sched_out
 *                 with the task still runnable): a target for
 *                 KVM_HC_SCHED_YIELD; read by other vCPUs
 * @notifier:      registered on the task for the duration of KVM_RUN
 *
 * All but @unhalted, @preempted and @st_preempted are protected by
 * vcpu->mutex.
 */
struct kvmx_pv {
	bool enforce;
	u64 async_pf_en;
	u64 async_pf_int;
	u64 steal_msr;
	u64 last_steal;
	bool st_preempted;
	bool at_boundary;
	u64 pv_eoi_msr;
	bool pv_eoi_pending;
	u64 poll_control;
	bool unhalted;
	bool preempted;
	struct preempt_notifier notifier;
};

/* The leaf 0x40000001 EAX that KVM_GET_SUPPORTED_CPUID reports. */
u32 kvmx_pv_supported_features(void);
/* KVM_ENABLE_CAP(KVM_CAP_ENFORCE_PV_FEATURE_CPUID) on the vCPU. */
void kvmx_pv_set_enforce(struct kvmx_x86_vcpu *xv, bool enforce);
void kvmx_pv_vcpu_create(struct kvmx_x86_vcpu *xv);
void kvmx_pv_vcpu_destroy(struct kvmx_x86_vcpu *xv);
/* INIT and RESET: the PV MSRs go back to 0 (not poll control). */
void kvmx_pv_reset(struct kvmx_x86_vcpu *xv);
/*
 * The PV MSRs: 0 done, KVMX_MSR_INVALID / KVMX_MSR_UNKNOWN refused,
 * -ENOENT if @index is none of them (kvmclock's MSRs are refused here
 * when enforcement denies them, else passed on with -ENOENT).
 */
int kvmx_pv_get_msr(struct kvmx_x86_vcpu *xv, u32 index, u64 *data);
int kvmx_pv_set_msr(struct kvmx_x86_vcpu *xv, u32 index, u64 data);
/* A KVM hypercall other than KVM_HC_VAPIC_POLL_IRQ: its return value. */
u64 kvmx_pv_hypercall(struct kvmx_x86_vcpu *xv, u64 nr, u64 a0, u64 a1,
		      u64 a2, u64 a3, bool op_64_bit);
/*
 * A #UD exit: the other vendor's hypercall instruction is replaced by the
 * native one, whose ModRM byte is @native (VMCALL 0xc1, VMMCALL 0xd9),
 * and runs again; any other #UD goes to the guest.  KVMX_EXIT_* contract.
 */
/* KVM_RUN begins / ends on this task. */
/* KVMX_REQ_STEAL_UPDATE: rewrite the steal-time structure. */
void kvmx_pv_record_steal(struct kvmx_x86_vcpu *xv);
/*
 * The PV EOI byte, in the entry sequence (kvmx_entry.h): set after the
 * event injection (interrupts off), taken back after the exit, before its
 * handler.
 */
/* Called through the inline tests of kvmx_entry.h, when PV EOI is on. */
void __kvmx_pv_eoi_before_entry(struct kvmx_x86_vcpu *xv);
void __kvmx_pv_eoi_after_exit(struct kvmx_x86_vcpu *xv);

#endif
