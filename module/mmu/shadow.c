// SPDX-License-Identifier: GPL-2.0
/*
 * Shadow paging: per-vCPU trees of shadow tables indexed by guest-virtual
 * address, cached per guest CR3 and kept in step with write-protected guest
 * page tables.
 *
 * Each vCPU keeps up to SPT_ROOTS trees, one per guest CR3 value it ran
 * with lately.  A shadow leaf is a cached translation filled from a guest
 * page walk when the guest takes a #PF the hardware raised on a missing or
 * too strict shadow entry.  Within the tree the hardware runs on, leaves
 * behave like TLB entries: the guest's INVLPG drops them, and a guest that
 * changes an entry without flushing may keep seeing the old translation,
 * as on hardware.  A MOV CR3 to a value with a cached tree resumes that
 * tree instead of rebuilding it, which is correct because every guest
 * table a leaf was derived from is write-protected in every tree:
 *
 * - a walk that installs a leaf first makes sure every guest table it read
 *   is in the VM's protected set (struct wp_gfn, hashed by gfn), which no
 *   shadow leaf maps writable; adding one removes the writable bit from
 *   every leaf of every tree (one pass, then a remote TLB flush) and the
 *   fault is retried;
 * - a guest write to a protected table faults; the instruction is emulated
 *   (module/x86/emulate/emulate.c) and the leaves derived from the entries written
 *   are dropped from every tree that used the table (or, where the table
 *   serves at several places, those trees are marked stale and cleared
 *   when next loaded).  A table written again and again without being
 *   walked in between (a freed table reused as data), or an instruction the
 *   emulator does not handle, unprotects the table instead: the trees that
 *   used it go stale.
 *
 * The hardware runs with paging on in every guest mode: a long-mode guest
 * under 4-level trees, every other guest (paging off, 32-bit, PAE) under
 * PAE trees whose 4-entry root lies below 4 GiB; guest paging off is an
 * identity map of the low 4 GiB of guest-physical space.  Leaves are
 * 4 KiB whatever the guest's page size.  A change of the translation rules
 * (CR0.PG/PE, CR4.PSE/PAE/PCIDE/LA57, EFER) frees every tree of the vCPU;
 * one of the rights (CR4.SMEP/SMAP/PKE) clears their leaves.  Trees are
 * cached per CR3 and CR0.WP, so a WP toggle switches trees, and a CR4.PGE
 * toggle is a MOV CR3 to the same value.
 *
 * Host side: leaves reference the VMM's pages without pinning them, as
 * the TDP tables do; the MMU notifier, memslot removal and dirty-log write
 * protection act on every leaf of every tree of the VM (correct, coarse).
 * All table entries and the protected set are changed under the VM's mmu
 * lock (struct kvmx_mmu), a tree's shape only by its own vCPU.  This is
 * the shadow-paging implementation of the VM's MMU (kvmx_shadow_mmu_ops).
 */
#define pr_fmt(fmt) "kvmx: " fmt

#include <linux/mm.h>
#include <linux/slab.h>
#include <asm/io.h>
#include <asm/traps.h>

#include "kvmx_mmu.h"
#include "kvmx_walk.h"
#include "kvmx_x86.h"

#define SPT_ENTRIES	512
#define SPT_ADDR_MASK	GENMASK_ULL(51, 12)
/* Non-leaf entries grant everything: the leaf carries the rights. */
#define SPT_TABLE	(_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED)
/* A PAE PDPTE has no R/W, U/S or A bit (they are reserved). */
#define SPT_PDPTE	_PAGE_PRESENT
/* A leaf that is a piece of a larger guest page (bit 9: ignored by the CPU). */
#define SPT_PIECE	_PAGE_SOFTW1
/* Tables a tree keeps when it is cleared, before it is freed instead. */
#define SPT_MAX_TABLES	256
/* The trees of a vCPU never grow past this (8 MiB): a fault frees them. */
#define SPT_CAP_TABLES	2048
/* Trees cached per vCPU, one per guest CR3. */
#define SPT_ROOTS	4
/* Protected guest tables per VM before they are all unprotected. */
#define WP_MAX_GFNS	16384
/* Emulated writes to a table not walked in between before unprotecting it. */
#define WP_FLOOD	4

/*
 * CR bits whose change restarts the shadow context: the trees' shape
 * (levels, entry size, what the walk reads) changes with them.
 */
#define CR0_PAGING_BITS	(X86_CR0_PG | X86_CR0_PE)
#define CR4_PAGING_BITS	(X86_CR4_PSE | X86_CR4_PAE | X86_CR4_PCIDE | \
			 X86_CR4_LA57)
/*
 * Bits that change only the rights of a leaf (tables above the leaves
 * grant everything, SPT_TABLE): every tree keeps its tables and loses its
 * leaves, which refill as the guest faults them in again.  CR0.WP is one
 * too, but a tree is cached per CR3 and WP (struct spt_root), so a kernel
 * that toggles WP switches between two trees, as kvm switches roots by
 * role, instead of refilling one.
 */
#define CR4_RIGHTS_BITS	(X86_CR4_SMEP | X86_CR4_SMAP | X86_CR4_PKE)
/*
 * CR4.PGE: the hardware runs without it (leaves are never global), so a
 * change is a flush of every translation, which the tracked tree resumes
 * through as through a MOV CR3 to the same value (load_tree()).
 */
#define CR4_FLUSH_BITS	X86_CR4_PGE

/**
 * struct spt_root - one cached tree
 * @table:     top shadow table, or NULL
 * @cr3:       the guest CR3 it translates for
 * @wp:        the guest CR0.WP its leaves grant rights for (with @cr3,
 *             the tree's key)
 * @nr_tables: table pages in the tree, root included (mmu lock)
 * @last_used: the vCPU's switch count when it was last loaded (LRU)
 * @id:        its bit in wp_gfn.roots (VM-wide), or -1: not tracked, so
 *             cleared whenever it is loaded
 * @stale:     a guest table it was built from changed in a way not undone
 *             entry by entry: clear it before it is loaded again (mmu lock)
 * @big_pages: some leaf is a piece of a guest page larger than 2 MiB:
 *             INVLPG then clears the whole tree (cleared with the leaves)
 */
