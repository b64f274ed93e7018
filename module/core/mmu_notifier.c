// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory follows the VMM's mm: before the host unmaps, moves, merges
 * or swaps pages of the VMM (munmap, MADV_DONTNEED, migration, KSM, THP
 * split or collapse, reclaim), its MMU notifier drops the guest-physical
 * mappings of those pages; the guest faults them back in.
 */
#include <linux/mmu_notifier.h>

#include "kvmx_arch.h"

static struct kvmx_vm *mn_to_vm(struct mmu_notifier *mn)
{
	return container_of(mn, struct kvmx_vm, mn);
}

/* Unmap every guest frame whose backing lies in [start, end) of the VMM. */
static void unmap_hva_range(struct kvmx_vm *vm, unsigned long start,
			    unsigned long end)
{
	const struct kvmx_memslots *slots;
	int idx, i;

	idx = srcu_read_lock(&vm->srcu);
	slots = srcu_dereference(vm->memslots, &vm->srcu);
	for (i = 0; slots && i < slots->nr_sorted; i++) {
		const struct kvmx_memslot *s = &slots->slots[slots->sorted[i]];
		unsigned long s_end = s->userspace_addr + (s->npages << PAGE_SHIFT);
		unsigned long lo = max(start, s->userspace_addr);
		unsigned long hi = min(end, s_end);
		u64 first, last;

		if (lo >= hi)
			continue;
		first = s->base_gfn + ((lo - s->userspace_addr) >> PAGE_SHIFT);
		last = s->base_gfn +
		       ((hi - s->userspace_addr + PAGE_SIZE - 1) >> PAGE_SHIFT);
		kvmx_arch_unmap_gfn_range(vm, first, last - first);
	}
	srcu_read_unlock(&vm->srcu, idx);
}

static int mn_invalidate_range_start(struct mmu_notifier *mn,
				     const struct mmu_notifier_range *range)
{
	struct kvmx_vm *vm = mn_to_vm(mn);

	kvmx_arch_mmu_invalidate_begin(vm);
	unmap_hva_range(vm, range->start, range->end);
	return 0;
}

static void mn_invalidate_range_end(struct mmu_notifier *mn,
				    const struct mmu_notifier_range *range)
{
	kvmx_arch_mmu_invalidate_end(mn_to_vm(mn));
}

/* The mm goes away (the VMM exits): no guest mapping may outlive it. */
static void mn_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	struct kvmx_vm *vm = mn_to_vm(mn);

	kvmx_arch_mmu_invalidate_begin(vm);
	unmap_hva_range(vm, 0, ULONG_MAX);
	kvmx_arch_mmu_invalidate_end(vm);
}

static const struct mmu_notifier_ops kvmx_mn_ops = {
	.invalidate_range_start	= mn_invalidate_range_start,
	.invalidate_range_end	= mn_invalidate_range_end,
	.release		= mn_release,
};

int kvmx_mmu_notifier_register(struct kvmx_vm *vm)
{
	vm->mn.ops = &kvmx_mn_ops;
	return mmu_notifier_register(&vm->mn, vm->mm);
}

void kvmx_mmu_notifier_unregister(struct kvmx_vm *vm)
{
	mmu_notifier_unregister(&vm->mn, vm->mm);
}
