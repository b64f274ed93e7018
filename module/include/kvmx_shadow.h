/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shadow paging: the hardware walks tables that kvmx builds from the
 * guest's own page tables, for CPUs (or module loads, npt=N / tdp=N) that
 * do not use two-dimensional paging.  Trees cached per guest CR3 over
 * write-protected guest page tables; see Documentation/mmu.rst, "Shadow
 * paging", for the design and what a backend must do.
 */
#ifndef KVMX_SHADOW_H
#define KVMX_SHADOW_H

#include <linux/hashtable.h>
#include <linux/list.h>
#include <linux/types.h>

struct kvmx_vm;
struct kvmx_x86_vcpu;
struct kvmx_x86_ops;

/**
 * struct kvmx_shadow_vm - a VM's shadow-paging state
 * @enabled:    the VM uses shadow paging; fixed at VM creation from the
 *              module parameters (tdp, npt)
 * @vcpus:      every vCPU's struct kvmx_shadow_vcpu (tdp.lock)
 * @wp_pending: write protection was asked for (dirty logging) and is done
 *              by the next kvmx_arch_flush_tlbs() in one pass (tdp.lock)
 * @wp:         the write-protected guest page tables, by gfn (tdp.lock)
 * @nr_wp:      how many (tdp.lock)
 * @pt_seq:     bumped by every emulated write to, or unprotection of, a
 *              protected table, and when newly protected tables stop
 *              being pending (tdp.lock)
 * @ids:        the tree ids in use, a bit each (tdp.lock)
 */
struct kvmx_shadow_vm {
	bool enabled;
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

/*
 * Was the module loaded to use shadow paging with @ops (tdp=N, npt=N on
 * SVM, ept=N on VMX)?
 */
bool kvmx_shadow_requested(const struct kvmx_x86_ops *ops);
/* Checked at module load: 0, or -EOPNOTSUPP after one pr_err line. */
int kvmx_shadow_check_backend(void);

void kvmx_shadow_vm_init(struct kvmx_vm *vm);
/* KVM_ENABLE_CAP(KVMX_CAP_SHADOW_PAGING): 0 or -EINVAL. */
int kvmx_shadow_enable_cap(struct kvmx_vm *vm, u64 on);
int kvmx_shadow_vcpu_init(struct kvmx_x86_vcpu *xv);
void kvmx_shadow_vcpu_destroy(struct kvmx_x86_vcpu *xv);

/* The guest's CR0, CR3 and CR4 (other registers: not kept here). */
u64 kvmx_shadow_get_cr(struct kvmx_x86_vcpu *xv, int cr);
/*
 * Store a guest CR0/CR3/CR4 without checks (userspace, RESET, or after
 * kvmx_shadow_write_cr()); cached translations go when they may change.
 */
void kvmx_shadow_set_cr(struct kvmx_x86_vcpu *xv, int cr, u64 val);
/* The guest's own MOV CR3, checked: resume a cached tree where valid. */
void kvmx_shadow_guest_cr3(struct kvmx_x86_vcpu *xv, u64 val);
/* EFER changed (xv->efer holds the new value). */
void kvmx_shadow_efer_changed(struct kvmx_x86_vcpu *xv);

/* Before each entry: make sure a root exists and say what to load. */
int kvmx_shadow_load(struct kvmx_x86_vcpu *xv, struct kvmx_shadow_hw *hw);

/* Exit handlers (1 = resume, 0 = kvm_run filled, <0 = error). */
int kvmx_shadow_page_fault(struct kvmx_x86_vcpu *xv, u64 gva, u32 error_code);
int kvmx_shadow_invlpg(struct kvmx_x86_vcpu *xv);
/* The same with the linear address known (VMX's exit qualification). */
int kvmx_shadow_invlpg_at(struct kvmx_x86_vcpu *xv, u64 la);
int kvmx_shadow_cr_access(struct kvmx_x86_vcpu *xv);

/* INVLPG's operand at RIP as a linear address (false: not worked out). */
bool kvmx_shadow_invlpg_address(struct kvmx_x86_vcpu *xv, u64 *la);
/* A decoded instruction's memory operand as a linear address (any mode). */
struct kvmx_insn;
bool kvmx_insn_linear_address(struct kvmx_x86_vcpu *xv,
			      const struct kvmx_insn *insn, u64 *la);
/* A guest CR write with the architectural checks: 0, or 1 for #GP(0). */
int kvmx_shadow_write_cr(struct kvmx_x86_vcpu *xv, int cr, u64 val);

/* Host-side changes: drop every shadow leaf / write-protect them. */
void kvmx_shadow_zap_all(struct kvmx_vm *vm);
void kvmx_shadow_write_protect(struct kvmx_vm *vm);
void kvmx_shadow_flush_pending(struct kvmx_vm *vm);

#endif