struct spt_root {
	u64 *table;
	u64 cr3;
	bool wp;
	unsigned long nr_tables;
	unsigned long last_used;
	int id;
	bool stale;
	bool big_pages;
};

/**
 * struct kvmx_shadow_vcpu - one vCPU's shadow context
 * @link:       in kvmx_shadow_vm.vcpus (mmu lock)
 * @roots:      the cached trees; a tree's shape is changed under the mmu
 *              lock, and only by this vCPU's thread; leaves also by zaps
 *              and by other vCPUs' page-table writes
 * @cur:        the tree the hardware runs on (one of @roots)
 * @root_level: 4 (long-mode guest) or 3 (PAE trees, roots below 4 GiB);
 *              the same for every tree (a mode change frees them all)
 * @nr_tables:  table pages in all trees (mmu lock)
 * @switches:   CR3 switches so far (the LRU clock)
 * @cr0:        the guest's CR0 as it wrote it
 * @cr3:        the guest's CR3
 * @cr4:        the guest's CR4
 * @flush:      the TLB tag must be flushed before the next entry
 * All but the lock-protected fields: the vCPU mutex.
 */
struct kvmx_shadow_vcpu {
	struct list_head link;
	struct spt_root roots[SPT_ROOTS];
	struct spt_root *cur;
	int root_level;
	unsigned long nr_tables;
	unsigned long switches;
	u64 cr0;
	u64 cr3;
	u64 cr4;
	bool flush;
};

/**
 * struct wp_gfn - a write-protected guest page table (mmu lock)
 * @node:    in kvmx_shadow_vm.wp
 * @gfn:     its guest frame
 * @roots:   ids of the trees with leaves derived from its entries (may name
 *           trees that no longer have any: a spare zap is harmless)
 * @base:    the first guest-virtual address it maps, when it serves at one
 *           place only
 * @level:   its level in the guest's tables at that place (its entries are
 *           level-@level entries), or 0: several places, or a PAE PDPT
 * @esize:   its entries' size (4 or 8)
 * @writes:  emulated writes since a walk last used it
 * @pending: protected, but other CPUs may still hold writable
 *           translations of it: no leaf is derived from it yet
 */
struct wp_gfn {
	struct hlist_node node;
	u64 gfn;
	u64 roots;
	u64 base;
	u8 level;
	u8 esize;
	u8 writes;
	bool pending;
};

/* The guest tables one walk read, top down (struct kvmx_walk_result). */
struct walk_tables {
	int n;
	u8 esize;
	bool pae;
	u64 gva;
	u64 leaf_gfn;
	u64 gfn[KVMX_WALK_MAX_LEVELS];
	u8 level[KVMX_WALK_MAX_LEVELS];
};

static spinlock_t *mmu_lock(struct kvmx_x86_vcpu *xv)
{
	return &kvmx_vm_mmu(xv->vcpu->vm)->lock;
}

void kvmx_shadow_vm_init(struct kvmx_shadow_vm *svm)
{
	INIT_LIST_HEAD(&svm->vcpus);
	hash_init(svm->wp);
}

static struct kvmx_shadow_vm *shadow_vm(struct kvmx_x86_vcpu *xv)
{
	return &kvmx_vm_mmu(xv->vcpu->vm)->shadow;
}

static int shadow_vcpu_init(struct kvmx_x86_vcpu *xv)
{
	struct kvmx_shadow_vm *svm = shadow_vm(xv);
	struct kvmx_shadow_vcpu *sv;
	int i;

	sv = kzalloc(sizeof(*sv), GFP_KERNEL_ACCOUNT);
	if (!sv)
		return -ENOMEM;
	xv->shadow = sv;
	sv->cur = &sv->roots[0];
	spin_lock(mmu_lock(xv));
	for (i = 0; i < SPT_ROOTS; i++) {
		/* 64 tracked trees per VM; the others are cleared at each load. */
		int id = svm->ids == U64_MAX ? -1 : __ffs64(~svm->ids);

		if (id >= 0)
			svm->ids |= BIT_ULL(id);
		sv->roots[i].id = id;
	}
	list_add(&sv->link, &svm->vcpus);
	spin_unlock(mmu_lock(xv));
	return 0;
}

/* Free @table (at @level) and every table below it; mmu lock held. */
static void free_tables(struct kvmx_shadow_vcpu *sv, struct spt_root *rt,
			u64 *table, int level)
{
	int i;

	if (level > 1)
		for (i = 0; i < SPT_ENTRIES; i++)
			if (table[i] & _PAGE_PRESENT)
				free_tables(sv, rt, __va(table[i] & SPT_ADDR_MASK),
					    level - 1);
	free_page((unsigned long)table);
	rt->nr_tables--;
	sv->nr_tables--;
}

/* Clear (or only write-protect) every leaf below @table; mmu lock held. */
static void clear_leaves(u64 *table, int level, bool wp_only)
{
	int i;

	for (i = 0; i < SPT_ENTRIES; i++) {
		u64 e = READ_ONCE(table[i]);

		if (!(e & _PAGE_PRESENT))
			continue;
		if (level > 1)
			clear_leaves(__va(e & SPT_ADDR_MASK), level - 1, wp_only);
		else if (!wp_only)
			WRITE_ONCE(table[i], 0);
		else if (e & _PAGE_RW)
			WRITE_ONCE(table[i], e & ~(u64)_PAGE_RW);
	}
}

/* Span of guest-virtual space below a shadow entry at @level. */
static u64 spt_span(int level)
{
	return 1ULL << (PAGE_SHIFT + 9 * (level - 1));
}

/* The shadow table index of @gva at @level (PAE root: 4 entries used). */
static unsigned int spt_index(u64 gva, int level)
{
	return (gva >> (PAGE_SHIFT + 9 * (level - 1))) & (SPT_ENTRIES - 1);
}

