// SPDX-License-Identifier: GPL-2.0
/*
 * Two-dimensional paging tables shared by NPT and EPT.
 *
 * Leaves are 4 KiB and point at pages of the VMM pinned with
 * pin_user_pages (FOLL_PIN) when first touched; a zap or the VM's
 * destruction unpins them.
 * TODO: follow the host mm through MMU notifiers instead of pinning, and
 * map 2 MiB/1 GiB where the host backing is huge (issue 7).
 */
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/smp.h>
#include <asm/io.h>

#include "kvmx_tdp.h"

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
	atomic64_set(&tdp->gen, 0);
	return 0;
}

/* Unpin every leaf of @table (at @level) in [start, end) and clear it. */
static void zap_table(struct kvmx_tdp *tdp, u64 *table, int level,
		      u64 base, u64 start, u64 end, bool free_tables)
{
	u64 span = 1ULL << (PAGE_SHIFT + 9 * (level - 1));
	int i;

	for (i = 0; i < TDP_ENTRIES; i++) {
		u64 lo = base + i * span, hi = lo + span;
		u64 e = table[i];

		if (!(e & tdp->fmt->present) || hi <= start || lo >= end)
			continue;
		if (level == 1) {
			unpin_user_page(pfn_to_page((e & TDP_ADDR_MASK) >> PAGE_SHIFT));
			WRITE_ONCE(table[i], 0);
			continue;
		}
		zap_table(tdp, table_va(e), level - 1, lo, start, end,
			  free_tables);
		if (free_tables) {
			free_page((unsigned long)table_va(e));
			tdp->nr_tables--;
			WRITE_ONCE(table[i], 0);
		}
	}
}

void kvmx_tdp_destroy(struct kvmx_tdp *tdp)
{
	if (!tdp->root)
		return;
	zap_table(tdp, tdp->root, TDP_LEVELS, 0, 0, ~0ULL, true);
	free_page((unsigned long)tdp->root);
	tdp->root = NULL;
}

static void kick(void *unused)
{
}

void kvmx_tdp_flush(struct kvmx_tdp *tdp)
{
	atomic64_inc(&tdp->gen);
	/*
	 * A vCPU in guest mode keeps using cached translations until it
	 * exits; the IPI forces that exit, and the vCPU flushes its TLB tag
	 * before re-entry because the generation moved.
	 */
	on_each_cpu(kick, NULL, 1);
}

void kvmx_tdp_zap(struct kvmx_tdp *tdp, u64 gfn, u64 npages)
{
	spin_lock(&tdp->lock);
	zap_table(tdp, tdp->root, TDP_LEVELS, 0, gfn << PAGE_SHIFT,
		  (gfn + npages) << PAGE_SHIFT, false);
	spin_unlock(&tdp->lock);
	kvmx_tdp_flush(tdp);
}

/* The 4 KiB leaf entry of @gpa, or NULL where no table reaches it. */
static u64 *find_leaf(struct kvmx_tdp *tdp, u64 gpa)
{
	u64 *table = tdp->root;
	int level;

	for (level = TDP_LEVELS; level > 1; level--) {
		u64 e = table[tdp_index(gpa, level)];

		if (!(e & tdp->fmt->present))
			return NULL;
		table = table_va(e);
	}
	return &table[tdp_index(gpa, 1)];
}

void kvmx_tdp_write_protect(struct kvmx_tdp *tdp, u64 gfn, unsigned long mask)
{
	u64 *leaf;
	int i;

	spin_lock(&tdp->lock);
	for_each_set_bit(i, &mask, BITS_PER_LONG) {
		leaf = find_leaf(tdp, (gfn + i) << PAGE_SHIFT);
		if (leaf && (*leaf & tdp->fmt->present))
			WRITE_ONCE(*leaf, *leaf & ~tdp->fmt->writable);
	}
	spin_unlock(&tdp->lock);
}

int kvmx_tdp_fault(struct kvmx_vm *vm, struct kvmx_tdp *tdp, u64 gpa,
		   bool write)
{
	const struct kvmx_tdp_format *fmt = tdp->fmt;
	u64 gfn = gpa >> PAGE_SHIFT, *table, leaf;
	const struct kvmx_memslot *slot;
	void *spare[TDP_LEVELS - 1] = {};
	unsigned int gup_flags = 0;
	struct page *page;
	unsigned long hva;
	int idx, level, nspare = 0, r;
	bool readonly, map_ro;

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
	if (write)
		kvmx_mark_dirty(slot, gfn);
	srcu_read_unlock(&vm->srcu, idx);

	/* Writable slots are mapped writable at once (COW broken now). */
	if (!readonly)
		gup_flags |= FOLL_WRITE;
	r = pin_user_pages_unlocked(hva, 1, &page, gup_flags);
	if (r != 1)
		return -EFAULT;

	for (nspare = 0; nspare < TDP_LEVELS - 1; nspare++) {
		spare[nspare] = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
		if (!spare[nspare]) {
			r = -ENOMEM;
			goto out;
		}
	}

	leaf = page_to_phys(page) | (map_ro ? fmt->leaf_ro : fmt->leaf_rw);
	spin_lock(&tdp->lock);
	table = tdp->root;
	for (level = TDP_LEVELS; level > 1; level--) {
		u64 *e = &table[tdp_index(gpa, level)];

		if (!(*e & fmt->present)) {
			void *t = spare[--nspare];

			spare[nspare] = NULL;
			tdp->nr_tables++;
			WRITE_ONCE(*e, __pa(t) | fmt->table);
		}
		table = table_va(*e);
	}
	if (table[tdp_index(gpa, 1)] & fmt->present) {
		/* Mapped already (by another vCPU, or read-only for logging). */
		if (!map_ro)
			WRITE_ONCE(table[tdp_index(gpa, 1)],
				   table[tdp_index(gpa, 1)] | fmt->writable);
		unpin_user_page(page);
	} else {
		WRITE_ONCE(table[tdp_index(gpa, 1)], leaf);
	}
	spin_unlock(&tdp->lock);
	r = KVMX_TDP_MAPPED;
	page = NULL;
out:
	if (page)
		unpin_user_page(page);
	while (nspare > 0)
		free_page((unsigned long)spare[--nspare]);
	return r;
}
