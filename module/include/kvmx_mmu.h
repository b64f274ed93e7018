/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VM's MMU: one object per VM (struct kvmx_mmu, mmu/mmu.c) that owns
 * the lock every paging structure is changed under, the host-mm
 * invalidation sequence (the MMU-notifier retry protocol) and the TLB
 * flush of every vCPU (a request), with two implementations behind one const table of
 * operations chosen per VM: nested paging (mmu/tdp.c, NPT or EPT tables)
 * and shadow paging (mmu/shadow.c).  Code outside module/mmu/ goes through
 * the kvmx_mmu_*() functions declared here, never into an
 * implementation's state.  See Documentation/mmu.rst, "The MMU object".
 */
#ifndef KVMX_MMU_H
#define KVMX_MMU_H

#include <linux/atomic.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include "kvmx_shadow.h"
#include "kvmx_tdp.h"
#include "kvmx_walk.h"	/* KVMX_PFERR_*: the error codes of page_fault */

struct kvmx_mmu;
struct kvmx_vm;
struct kvmx_x86_ops;
struct kvmx_x86_vcpu;

/**
 * struct kvmx_mmu_ops - one paging implementation
 * @vcpu_init:     set up a new vCPU's paging state (vm->lock held, before
 *                 the backend's vcpu_create); optional
 * @vcpu_free:     free a vCPU's paging state, its roots included; also on
 *                 a half-created vCPU; optional
 * @page_fault:    a fault the hardware reported while the guest ran: the
 *                 guest-physical address of an NPT/EPT fault, or the
 *                 linear address of a guest #PF (shadow paging), with the
 *                 #PF-format error code (KVMX_PFERR_*; nested paging reads
 *                 only KVMX_PFERR_WRITE).  vcpu->mutex held; exit-handler
 *                 contract (1 = resume, 0 = kvm_run filled, <0 = error)
 * @zap_range:     drop every mapping of the guest frames [gfn, gfn +
 *                 npages) (dropping more is allowed) and make every vCPU
 *                 flush before it enters again; takes @lock itself
 *                 (callers: memslot removal under slots_lock, the MMU
 *                 notifier under the memslots' SRCU read side)
 * @write_protect: make the next guest write to each frame @mask names
 *                 (bit i = gfn + i) fault, so it is logged; slots_lock
 *                 held; takes effect at the next kvmx_arch_flush_tlbs()
 * @commit_write_protect: before that flush, finish what @write_protect
 *                 left pending; optional
 * @load_root:     before each entry (vcpu->mutex held, may sleep): make
 *                 sure the vCPU has a root and say what the hardware runs
 *                 with; optional: the nested root is the same for every
 *                 entry (kvmx_mmu_nested_root())
 *
 * Chosen at VM creation (kvmx_mmu_init()) and, through
 * KVMX_CAP_SHADOW_PAGING, until the VM's first vCPU exists; fixed after.
 */
struct kvmx_mmu_ops {
	int (*vcpu_init)(struct kvmx_x86_vcpu *xv);
	void (*vcpu_free)(struct kvmx_x86_vcpu *xv);
	int (*page_fault)(struct kvmx_x86_vcpu *xv, u64 addr, u32 error_code);
	void (*zap_range)(struct kvmx_mmu *mmu, u64 gfn, u64 npages);
	void (*write_protect)(struct kvmx_mmu *mmu, u64 gfn, unsigned long mask);
	void (*commit_write_protect)(struct kvmx_mmu *mmu);
	int (*load_root)(struct kvmx_x86_vcpu *xv, struct kvmx_shadow_hw *hw);
};

extern const struct kvmx_mmu_ops kvmx_tdp_mmu_ops;
extern const struct kvmx_mmu_ops kvmx_shadow_mmu_ops;