/*
 * Clear the leaves below @table (at @level, mapping from @base) that
 * translate addresses in [@start, @last], where @start <= @base + the
 * table's span and @last >= @base; mmu lock held.  Only the entries in the
 * range are visited.
 */
static void clear_range(u64 *table, int level, u64 base, u64 start, u64 last)
{
	unsigned int shift = PAGE_SHIFT + 9 * (level - 1), i, first, end;
	u64 span = spt_span(level), a;

	first = start <= base ? 0 : (start - base) >> shift;
	end = min_t(u64, (last - base) >> shift, SPT_ENTRIES - 1);
	for (i = first; i <= end; i++) {
		u64 e = READ_ONCE(table[i]);

		if (!(e & _PAGE_PRESENT))
			continue;
		a = base + i * span;
		if (level == 1)
			WRITE_ONCE(table[i], 0);
		else if (a >= start && a + (span - 1) <= last)
			clear_leaves(__va(e & SPT_ADDR_MASK), level - 1, false);
		else
			clear_range(__va(e & SPT_ADDR_MASK), level - 1, a,
				    start, last);
	}
}

/*
 * Empty @rt: clear its leaves, or free it when it is large or @free (the
 * trees' shape changes with the paging mode).  mmu lock held.
 */
static void root_clear(struct kvmx_shadow_vcpu *sv, struct spt_root *rt,
		       bool free)
{
	if (rt->table) {
		if (free || rt->nr_tables > SPT_MAX_TABLES) {
			free_tables(sv, rt, rt->table, sv->root_level);
			rt->table = NULL;
		} else {
			clear_leaves(rt->table, sv->root_level, false);
		}
	}
	rt->stale = false;
	rt->big_pages = false;
}

/* The guest flushed its TLB: drop every cached translation of @cur. */
static void flush_current(struct kvmx_x86_vcpu *xv)
{
	struct kvmx_shadow_vcpu *sv = xv->shadow;

	spin_lock(mmu_lock(xv));
	root_clear(sv, sv->cur, false);
	spin_unlock(mmu_lock(xv));
	sv->flush = true;
}

/*
 * Empty every tree: free them when the translation rules changed (or the
 * tables grew too far), or with @free false only clear their leaves (the
 * rights of every leaf changed).
 */
static void clear_all(struct kvmx_x86_vcpu *xv, bool free)
{
	struct kvmx_shadow_vcpu *sv = xv->shadow;
	int i;

	spin_lock(mmu_lock(xv));
	for (i = 0; i < SPT_ROOTS; i++)
		root_clear(sv, &sv->roots[i], free);
	spin_unlock(mmu_lock(xv));
	sv->flush = true;
}

static void free_all(struct kvmx_x86_vcpu *xv)
{
	clear_all(xv, true);
}

static void wp_free_all(struct kvmx_shadow_vm *svm)
{
	struct hlist_node *tmp;
	struct wp_gfn *wp;
	int bkt;

	hash_for_each_safe(svm->wp, bkt, tmp, wp, node) {
		hash_del(&wp->node);
		kfree(wp);
	}
	svm->nr_wp = 0;
}

static void shadow_vcpu_free(struct kvmx_x86_vcpu *xv)
{
	struct kvmx_shadow_vcpu *sv = xv->shadow;
	struct kvmx_shadow_vm *svm;
	int i;

	if (!sv)
		return;
	svm = shadow_vm(xv);
	free_all(xv);
	spin_lock(mmu_lock(xv));
	for (i = 0; i < SPT_ROOTS; i++)
		if (sv->roots[i].id >= 0)
			svm->ids &= ~BIT_ULL(sv->roots[i].id);
	list_del(&sv->link);
	/* The last vCPU: nothing is derived from the protected tables now. */
	if (list_empty(&svm->vcpus))
		wp_free_all(svm);
	spin_unlock(mmu_lock(xv));
	kfree(sv);
	xv->shadow = NULL;
}

u64 kvmx_shadow_get_cr(struct kvmx_x86_vcpu *xv, int cr)
{
	struct kvmx_shadow_vcpu *sv = xv->shadow;

	switch (cr) {
	case 0: return sv->cr0;
	case 3: return sv->cr3;
	case 4: return sv->cr4;
	default: return 0;
	}
}

static void load_tree(struct kvmx_x86_vcpu *xv);

void kvmx_shadow_set_cr(struct kvmx_x86_vcpu *xv, int cr, u64 val)
{
	struct kvmx_shadow_vcpu *sv = xv->shadow;
	bool flush, rights = false, tlb = false;

	switch (cr) {
	case 0:
		flush = (sv->cr0 ^ val) & CR0_PAGING_BITS;
		tlb = (sv->cr0 ^ val) & X86_CR0_WP;
		sv->cr0 = val;
		break;
	case 3:
		/*
		 * Not a guest MOV CR3 (userspace, RESET): the VMM may have
		 * written the tables through its own mapping, so nothing
		 * cached is trusted.
		 */
		flush = true;
		sv->cr3 = val;
		break;
	case 4:
		flush = (sv->cr4 ^ val) & CR4_PAGING_BITS;
		rights = (sv->cr4 ^ val) & CR4_RIGHTS_BITS;
		tlb = (sv->cr4 ^ val) & CR4_FLUSH_BITS;
		sv->cr4 = val;
		break;
	default:
		return;
	}
	if (flush)
		free_all(xv);
	else if (rights)
		clear_all(xv, false);
	else if (tlb)
		load_tree(xv);
}

/*
 * Load the tree cached for the guest's CR3 and CR0.WP, or the least
 * recently used one, emptied, when there is none.  A tree is cleared when
 * it is stale or not tracked (see struct spt_root).  The TLB tag is
 * flushed: this is a MOV CR3 for the guest.
 */
