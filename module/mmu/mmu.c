// SPDX-License-Identifier: GPL-2.0
/*
 * The VM's MMU object (struct kvmx_mmu): the paging mode chosen per VM,
 * the lock, the host-mm invalidation sequence and the VM-wide TLB flush, and
 * the architecture hooks through which the core's memslot, dirty-log and
 * MMU-notifier code reaches the paging implementation (nested: tdp.c,
 * shadow: shadow.c).
 */
#define pr_fmt(fmt) "kvmx: " fmt

#include <linux/module.h>
#include <linux/slab.h>
#include <linux/smp.h>

#include "kvmx_arch.h"
#include "kvmx_mmu.h"
#include "kvmx_x86.h"

/* The backends' own switches are npt (svm/svm.c) and ept (vmx/vmx.c). */
static bool tdp = true;
module_param(tdp, bool, 0444);
MODULE_PARM_DESC(tdp,
		 "use two-dimensional paging (NPT/EPT); N: shadow paging for every VM created while loaded");

bool kvmx_mmu_shadow_requested(const struct kvmx_x86_ops *ops)
{
	return !tdp || !*ops->nested_paging;
}

int kvmx_mmu_check_backend(void)
{
	if (!kvmx_mmu_shadow_requested(kvmx_x86))
		return 0;
	if (!kvmx_x86->shadow_paging) {
		pr_err("tdp=N: %s cannot use shadow paging yet\n",
		       kvmx_x86->name);
		return -EOPNOTSUPP;
	}
	/* sysfs shows what is in force (the KVM selftests read npt). */
	tdp = false;
	*kvmx_x86->nested_paging = false;
	pr_info("shadow paging for every VM (tdp=N)\n");
	return 0;
}

int kvmx_mmu_init(struct kvmx_vm *vm)
{
	struct kvmx_mmu *mmu = kvmx_vm_mmu(vm);
	int r;

	r = kvmx_tdp_init(&mmu->tdp, kvmx_x86->tdp_format);
	if (r)
		return r;
	spin_lock_init(&mmu->lock);
	kvmx_shadow_vm_init(&mmu->shadow);
	mmu->ops = kvmx_mmu_shadow_requested(kvmx_x86) ? &kvmx_shadow_mmu_ops
						       : &kvmx_tdp_mmu_ops;
	return 0;
}

/* Every vCPU is gone (their paging state with them) and so is the notifier. */
void kvmx_mmu_destroy(struct kvmx_vm *vm)
{
	kvmx_tdp_destroy(&kvmx_vm_mmu(vm)->tdp);
}

int kvmx_mmu_enable_shadow(struct kvmx_vm *vm, u64 on)
{
	int r = 0;

	if (on > 1 || (on && !kvmx_x86->shadow_paging))
		return -EINVAL;
	mutex_lock(&vm->lock);
	/* A vCPU's paging is set up when it is created: too late then. */
	if (vm->nr_vcpus)
		r = -EINVAL;
	else
		WRITE_ONCE(kvmx_vm_mmu(vm)->ops,
			   on ? &kvmx_shadow_mmu_ops : &kvmx_tdp_mmu_ops);
	mutex_unlock(&vm->lock);
	return r;
}

/* kvm's floor for KVM_SET_NR_MMU_PAGES, and its default: 1 per 50 pages. */
#define KVMX_MIN_MMU_PAGES		64
#define KVMX_SLOT_PAGES_PER_MMU_PAGE	50

/*
 * KVM_SET_NR_MMU_PAGES: the most page-table pages the VM's MMU may use.
 * Shadow paging keeps each vCPU's trees within it (mmu/shadow.c); the
 * nested-paging tables are sized by the guest-physical space alone, so
 * there the value is only recorded and reported, as kvm's TDP MMU does.
 */
long kvmx_mmu_set_nr_pages(struct kvmx_vm *vm, unsigned long nr)
{
	if (nr < KVMX_MIN_MMU_PAGES)
		return -EINVAL;
	mutex_lock(&vm->slots_lock);
	WRITE_ONCE(to_x86_vm(vm)->nr_mmu_pages, nr);
	mutex_unlock(&vm->slots_lock);
	return 0;
}

