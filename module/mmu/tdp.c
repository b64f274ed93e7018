// SPDX-License-Identifier: GPL-2.0
/*
 * Two-dimensional paging tables shared by NPT and EPT.
 *
 * Guest memory is not pinned: a fault looks the VMM's page up with
 * get_user_pages, installs the leaf and drops the reference.  The VM's MMU
 * notifier (core/mmu_notifier.c) zaps leaves before the host mm unmaps,
 * moves, merges or swaps their pages; the mn_seq/mn_active pair keeps a
 * fault that raced with such a change from installing a stale page.
 * Leaves are 2 MiB where the VMM's memory is a huge page (THP or hugetlbfs)
 * aligned like the guest range, 4 KiB otherwise.
 */
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/smp.h>
#include <asm/io.h>

#include "kvmx_tdp.h"
#include "kvmx_x86.h"

#define TDP_LEVELS		4
#define TDP_ENTRIES		512
#define TDP_ADDR_MASK		GENMASK_ULL(51, 12)

static unsigned int tdp_index(u64 gpa, int level)
{
	return (gpa >> (PAGE_SHIFT + 9 * (level - 1))) & (TDP_ENTRIES - 1);
}

static u64 *table_va(u64 entry)
{
	return __va(entry & TDP_ADDR_MASK);
}

int kvmx_tdp_init(struct kvmx_tdp *tdp, const struct kvmx_tdp_format *fmt)
{
	tdp->root = (u64 *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!tdp->root)
		return -ENOMEM;
	tdp->root_pa = __pa(tdp->root);
	tdp->fmt = fmt;
	spin_lock_init(&tdp->lock);
	tdp->nr_tables = 1;
	return 0;
}

/* Clear every leaf of @table (at @level) in [start, end); count them. */
static unsigned long zap_table(struct kvmx_tdp *tdp, u64 *table, int level,
			       u64 base, u64 start, u64 end, bool free_tables)
{
	u64 span = 1ULL << (PAGE_SHIFT + 9 * (level - 1));
	unsigned long zapped = 0;
	int i;

	for (i = 0; i < TDP_ENTRIES; i++) {
		u64 lo = base + i * span, hi = lo + span;
		u64 e = table[i];

		if (!(e & tdp->fmt->present) || hi <= start || lo >= end)
			continue;
		if (level == 1 || (e & tdp->fmt->large)) {
			/* A large leaf goes whole, even if partly in range. */
			WRITE_ONCE(table[i], 0);
			zapped++;
			continue;
		}
		zapped += zap_table(tdp, table_va(e), level - 1, lo, start, end,
				    free_tables);
		if (free_tables) {
			free_page((unsigned long)table_va(e));
			tdp->nr_tables--;
			WRITE_ONCE(table[i], 0);
		}
	}
	return zapped;
}

void kvmx_tdp_destroy(struct kvmx_tdp *tdp)
{
	if (!tdp->root)
		return;
	zap_table(tdp, tdp->root, TDP_LEVELS, 0, 0, ~0ULL, true);
	free_page((unsigned long)tdp->root);
	tdp->root = NULL;
}

void kvmx_tdp_flush(struct kvmx_tdp *tdp)
{
	struct kvmx_x86_vm *xvm = container_of(tdp, struct kvmx_x86_vm, tdp);

	/*
	 * A vCPU in guest mode keeps using cached translations until it
	 * exits; the request's kick forces that exit, and the vCPU flushes
	 * its TLB tag before re-entry.
	 */
	kvmx_make_all_vcpus_request(xvm->vm, KVMX_REQ_TLB_FLUSH);
}

void kvmx_tdp_invalidate_begin(struct kvmx_tdp *tdp)
{
	spin_lock(&tdp->lock);
	tdp->mn_active++;
	tdp->mn_seq++;
	spin_unlock(&tdp->lock);
}

void kvmx_tdp_invalidate_end(struct kvmx_tdp *tdp)
{
	spin_lock(&tdp->lock);
	tdp->mn_seq++;
	tdp->mn_active--;
	spin_unlock(&tdp->lock);
}