static void load_tree(struct kvmx_x86_vcpu *xv)
{
	struct kvmx_shadow_vcpu *sv = xv->shadow;
	struct spt_root *rt = NULL, *lru = NULL;
	bool wp = sv->cr0 & X86_CR0_WP;
	u64 val = sv->cr3;
	int i;

	sv->switches++;
	for (i = 0; i < SPT_ROOTS; i++) {
		struct spt_root *r = &sv->roots[i];

		if (r->table && r->cr3 == val && r->wp == wp) {
			rt = r;
			break;
		}
		if (!lru || !r->table ||
		    (lru->table && r->last_used < lru->last_used))
			lru = r;
	}
	spin_lock(mmu_lock(xv));
	if (!rt) {
		rt = lru;
		root_clear(sv, rt, false);
	} else if (rt->stale || rt->id < 0) {
		root_clear(sv, rt, false);
	}
	rt->cr3 = val;
	rt->wp = wp;
	rt->last_used = sv->switches;
	sv->cur = rt;
	spin_unlock(mmu_lock(xv));
	sv->flush = true;
}

/* The guest's own MOV CR3 (checked): resume a cached tree where valid. */
void kvmx_shadow_guest_cr3(struct kvmx_x86_vcpu *xv, u64 val)
{
	xv->shadow->cr3 = val;
	load_tree(xv);
}

void kvmx_shadow_efer_changed(struct kvmx_x86_vcpu *xv)
{
	free_all(xv);
}

int kvmx_shadow_load_root(struct kvmx_x86_vcpu *xv, struct kvmx_shadow_hw *hw)
{
	struct kvmx_shadow_vcpu *sv = xv->shadow;
	struct spt_root *rt = sv->cur;
	bool lma = xv->efer & EFER_LMA;
	int i;

	if (!rt->table) {
		/* In legacy PAE mode CR3 holds 32 bits: the root stays low. */
		gfp_t gfp = GFP_KERNEL_ACCOUNT | (lma ? 0 : GFP_DMA32);
		u64 *root = (u64 *)get_zeroed_page(gfp);
		bool others = false;

		if (!root)
			return -ENOMEM;
		for (i = 0; i < SPT_ROOTS; i++)
			others |= !!sv->roots[i].table;
		spin_lock(mmu_lock(xv));
		/* Trees of another mode are freed when the mode changes. */
		KVMX_VM_DEAD_ON(others && sv->root_level != (lma ? 4 : 3),
				xv->vcpu->vm);
		rt->table = root;
		rt->cr3 = sv->cr3;
		rt->wp = sv->cr0 & X86_CR0_WP;
		rt->last_used = sv->switches;
		rt->nr_tables = 1;
		rt->stale = false;
		sv->nr_tables++;
		sv->root_level = lma ? 4 : 3;
		spin_unlock(mmu_lock(xv));
	}
	hw->cr3 = __pa(rt->table);
	/*
	 * Paging is always on ("paged real mode" with CR0.PE = 0), and
	 * CR0.WP always set: a guest with WP = 0 gets supervisor-only
	 * writable leaves instead (see shadow_map()).
	 */
	hw->cr0 = sv->cr0 | X86_CR0_PG | X86_CR0_WP;
	/* Leaves are never global: flushes drop them all. */
	hw->cr4 = (sv->cr4 | X86_CR4_PAE) &
		  ~(u64)(X86_CR4_PGE | X86_CR4_PSE | X86_CR4_PCIDE |
			 X86_CR4_LA57 | X86_CR4_PKE);
	/* NX exists in every shadow leaf; LME only while the guest has LMA. */
	hw->efer = xv->efer | EFER_NX;
	if (!lma)
		hw->efer &= ~(u64)(EFER_LME | EFER_LMA);
	hw->flush = sv->flush;
	sv->flush = false;
	return 0;
}

static struct wp_gfn *wp_find(struct kvmx_shadow_vm *svm, u64 gfn)
{
	struct wp_gfn *wp;

	hash_for_each_possible(svm->wp, wp, node, gfn)
		if (wp->gfn == gfn)
			return wp;
	return NULL;
}

/* Mark the trees @mask names stale; mmu lock held. */
static void mark_stale(struct kvmx_shadow_vm *svm, u64 mask)
{
	struct kvmx_shadow_vcpu *sv;
	int i;

	if (!mask)
		return;
	list_for_each_entry(sv, &svm->vcpus, link)
		for (i = 0; i < SPT_ROOTS; i++)
			if (sv->roots[i].id >= 0 &&
			    (mask & BIT_ULL(sv->roots[i].id)))
				sv->roots[i].stale = true;
}

/* Stop protecting @wp: what was derived from it goes stale; mmu lock held. */
static void wp_remove(struct kvmx_shadow_vm *svm, struct wp_gfn *wp)
{
	mark_stale(svm, wp->roots);
	hash_del(&wp->node);
	svm->nr_wp--;
	svm->pt_seq++;
	kfree(wp);
}

/* Every leaf of every tree of the VM: clear, or only write-protect. */
static void clear_all_trees(struct kvmx_mmu *mmu, bool wp_only)
{
	struct kvmx_shadow_vcpu *sv;
	int i;

	lockdep_assert_held(&mmu->lock);
	list_for_each_entry(sv, &mmu->shadow.vcpus, link)
		for (i = 0; i < SPT_ROOTS; i++)
			if (sv->roots[i].table)
				clear_leaves(sv->roots[i].table, sv->root_level,
					     wp_only);
}

/*
 * Protect the guest tables of @t that are not yet: add them to the set,
 * take the writable bit from every leaf, and flush every vCPU's TLB before
 * any leaf may be derived from them.  1 (retry the access), or -ENOMEM.
 */