/**
 * struct kvmx_mmu - one VM's MMU (kvmx_x86_vm.mmu)
 * @ops:       the paging implementation; set by kvmx_mmu_init(), changed
 *             only by KVMX_CAP_SHADOW_PAGING under kvmx_vm.lock while the
 *             VM has no vCPU (the VM-wide operations of both are safe on
 *             such a VM, so lockless readers may see either); read with
 *             READ_ONCE() where no vCPU can exist yet
 * @lock:      the MMU lock (spinlock, innermost of the VM's locks): every
 *             entry of the nested tables and of the shadow trees, the
 *             shadow-paging bookkeeping (protected guest tables, the list
 *             of vCPUs, tree ids) and @mn_seq, @mn_active.  Never held
 *             while sleeping: pages are looked up and table pages
 *             allocated before it is taken
 * @mn_seq:    bumped by every host mm invalidation, at its start and its
 *             end (@lock); a fault that sampled it (kvmx_mmu_seq_begin())
 *             before a bump must not install what it looked up
 * @mn_active: host mm invalidations in progress (@lock); no fault installs
 *             a mapping while one runs (kvmx_mmu_seq_retry())
 * @tdp:       nested paging's state: the NPT/EPT tables (mmu/tdp.c).  Set
 *             up for every VM, as the mode may change until the first
 *             vCPU; it stays empty under shadow paging
 * @shadow:    shadow paging's VM-wide state (mmu/shadow.c), guarded by
 *             @lock
 */
struct kvmx_mmu {
	const struct kvmx_mmu_ops *ops;
	spinlock_t lock;	/* the MMU lock: see above */
	unsigned long mn_seq;
	long mn_active;
	struct kvmx_tdp tdp;
	struct kvmx_shadow_vm shadow;
};

/*
 * Was the module loaded to use shadow paging with the backend @ops
 * (tdp=N, or the backend's own npt=N / ept=N)?
 */
bool kvmx_mmu_shadow_requested(const struct kvmx_x86_ops *ops);
/* Checked at module load: 0, or -EOPNOTSUPP after one pr_err line. */
int kvmx_mmu_check_backend(void);

int kvmx_mmu_init(struct kvmx_vm *vm);
void kvmx_mmu_destroy(struct kvmx_vm *vm);
/* KVM_ENABLE_CAP(KVMX_CAP_SHADOW_PAGING): 0 or -EINVAL. */
int kvmx_mmu_enable_shadow(struct kvmx_vm *vm, u64 on);
/* KVM_SET_NR_MMU_PAGES (0 or -EINVAL) and KVM_GET_NR_MMU_PAGES. */
long kvmx_mmu_set_nr_pages(struct kvmx_vm *vm, unsigned long nr);
long kvmx_mmu_get_nr_pages(struct kvmx_vm *vm);

/*
 * The vCPU side: the VM's implementation, through its ops (the vCPU keeps
 * them in kvmx_x86_vcpu.mmu).  kvmx_mmu_page_fault() and
 * kvmx_mmu_load_root() are inline in kvmx_x86.h.
 */
int kvmx_mmu_vcpu_init(struct kvmx_x86_vcpu *xv);
void kvmx_mmu_vcpu_free(struct kvmx_x86_vcpu *xv);

/* The implementations' own page fault and root load, for those wrappers. */
int kvmx_tdp_page_fault(struct kvmx_x86_vcpu *xv, u64 gpa, u32 error_code);
int kvmx_shadow_page_fault(struct kvmx_x86_vcpu *xv, u64 gva, u32 error_code);
int kvmx_shadow_load_root(struct kvmx_x86_vcpu *xv, struct kvmx_shadow_hw *hw);

/*
 * A translation was removed or restricted: KVMX_REQ_TLB_FLUSH on every
 * vCPU, which leaves guest mode and flushes its TLB tag before re-entry.
 */
void kvmx_mmu_flush(struct kvmx_mmu *mmu);

/* The NPT/EPT root's physical address, for the VMCB or VMCS (constant). */
static inline u64 kvmx_mmu_nested_root(const struct kvmx_mmu *mmu)
{
	return mmu->tdp.root_pa;
}

/*
 * The MMU-notifier retry protocol, for the implementations' fault paths:
 * sample the sequence before looking a page up, then, under @lock, install
 * nothing when kvmx_mmu_seq_retry() says the host changed meanwhile.
 */
static inline unsigned long kvmx_mmu_seq_begin(struct kvmx_mmu *mmu)
{
	unsigned long seq = READ_ONCE(mmu->mn_seq);

	/*
	 * Orders the sample before the page-table reads of the lookup
	 * (pairs with the lock that invalidations bump it under).
	 */
	smp_rmb();
	return seq;
}

static inline bool kvmx_mmu_seq_retry(struct kvmx_mmu *mmu, unsigned long seq)
{
	lockdep_assert_held(&mmu->lock);
	return mmu->mn_active || mmu->mn_seq != seq;
}

#endif