void kvmx_tdp_zap(struct kvmx_tdp *tdp, u64 gfn, u64 npages)
{
	unsigned long zapped;

	spin_lock(&tdp->lock);
	zapped = zap_table(tdp, tdp->root, TDP_LEVELS, 0, gfn << PAGE_SHIFT,
			   (gfn + npages) << PAGE_SHIFT, false);
	spin_unlock(&tdp->lock);
	/* Nothing was mapped: no vCPU can hold a stale translation. */
	if (zapped)
		kvmx_tdp_flush(tdp);
}

/*
 * The entry that maps @gpa: its 4 KiB leaf, or the large leaf above it
 * (@large set then); NULL where no table reaches it.
 */
static u64 *find_leaf(struct kvmx_tdp *tdp, u64 gpa, bool *large)
{
	u64 *table = tdp->root;
	int level;

	*large = false;
	for (level = TDP_LEVELS; level > 1; level--) {
		u64 *e = &table[tdp_index(gpa, level)];

		if (!(*e & tdp->fmt->present))
			return NULL;
		if (*e & tdp->fmt->large) {
			*large = true;
			return e;
		}
		table = table_va(*e);
	}
	return &table[tdp_index(gpa, 1)];
}

/*
 * Make the next write to each page of @mask fault.  A large leaf goes
 * away instead: logging tracks 4 KiB pages, and the faults that follow map
 * 4 KiB pages while the slot is logged.  The caller flushes the TLBs.
 */
void kvmx_tdp_write_protect(struct kvmx_tdp *tdp, u64 gfn, unsigned long mask)
{
	bool large;
	u64 *leaf;
	int i;

	spin_lock(&tdp->lock);
	for_each_set_bit(i, &mask, BITS_PER_LONG) {
		leaf = find_leaf(tdp, (gfn + i) << PAGE_SHIFT, &large);
		if (!leaf || !(*leaf & tdp->fmt->present))
			continue;
		WRITE_ONCE(*leaf, large ? 0 : *leaf & ~tdp->fmt->writable);
	}
	spin_unlock(&tdp->lock);
}

/*
 * Does the VMM's own page table map @hva with a 2 MiB (or larger) leaf?
 * A lockless walk as GUP-fast does (interrupts off keep the tables from
 * being freed); a change after it bumps mn_seq and the fault retries.
 */
static bool host_maps_huge(struct mm_struct *mm, unsigned long hva)
{
	unsigned long flags;
	bool huge = false;
	pgd_t pgd;
	p4d_t p4d;
	pud_t pud;
	pmd_t pmd;

	local_irq_save(flags);
	pgd = READ_ONCE(*pgd_offset(mm, hva));
	if (!pgd_present(pgd))
		goto out;
	p4d = READ_ONCE(*p4d_offset(&pgd, hva));
	if (!p4d_present(p4d))
		goto out;
	pud = READ_ONCE(*pud_offset(&p4d, hva));
	if (!pud_present(pud))
		goto out;
	if (pud_leaf(pud)) {
		huge = true;
		goto out;
	}
	pmd = READ_ONCE(*pmd_offset(&pud, hva));
	huge = pmd_present(pmd) && pmd_leaf(pmd);
out:
	local_irq_restore(flags);
	return huge;
}

/*
 * Can @gfn be mapped by one 2 MiB leaf?  The slot must cover the whole
 * aligned 2 MiB guest range, the VMM's address must be aligned the same
 * way, the page must be part of a huge page that covers it, and writes to
 * the slot must not be logged (logging tracks 4 KiB pages).
 */
static bool can_map_large(struct mm_struct *mm, const struct kvmx_memslot *slot,
			  u64 gfn, unsigned long hva)
{
	u64 base = ALIGN_DOWN(gfn, PTRS_PER_PMD);

	if (slot->dirty_bitmap || base < slot->base_gfn ||
	    base + PTRS_PER_PMD > slot->base_gfn + slot->npages)
		return false;
	if ((hva ^ (gfn << PAGE_SHIFT)) & (PMD_SIZE - 1))
		return false;
	return host_maps_huge(mm, hva);
}

int kvmx_mmu_get_spares(void **spare, int *nspare, int n)
{
	for (; *nspare < n; (*nspare)++) {
		spare[*nspare] = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
		if (!spare[*nspare])
			return -ENOMEM;
	}
	return 0;
}

void kvmx_mmu_put_spares(void **spare, int nspare)
{
	while (nspare > 0)
		free_page((unsigned long)spare[--nspare]);
}