static int protect_tables(struct kvmx_x86_vcpu *xv, const struct walk_tables *t)
{
	struct kvmx_shadow_vm *svm = shadow_vm(xv);
	struct wp_gfn *wp[KVMX_WALK_MAX_LEVELS] = {};
	bool added = false;
	int i, r = 1;

	for (i = 0; i < t->n; i++) {
		wp[i] = kzalloc(sizeof(*wp[i]), GFP_KERNEL_ACCOUNT);
		if (!wp[i]) {
			r = -ENOMEM;
			goto out;
		}
	}
	spin_lock(mmu_lock(xv));
	if (svm->nr_wp + t->n > WP_MAX_GFNS) {
		/* Too many: start afresh, everything derived goes stale. */
		struct hlist_node *tmp;
		struct wp_gfn *w;
		int bkt;

		hash_for_each_safe(svm->wp, bkt, tmp, w, node)
			wp_remove(svm, w);
	}
	for (i = 0; i < t->n; i++) {
		if (wp_find(svm, t->gfn[i]))
			continue;
		wp[i]->gfn = t->gfn[i];
		wp[i]->pending = true;
		/* Where it serves is recorded by the first install. */
		wp[i]->level = U8_MAX;
		hash_add(svm->wp, &wp[i]->node, wp[i]->gfn);
		svm->nr_wp++;
		wp[i] = NULL;
		added = true;
	}
	if (added)
		clear_all_trees(kvmx_vm_mmu(xv->vcpu->vm), true);
	spin_unlock(mmu_lock(xv));
	if (added) {
		/* No CPU keeps a writable translation past this. */
		kvmx_mmu_flush(kvmx_vm_mmu(xv->vcpu->vm));
		spin_lock(mmu_lock(xv));
		for (i = 0; i < t->n; i++) {
			struct wp_gfn *w = wp_find(svm, t->gfn[i]);

			if (w)
				w->pending = false;
		}
		/*
		 * A walk that read these tables before the flush may have seen
		 * them before a write through a writable translation the flush
		 * removed: make such walks retry (use_tables()).
		 */
		svm->pt_seq++;
		spin_unlock(mmu_lock(xv));
	}
out:
	for (i = 0; i < t->n; i++)
		kfree(wp[i]);
	return r;
}

/*
 * Record that the leaf about to be installed in @rt derives from the
 * tables of @t: false when one of them is not (yet) protected, or one was
 * written since the walk (@seq), and the access must be retried.  mmu
 * lock held.
 */
static bool use_tables(struct kvmx_shadow_vm *svm, struct spt_root *rt,
		       const struct walk_tables *t, unsigned long seq)
{
	struct wp_gfn *wp[KVMX_WALK_MAX_LEVELS];
	int i;

	if (svm->pt_seq != seq)
		return false;
	for (i = 0; i < t->n; i++) {
		wp[i] = wp_find(svm, t->gfn[i]);
		if (!wp[i] || wp[i]->pending)
			return false;
	}
	for (i = 0; i < t->n; i++) {
		u8 bits = t->esize == 4 ? 10 : 9;
		u8 level = t->level[i];
		u64 base;

		/* The range this table maps (level + 1 entries' span). */
		base = (u64)PAGE_SHIFT + bits * level >= 64 ? 0 :
		       t->gva & ~((1ULL << (PAGE_SHIFT + bits * level)) - 1);
		if (t->pae && level == 3)
			level = 0;	/* a PDPT: 32 bytes of the page */
		if (wp[i]->level == U8_MAX) {
			wp[i]->level = level;
			wp[i]->base = base;
			wp[i]->esize = t->esize;
		} else if (wp[i]->level != level || wp[i]->base != base ||
			   wp[i]->esize != t->esize) {
			wp[i]->level = 0;
		}
		if (rt->id >= 0)
			wp[i]->roots |= BIT_ULL(rt->id);
		wp[i]->writes = 0;
	}
	return true;
}

/*
 * Install @leaf for @gva in the vCPU's current tree, allocating missing
 * tables; @t: the guest tables it derives from, walked at pt_seq @pt_seq.
 * 1 = done or retry (raced with a host mm change or a table write), or
 * -ENOMEM.
 */
static int install_leaf(struct kvmx_x86_vcpu *xv, u64 gva, u64 leaf,
			unsigned long seq, const struct walk_tables *t,
			unsigned long pt_seq, const struct kvmx_memslot *slot)
{
	struct kvmx_shadow_vcpu *sv = xv->shadow;
	struct kvmx_mmu *mmu = kvmx_vm_mmu(xv->vcpu->vm);
	struct kvmx_shadow_vm *svm = &mmu->shadow;
	struct spt_root *rt = sv->cur;
	void *spare[3] = {};
	int nspare = 0, level, r = 1;
	u64 *table, *e;

again:
	spin_lock(&mmu->lock);
	if (kvmx_mmu_seq_retry(mmu, seq) || !rt->table)
		goto unlock;
	table = rt->table;
	for (level = sv->root_level; level > 1; level--) {
		e = &table[spt_index(gva, level)];
		if (!(*e & _PAGE_PRESENT)) {
			if (!nspare) {
				spin_unlock(&mmu->lock);
				if (kvmx_mmu_get_spares(spare, &nspare,
							ARRAY_SIZE(spare))) {
					r = -ENOMEM;
					goto out;
				}
				goto again;
			}
			rt->nr_tables++;
			sv->nr_tables++;
			WRITE_ONCE(*e, __pa(spare[--nspare]) |
				   (level == 3 && sv->root_level == 3 ?
				    SPT_PDPTE : SPT_TABLE));
		}
		table = __va(*e & SPT_ADDR_MASK);
	}
	if (!use_tables(svm, rt, t, pt_seq))
		goto unlock;
	/* A protected guest table is never writable through a leaf. */
	if ((leaf & _PAGE_RW) && wp_find(svm, t->leaf_gfn))
		leaf &= ~(u64)(_PAGE_RW | _PAGE_DIRTY);
	e = &table[spt_index(gva, 1)];
	/* Replacing a present leaf: the TLB may hold the old one. */
	if (*e & _PAGE_PRESENT)
		sv->flush = true;
	WRITE_ONCE(*e, leaf);
	/*
	 * Log a writable leaf only once it is in place, under the lock that
	 * write-protection for the dirty log takes: a harvest that cleared
	 * the bit before this drops the leaf after it, so no write escapes.
	 */
	if (leaf & _PAGE_RW)
		kvmx_mark_dirty(slot, t->leaf_gfn);
unlock:
	spin_unlock(&mmu->lock);
out:
	kvmx_mmu_put_spares(spare, nspare);
	return r;
}

/*
 * The write at guest-physical @gpa was done by emulation: drop the leaves
 * derived from the entries it may have changed (an access of up to 16
 * bytes), in every tree that used the table; mmu lock held.
 */