/*
 * KVM_GET_NR_MMU_PAGES: the value set, else kvm's default for the memory
 * the memslots hold (none: 0).  TODO: kvm keeps its default of 64 once
 * every memslot is deleted again; kvmx then reports 0.
 */
long kvmx_mmu_get_nr_pages(struct kvmx_vm *vm)
{
	const struct kvmx_memslots *slots;
	unsigned long nr;
	u64 pages = 0;
	int i, nr_slots;

	mutex_lock(&vm->slots_lock);
	nr = to_x86_vm(vm)->nr_mmu_pages;
	slots = rcu_dereference_protected(vm->memslots,
					  lockdep_is_held(&vm->slots_lock));
	nr_slots = slots->nr_sorted;
	for (i = 0; i < nr_slots; i++)
		pages += slots->slots[slots->sorted[i]].npages;
	mutex_unlock(&vm->slots_lock);
	if (nr || !nr_slots)
		return nr;
	return max_t(u64, pages / KVMX_SLOT_PAGES_PER_MMU_PAGE,
		     KVMX_MIN_MMU_PAGES);
}

/* vm->lock held: the VM's ops are final once this vCPU exists. */
int kvmx_mmu_vcpu_init(struct kvmx_x86_vcpu *xv)
{
	lockdep_assert_held(&xv->vcpu->vm->lock);
	xv->mmu = kvmx_vm_mmu(xv->vcpu->vm)->ops;
	return xv->mmu->vcpu_init ? xv->mmu->vcpu_init(xv) : 0;
}

void kvmx_mmu_vcpu_free(struct kvmx_x86_vcpu *xv)
{
	if (xv->mmu->vcpu_free)
		xv->mmu->vcpu_free(xv);
}

void kvmx_mmu_flush(struct kvmx_mmu *mmu)
{
	struct kvmx_x86_vm *xvm = container_of(mmu, struct kvmx_x86_vm, mmu);

	/*
	 * A vCPU in guest mode keeps using cached translations until it
	 * exits; the request's kick forces that exit, and the vCPU flushes
	 * its TLB tag before re-entry.
	 */
	kvmx_make_all_vcpus_request(xvm->vm, KVMX_REQ_TLB_FLUSH);
}

/* ---- the core's hooks (kvmx_arch.h) ---------------------------------- */

void kvmx_arch_mmu_invalidate_begin(struct kvmx_vm *vm)
{
	struct kvmx_mmu *mmu = kvmx_vm_mmu(vm);

	spin_lock(&mmu->lock);
	mmu->mn_active++;
	mmu->mn_seq++;
	spin_unlock(&mmu->lock);
}

void kvmx_arch_mmu_invalidate_end(struct kvmx_vm *vm)
{
	struct kvmx_mmu *mmu = kvmx_vm_mmu(vm);

	spin_lock(&mmu->lock);
	mmu->mn_seq++;
	mmu->mn_active--;
	spin_unlock(&mmu->lock);
}

void kvmx_arch_unmap_gfn_range(struct kvmx_vm *vm, u64 gfn, u64 npages)
{
	struct kvmx_mmu *mmu = kvmx_vm_mmu(vm);

	READ_ONCE(mmu->ops)->zap_range(mmu, gfn, npages);
}

void kvmx_arch_memslot_removed(struct kvmx_vm *vm,
			       const struct kvmx_memslot *old)
{
	kvmx_arch_unmap_gfn_range(vm, old->base_gfn, old->npages);
}

void kvmx_arch_write_protect(struct kvmx_vm *vm, const struct kvmx_memslot *slot,
			     u64 first, u64 mask)
{
	struct kvmx_mmu *mmu = kvmx_vm_mmu(vm);

	/* Bits past the end of the slot are never set; mask them anyway. */
	if (slot->npages - first < BITS_PER_LONG)
		mask &= (1ULL << (slot->npages - first)) - 1;
	READ_ONCE(mmu->ops)->write_protect(mmu, slot->base_gfn + first, mask);
}

void kvmx_arch_flush_tlbs(struct kvmx_vm *vm)
{
	struct kvmx_mmu *mmu = kvmx_vm_mmu(vm);
	const struct kvmx_mmu_ops *ops = READ_ONCE(mmu->ops);

	vm->stat.remote_tlb_flush++;
	if (ops->commit_write_protect)
		ops->commit_write_protect(mmu);
	kvmx_mmu_flush(mmu);
}