int kvmx_tdp_fault(struct kvmx_vm *vm, struct kvmx_tdp *tdp, u64 gpa,
		   bool write)
{
	const struct kvmx_tdp_format *fmt = tdp->fmt;
	u64 gfn = gpa >> PAGE_SHIFT, *table, leaf, *e;
	const struct kvmx_memslot *slot;
	void *spare[TDP_LEVELS - 1] = {};
	struct page *page;
	unsigned long hva, seq;
	int idx, level, nspare = 0, r;
	bool readonly, map_ro, large;

	idx = srcu_read_lock(&vm->srcu);
	slot = kvmx_gfn_to_memslot(vm, gfn);
	readonly = slot && (slot->flags & KVM_MEM_READONLY);
	if (!slot || (write && readonly)) {
		srcu_read_unlock(&vm->srcu, idx);
		return KVMX_TDP_MMIO;
	}
	hva = kvmx_gfn_to_hva(slot, gfn);
	/* While writes are logged, a page becomes writable by a logged write. */
	map_ro = readonly || (slot->dirty_bitmap && !write);

	seq = READ_ONCE(tdp->mn_seq);
	/*
	 * Sample the invalidation count before looking the page up: the
	 * barrier orders it before the page-table reads of the lookup
	 * (pairs with the lock that invalidations bump it under).
	 */
	smp_rmb();
	/* Writable slots are faulted in writable at once (COW broken now). */
	r = get_user_pages_unlocked(hva, 1, &page, readonly ? 0 : FOLL_WRITE);
	if (r != 1) {
		srcu_read_unlock(&vm->srcu, idx);
		return -EFAULT;
	}
	large = can_map_large(vm->mm, slot, gfn, hva);

	leaf = map_ro ? fmt->leaf_ro : fmt->leaf_rw;

	/*
	 * Table pages are allocated only when the walk finds one missing:
	 * the lock is dropped, enough spares are allocated, and the walk
	 * starts again (most faults need none once the tables exist).
	 */
again:
	spin_lock(&tdp->lock);
	r = KVMX_TDP_RETRY;
	if (tdp->mn_active || tdp->mn_seq != seq)
		goto unlock;
	table = tdp->root;
	for (level = TDP_LEVELS; level > 1; level--) {
		e = &table[tdp_index(gpa, level)];
		if (level == 2 && large && !(*e & fmt->present)) {
			/* The huge page's 2 MiB-aligned start. */
			WRITE_ONCE(*e, leaf | fmt->large |
				   (page_to_phys(page) & ~((u64)PMD_SIZE - 1)));
			r = KVMX_TDP_MAPPED;
			goto unlock;
		}
		if (!(*e & fmt->present)) {
			if (!nspare) {
				spin_unlock(&tdp->lock);
				r = kvmx_mmu_get_spares(spare, &nspare,
							ARRAY_SIZE(spare));
				if (r)
					goto out;
				goto again;
			}
			tdp->nr_tables++;
			WRITE_ONCE(*e, __pa(spare[--nspare]) | fmt->table);
		} else if (*e & fmt->large) {
			/* Covered by a large leaf already (read-only for logging?). */
			if (!map_ro)
				WRITE_ONCE(*e, *e | fmt->writable);
			r = KVMX_TDP_MAPPED;
			goto unlock;
		}
		table = table_va(*e);
	}
	/* 4 KiB leaf (also where 4 KiB leaves exist below a huge page). */
	e = &table[tdp_index(gpa, 1)];
	if (*e & fmt->present) {
		/* Mapped already (by another vCPU, or read-only for logging). */
		if (!map_ro)
			WRITE_ONCE(*e, *e | fmt->writable);
	} else {
		WRITE_ONCE(*e, leaf | page_to_phys(page));
	}
	r = KVMX_TDP_MAPPED;
unlock:
	/*
	 * Log the write only now that the entry is writable, under the lock
	 * that write-protection takes: a harvest that clears the bit first
	 * write-protects the entry after, so no write goes unlogged.
	 */
	if (r == KVMX_TDP_MAPPED && write)
		kvmx_mark_dirty(slot, gfn);
	spin_unlock(&tdp->lock);
out:
	/* The slot, its bitmap included, stays valid until here. */
	srcu_read_unlock(&vm->srcu, idx);
	put_page(page);
	kvmx_mmu_put_spares(spare, nspare);
	return r;
}