static void zap_written(struct kvmx_shadow_vm *svm, struct wp_gfn *wp, u64 gpa)
{
	unsigned int off = gpa & ~PAGE_MASK, first, last;
	struct kvmx_shadow_vcpu *sv;
	u64 span, start, end, mask;
	int i;

	if (!wp->roots)
		return;
	if (!wp->level || wp->level == U8_MAX) {
		mark_stale(svm, wp->roots);
		wp->roots = 0;
		return;
	}
	first = off / wp->esize;
	last = min_t(unsigned int, (off + 15) / wp->esize,
		     PAGE_SIZE / wp->esize - 1);
	span = 1ULL << (PAGE_SHIFT + (wp->esize == 4 ? 10 : 9) *
			(wp->level - 1));
	start = wp->base + first * span;
	end = start + (last - first + 1) * span - 1;
	list_for_each_entry(sv, &svm->vcpus, link) {
		/* What the trees index: 48 (long mode) or 32 address bits. */
		mask = sv->root_level == 4 ? GENMASK_ULL(47, 0) :
					     GENMASK_ULL(31, 0);
		for (i = 0; i < SPT_ROOTS; i++) {
			struct spt_root *rt = &sv->roots[i];

			if (rt->table && rt->id >= 0 &&
			    (wp->roots & BIT_ULL(rt->id)))
				clear_range(rt->table, sv->root_level, 0,
					    start & mask, end & mask);
		}
	}
}

/*
 * The usual page-table store without the emulator: MOV m, r (89) or
 * MOV m, imm32 (C7 /0) of 4 or 8 bytes within the page, whose destination
 * is the faulting address (@gpa).  Exit-handler contract, or -EOPNOTSUPP
 * with nothing done: the emulator takes the instruction then.
 */
static int pt_store(struct kvmx_x86_vcpu *xv, const struct kvmx_insn *insn,
		    u64 gpa)
{
	u64 val;

	/* 64-bit mode only (8-byte addressing): RIP then just moves on. */
	if (insn->addr_bytes != 8 || insn->map != 0 || insn->lock ||
	    insn->rep || !insn->has_modrm ||
	    (insn->modrm >> 6) == 3 ||
	    (insn->op_bytes != 4 && insn->op_bytes != 8) ||
	    (gpa & ~PAGE_MASK) + insn->op_bytes > PAGE_SIZE)
		return -EOPNOTSUPP;
	if (insn->opcode == 0x89)
		val = xv->regs[((insn->modrm >> 3) & 7) |
			       ((insn->rex & 4) ? 8 : 0)];
	else if (insn->opcode == 0xc7 && !((insn->modrm >> 3) & 7))
		val = insn->imm;	/* sign-extended to 64 bits */
	else
		return -EOPNOTSUPP;
	if (kvmx_write_guest(xv->vcpu->vm, gpa, &val, insn->op_bytes))
		return -EOPNOTSUPP;
	/* Completed as the emulator completes one (no NRIP on a #PF exit). */
	xv->rip += insn->len;
	kvmx_x86->set_interrupt_shadow(xv, 0);
	return 1;
}

/*
 * A write to the protected guest table at @gpa: emulate it and drop what
 * was derived from the entries it changed, or stop protecting the table
 * (written too often without being walked, an instruction the emulator
 * does not handle, or a write made by event delivery).  Exit-handler
 * contract.
 */
static int pt_write(struct kvmx_x86_vcpu *xv, u64 gpa)
{
	struct kvmx_shadow_vm *svm = shadow_vm(xv);
	u64 gfn = gpa >> PAGE_SHIFT;
	struct kvmx_insn insn;
	struct wp_gfn *wp;
	bool emulate, decoded;
	int r;

	/*
	 * An atomic read-modify-write (LOCK, or XCHG with memory) would not
	 * be atomic against the A/D updates other vCPUs' walks make in the
	 * same table: the guest's own CPU does it on an unprotected table.
	 * With one vCPU nothing runs concurrently.
	 *
	 * A fault taken while an event was being delivered (the exit cut it
	 * short and it is queued again) is the event's own write, e.g. its
	 * frame pushed onto a stack in a former page table: the instruction
	 * at RIP did not make it, so it must not be emulated for it.
	 */
	decoded = !kvmx_decode_at_rip(xv, &insn);
	emulate = READ_ONCE(xv->vcpu->vm->nr_vcpus) < 2 ||
		  (decoded && !insn.lock &&
		   !(insn.map == 0 &&
		     (insn.opcode == 0x86 || insn.opcode == 0x87)));
	if (xv->exception.pending || xv->nmi_injected ||
	    xv->interrupt.injected)
		emulate = false;
	spin_lock(mmu_lock(xv));
	wp = wp_find(svm, gfn);
	if (wp && wp->pending) {
		/* Being protected by another vCPU: retry once it is. */
		spin_unlock(mmu_lock(xv));
		return 1;
	}
	if (wp && (!emulate || ++wp->writes > WP_FLOOD)) {
		wp_remove(svm, wp);
		wp = NULL;
	}
	spin_unlock(mmu_lock(xv));
	if (!wp)
		return 1;	/* not protected (any more): a writable leaf */

	r = decoded ? pt_store(xv, &insn, gpa) : -EOPNOTSUPP;
	if (r == -EOPNOTSUPP)
		r = kvmx_emulate_write(xv);

	spin_lock(mmu_lock(xv));
	wp = wp_find(svm, gfn);
	if (wp) {
		if (r == -EOPNOTSUPP || r == 0)
			/*
			 * Not emulated, or not complete (it waits for an MMIO
			 * read from userspace): let the guest write it.
			 */
			wp_remove(svm, wp);
		else
			zap_written(svm, wp, gpa);
	}
	svm->pt_seq++;
	spin_unlock(mmu_lock(xv));
	return r == -EOPNOTSUPP ? 1 : r;
}

/*
 * Map @gva to guest-physical @gpa with the rights @perms the guest's
 * tables grant (KVMX_WALK_PERM_*), for the access @access that faulted.
 * @dirty: the guest's leaf has D set (a read may then map writable).
 * @t: the guest tables the walk read, at pt_seq @pt_seq.
 */
