/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shadow paging: the hardware walks tables that kvmx builds from the
 * guest's own page tables, for CPUs (or module loads, npt=N / tdp=N) that
 * do not use two-dimensional paging.  Trees cached per guest CR3 over
 * write-protected guest page tables; see Documentation/mmu.rst, "Shadow
 * paging", for the design and what a backend must do.  One of the two
 * implementations of the VM's MMU (kvmx_mmu.h): its page fault, root load
 * and VM-wide operations are reached through kvmx_shadow_mmu_ops; the
 * functions below are the shadow-only exits and register accesses a
 * backend calls while its vCPU is shadow-paged (kvmx_x86_vcpu.shadow set).
 */
#ifndef KVMX_SHADOW_H
#define KVMX_SHADOW_H

#include <linux/hashtable.h>
#include <linux/list.h>
#include <linux/types.h>

struct kvmx_x86_vcpu;

/**
 * struct kvmx_shadow_vm - a VM's shadow-paging state (kvmx_mmu.shadow)
 * @vcpus:      every vCPU's struct kvmx_shadow_vcpu (mmu lock)
 * @wp_pending: write protection was asked for (dirty logging) and is done
 *              by the next kvmx_arch_flush_tlbs() in one pass (mmu lock)
 * @wp:         the write-protected guest page tables, by gfn (mmu lock)
 * @nr_wp:      how many (mmu lock)
 * @pt_seq:     bumped by every emulated write to, or unprotection of, a
 *              protected table, and when newly protected tables stop
 *              being pending (mmu lock)
 * @ids:        the tree ids in use, a bit each (mmu lock)
 *
 * "mmu lock" is kvmx_mmu.lock of the VM's MMU.
 */
struct kvmx_shadow_vm {
	struct list_head vcpus;
	bool wp_pending;
	DECLARE_HASHTABLE(wp, 10);
	unsigned long nr_wp;
	unsigned long pt_seq;
	u64 ids;
};

/**
 * struct kvmx_shadow_hw - what the hardware runs with in shadow mode
 * @cr0:   CR0 for the VMCB/VMCS guest-state field
 * @cr3:   CR3 (the shadow root)
 * @cr4:   CR4
 * @efer:  EFER
 * @flush: the vCPU's TLB tag must be flushed before this entry
 */
struct kvmx_shadow_hw {
	u64 cr0;
	u64 cr3;
	u64 cr4;
	u64 efer;
	bool flush;
};

/* At VM creation (kvmx_mmu_init()), whatever the VM's paging mode. */
void kvmx_shadow_vm_init(struct kvmx_shadow_vm *svm);

/* The guest's CR0, CR3 and CR4 (other registers: not kept here). */
u64 kvmx_shadow_get_cr(struct kvmx_x86_vcpu *xv, int cr);
/*
 * Store a guest CR0/CR3/CR4 without checks (userspace, RESET, or after
 * kvmx_write_cr()); cached translations go when they may change.
 */
void kvmx_shadow_set_cr(struct kvmx_x86_vcpu *xv, int cr, u64 val);
/* The guest's own MOV CR3, checked: resume a cached tree where valid. */
void kvmx_shadow_guest_cr3(struct kvmx_x86_vcpu *xv, u64 val);
/* EFER changed (xv->efer holds the new value). */
void kvmx_shadow_efer_changed(struct kvmx_x86_vcpu *xv);

/* Exit handlers (1 = resume, 0 = kvm_run filled, <0 = error). */
int kvmx_shadow_invlpg(struct kvmx_x86_vcpu *xv);
/* The same with the linear address known (VMX's exit qualification). */
int kvmx_shadow_invlpg_at(struct kvmx_x86_vcpu *xv, u64 la);
/* The guest's whole TLB goes without an exit (PV TLB flush). */
void kvmx_shadow_flush_guest(struct kvmx_x86_vcpu *xv);

/* INVLPG's operand at RIP as a linear address (false: not worked out). */
bool kvmx_shadow_invlpg_address(struct kvmx_x86_vcpu *xv, u64 *la);
/* A decoded instruction's memory operand as a linear address (any mode). */
struct kvmx_insn;
bool kvmx_insn_linear_address(struct kvmx_x86_vcpu *xv,
			      const struct kvmx_insn *insn, u64 *la);

#endif