/* The table pages a vCPU's trees may hold before a fault frees them. */
static unsigned long table_cap(struct kvmx_vm *vm)
{
	unsigned long limit = READ_ONCE(to_x86_vm(vm)->nr_mmu_pages);

	return limit ? min_t(unsigned long, limit, SPT_CAP_TABLES)
		     : SPT_CAP_TABLES;
}

static int shadow_map(struct kvmx_x86_vcpu *xv, u64 gva, u64 gpa,
		      u64 page_size, u32 perms, bool dirty, u32 access,
		      struct walk_tables *t, unsigned long pt_seq)
{
	struct kvmx_vm *vm = xv->vcpu->vm;
	struct kvmx_mmu *mmu = kvmx_vm_mmu(vm);
	bool write = access & KVMX_WALK_WRITE, readonly, writable, user;
	const struct kvmx_memslot *slot;
	u64 gfn = gpa >> PAGE_SHIFT, leaf;
	unsigned long hva, seq;
	struct page *page;
	bool table;
	int idx, r;

	/*
	 * However the guest spreads its accesses, the trees stay bounded:
	 * by SPT_CAP_TABLES, or by KVM_SET_NR_MMU_PAGES's limit if lower
	 * (applied per vCPU, where kvm applies it to the whole VM).
	 */
	if (READ_ONCE(xv->shadow->nr_tables) >= table_cap(vm))
		free_all(xv);

	/* The backend's own page (VMX's virtual-8086 TSS): read-only. */
	page = !write && kvmx_x86->private_page ?
	       kvmx_x86->private_page(xv, gfn) : NULL;
	if (page) {
		t->leaf_gfn = gfn;
		seq = kvmx_mmu_seq_begin(mmu);
		return install_leaf(xv, gva, page_to_phys(page) | _PAGE_PRESENT |
				    _PAGE_ACCESSED | _PAGE_NX, seq, t, pt_seq,
				    NULL);
	}

	idx = srcu_read_lock(&vm->srcu);
	slot = kvmx_gfn_to_memslot(vm, gfn);
	readonly = slot && (slot->flags & KVM_MEM_READONLY);
	if (!slot || (write && readonly)) {
		srcu_read_unlock(&vm->srcu, idx);
		/* Emulated from the instruction at RIP, walking its operands. */
		return kvmx_handle_mmio(xv, gpa);
	}
	spin_lock(&mmu->lock);
	table = wp_find(&mmu->shadow, gfn);
	spin_unlock(&mmu->lock);
	if (write && table) {
		srcu_read_unlock(&vm->srcu, idx);
		return pt_write(xv, gpa);
	}
	hva = kvmx_gfn_to_hva(slot, gfn);
	/* Writable at once only where a write would be neither logged nor
	 * have to set the guest's D bit first.
	 */
	writable = !readonly && !table &&
		   (write || (dirty && !slot->dirty_bitmap));
	user = perms & KVMX_WALK_PERM_U;
	if (!(perms & KVMX_WALK_PERM_W)) {
		if (write)	/* CR0.WP = 0: supervisor writes anywhere */
			user = false;
		else
			writable = false;
	}

	seq = kvmx_mmu_seq_begin(mmu);
	r = get_user_pages_unlocked(hva, 1, &page, readonly ? 0 : FOLL_WRITE);
	if (r != 1) {
		srcu_read_unlock(&vm->srcu, idx);
		return -EFAULT;
	}

	leaf = page_to_phys(page) | _PAGE_PRESENT | _PAGE_ACCESSED;
	if (writable)
		leaf |= _PAGE_RW | _PAGE_DIRTY;
	if (user)
		leaf |= _PAGE_USER;
	if (!(perms & KVMX_WALK_PERM_X))
		leaf |= _PAGE_NX;
	if (page_size > PAGE_SIZE)
		leaf |= SPT_PIECE;
	if (page_size > PMD_SIZE)
		xv->shadow->cur->big_pages = true;
	t->leaf_gfn = gfn;
	/* The slot (its dirty bitmap) stays valid while SRCU is held. */
	r = install_leaf(xv, gva, leaf, seq, t, pt_seq, slot);
	srcu_read_unlock(&vm->srcu, idx);
	put_page(page);
	return r;
}

static void reflect_pf(struct kvmx_x86_vcpu *xv, u64 gva, u32 error_code)
{
	kvmx_x86->set_cr(xv, 2, gva);
	kvmx_queue_exception(xv, X86_TRAP_PF, true, error_code);
}

/* A guest #PF at @gva (the hardware's error code): fill a leaf, or reflect it. */
int kvmx_shadow_page_fault(struct kvmx_x86_vcpu *xv, u64 gva, u32 error_code)
{
	struct kvmx_shadow_vcpu *sv = xv->shadow;
	struct walk_tables t = { .gva = gva };
	struct kvmx_walk_result res;
	unsigned long pt_seq;
	struct kvmx_walker w;
	u32 access = KVMX_WALK_SET_AD;
	int r, l;

	/* kvmx never writes reserved bits into its tables. */
	if (KVMX_VM_DEAD_ON(error_code & KVMX_PFERR_RSVD, xv->vcpu->vm))
		return -EIO;
	if (error_code & KVMX_PFERR_WRITE)
		access |= KVMX_WALK_WRITE;
	else if (error_code & KVMX_PFERR_FETCH)
		access |= KVMX_WALK_FETCH;
	if (error_code & KVMX_PFERR_USER)
		access |= KVMX_WALK_USER;
	else if (kvmx_x86->get_cpl(xv) == 3)
		access |= KVMX_WALK_IMPLICIT;
	else if (kvmx_x86->get_rflags(xv) & X86_EFLAGS_AC)
		access |= KVMX_WALK_AC;

	/* Table writes after this are seen by install_leaf(). */
	spin_lock(mmu_lock(xv));
	pt_seq = shadow_vm(xv)->pt_seq;
	spin_unlock(mmu_lock(xv));

	if (!(sv->cr0 & X86_CR0_PG))
		return shadow_map(xv, gva, (u32)gva, PAGE_SIZE,
				  KVMX_WALK_PERM_W | KVMX_WALK_PERM_U |
				  KVMX_WALK_PERM_X, true, access, &t, pt_seq);

	r = kvmx_vcpu_walker(xv, &w);
	if (r)
		return kvmx_internal_error(xv, KVM_INTERNAL_ERROR_EMULATION);
	r = kvmx_walk(&w, &kvmx_vcpu_walk_ops, xv, gva, access, &res);
	switch (r) {
	case KVMX_WALK_OK:
		break;
	case KVMX_WALK_PAGE_FAULT:
	case KVMX_WALK_PTE_ERROR:
		reflect_pf(xv, gva, res.error_code);
		return 1;
	case KVMX_WALK_RETRY:
		return 1;
	case KVMX_WALK_NONCANONICAL:
		kvmx_queue_exception(xv, X86_TRAP_GP, true, 0);
		return 1;
	default:
		return kvmx_internal_error(xv, KVM_INTERNAL_ERROR_EMULATION);
	}

	/* The guest tables the translation came from, top down. */
	t.esize = w.pte_size;
	t.pae = !(xv->efer & EFER_LMA) && w.pte_size == 8;
	if (!(xv->efer & EFER_LMA))
		t.gva = (u32)gva;
	for (l = w.top_level; l >= res.level; l--) {
		t.gfn[t.n] = res.pte_gpa[l] >> PAGE_SHIFT;
		t.level[t.n++] = l;
	}
	spin_lock(mmu_lock(xv));
	for (l = 0; l < t.n; l++)
		if (!wp_find(shadow_vm(xv), t.gfn[l]))
			break;
	spin_unlock(mmu_lock(xv));
	if (l < t.n)
		return protect_tables(xv, &t);
	return shadow_map(xv, gva, res.gpa, res.page_size, res.perms,
			  res.pte[res.level] & _PAGE_DIRTY, access, &t, pt_seq);
}

/*
 * Drop the leaf of @gva, a guest page of 4 KiB; where it is a piece of a
 * 2 MiB guest page, the leaves of the 2 MiB-aligned range around it, which
 * hold every piece of that page.
 */
static void flush_range(struct kvmx_x86_vcpu *xv, u64 gva)
{
	struct kvmx_shadow_vcpu *sv = xv->shadow;
	u64 *table;
	int level, i;

	spin_lock(mmu_lock(xv));
	table = sv->cur->table;
	for (level = sv->root_level; table && level > 1; level--) {
		u64 e = table[spt_index(gva, level)];

		table = (e & _PAGE_PRESENT) ? __va(e & SPT_ADDR_MASK) : NULL;
	}
	if (table && !(table[spt_index(gva, 1)] & SPT_PIECE)) {
		WRITE_ONCE(table[spt_index(gva, 1)], 0);
		table = NULL;
	}
	for (i = 0; table && i < SPT_ENTRIES; i++)
		if (table[i] & _PAGE_PRESENT)
			WRITE_ONCE(table[i], 0);
	spin_unlock(mmu_lock(xv));
	sv->flush = true;
}

/*
 * INVLPG of @la: drop what may translate the address in the current tree
 * (flushing more than asked is allowed), or the whole tree when pieces of
 * guest pages larger than 2 MiB are shadowed.  The other trees hold
 * nothing derived from a changed entry (the tables are write-protected),
 * so they stay.  Then step over the instruction.
 */
int kvmx_shadow_invlpg_at(struct kvmx_x86_vcpu *xv, u64 la)
{
	if (xv->shadow->cur->big_pages)
		flush_current(xv);
	else
		flush_range(xv, la);
	return kvmx_skip_insn(xv);
}

/*
 * A flush the guest asked for without an exit (kvm's PV TLB flush,
 * x86/pv.c), as if it had flushed everything itself: the current tree may
 * be stale (it is kept in use until the guest flushes, as a TLB would be),
 * so its leaves go; the other trees are cleared when loaded if stale.
 */
void kvmx_shadow_flush_guest(struct kvmx_x86_vcpu *xv)
{
	flush_current(xv);
}

/* INVLPG at RIP, its operand decoded (SVM without decode assists). */
int kvmx_shadow_invlpg(struct kvmx_x86_vcpu *xv)
{
	u64 la;

	if (!kvmx_shadow_invlpg_address(xv, &la)) {
		flush_current(xv);
		return kvmx_skip_insn(xv);
	}
	return kvmx_shadow_invlpg_at(xv, la);
}

/*
 * The host changed guest frames: every leaf of every tree goes (the trees
 * are indexed by guest-virtual address, so the range is not looked for).
 */
static void shadow_zap_range(struct kvmx_mmu *mmu, u64 gfn, u64 npages)
{
	spin_lock(&mmu->lock);
	clear_all_trees(mmu, false);
	spin_unlock(&mmu->lock);
	kvmx_mmu_flush(mmu);
}

/* Dirty logging: every leaf loses its writable bit at the commit. */
static void shadow_write_protect(struct kvmx_mmu *mmu, u64 gfn,
				 unsigned long mask)
{
	spin_lock(&mmu->lock);
	mmu->shadow.wp_pending = true;
	spin_unlock(&mmu->lock);
}

static void shadow_commit_write_protect(struct kvmx_mmu *mmu)
{
	spin_lock(&mmu->lock);
	if (mmu->shadow.wp_pending) {
		clear_all_trees(mmu, true);
		mmu->shadow.wp_pending = false;
	}
	spin_unlock(&mmu->lock);
}

const struct kvmx_mmu_ops kvmx_shadow_mmu_ops = {
	.vcpu_init		= shadow_vcpu_init,
	.vcpu_free		= shadow_vcpu_free,
	.page_fault		= kvmx_shadow_page_fault,
	.zap_range		= shadow_zap_range,
	.write_protect		= shadow_write_protect,
	.commit_write_protect	= shadow_commit_write_protect,
	.load_root		= kvmx_shadow_load_root,
};
