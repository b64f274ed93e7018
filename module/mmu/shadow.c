// SPDX-License-Identifier: GPL-2.0
/*
 * Shadow paging as a virtual TLB.
 *
 * Each vCPU owns one tree of shadow tables indexed by guest-virtual
 * address, which the hardware walks instead of the guest's tables.  A
 * shadow leaf is a cached translation: it is filled from a guest page walk
 * when the guest takes a #PF the hardware raised on a missing or too
 * strict shadow entry, and it is dropped whenever the guest would have to
 * flush its TLB (a CR3 write, INVLPG) or the translation rules change
 * (CR0.PG/WP/PE, CR4 paging bits, EFER.NXE/LME).  Flushing more than the
 * architecture requires is always allowed, so INVLPG drops every leaf of
 * the vCPU, global pages included.
 *
 * The hardware runs with paging on in every guest mode: a long-mode guest
 * under a 4-level tree, every other guest (paging off, 32-bit, PAE) under a
 * PAE tree whose 4-entry root lies below 4 GiB; guest paging off is an
 * identity map of the low 4 GiB of guest-physical space.  Leaves are
 * 4 KiB whatever the guest's page size.
 *
 * Host side: leaves reference the VMM's pages without pinning them, as
 * the TDP tables do; the MMU notifier, memslot removal and dirty-log write
 * protection act on every leaf of every vCPU of the VM (correct, coarse).
 * All table entries are changed under the VM's mmu lock (kvmx_tdp.lock),
 * the tree's shape only by its own vCPU.
 */
#define pr_fmt(fmt) "kvmx: " fmt

#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <asm/io.h>
#include <asm/traps.h>

#include "kvmx_shadow.h"
#include "kvmx_walk.h"
#include "kvmx_x86.h"

static bool tdp = true;
module_param(tdp, bool, 0444);
MODULE_PARM_DESC(tdp,
		 "use two-dimensional paging (NPT/EPT); N: shadow paging for every VM created while loaded (SVM only: the VMX backend is not hooked up to shadow paging yet)");

static bool npt = true;
module_param(npt, bool, 0444);
MODULE_PARM_DESC(npt,
		 "AMD: use nested paging (as kvm_amd's npt); N: shadow paging");

#define SPT_ENTRIES	512
#define SPT_ADDR_MASK	GENMASK_ULL(51, 12)
/* Non-leaf entries grant everything: the leaf carries the rights. */
#define SPT_TABLE	(_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED)
/* A PAE PDPTE has no R/W, U/S or A bit (they are reserved). */
#define SPT_PDPTE	_PAGE_PRESENT
/* Tables kept across flushes before the tree is freed and rebuilt. */
#define SPT_MAX_TABLES	256
/* A tree never grows past this (8 MiB): a fault then starts afresh. */
#define SPT_CAP_TABLES	2048

/* #PF error code bits (Intel SDM "Page-Fault Exceptions"). */
#define PFERR_PRESENT	BIT(0)
#define PFERR_WRITE	BIT(1)
#define PFERR_USER	BIT(2)
#define PFERR_RSVD	BIT(3)
#define PFERR_FETCH	BIT(4)

/* CR bits whose change restarts the shadow context. */
#define CR0_PAGING_BITS	(X86_CR0_PG | X86_CR0_WP | X86_CR0_PE)
#define CR4_PAGING_BITS	(X86_CR4_PGE | X86_CR4_PSE | X86_CR4_PAE | \
			 X86_CR4_SMEP | X86_CR4_SMAP | X86_CR4_PCIDE | \
			 X86_CR4_LA57 | X86_CR4_PKE)

/**
 * struct kvmx_shadow_vcpu - one vCPU's shadow context
 * @link:       in kvmx_shadow_vm.vcpus (mmu lock)
 * @root:       top shadow table, NULL until the next entry allocates one;
 *              the tree is changed under the mmu lock, and only by this
 *              vCPU's thread, except leaves, which zaps also clear
 * @root_level: 4 (long-mode guest) or 3 (PAE tree, root below 4 GiB)
 * @nr_tables:  table pages in the tree, root included (mmu lock)
 * @cr0:        the guest's CR0 as it wrote it
 * @cr3:        the guest's CR3
 * @cr4:        the guest's CR4
 * @flush:      the TLB tag must be flushed before the next entry
 * @big_pages:  some leaf is a piece of a guest page larger than 2 MiB:
 *              INVLPG then flushes everything (cleared with the leaves)
 * All but the lock-protected fields: the vCPU mutex.
 */
struct kvmx_shadow_vcpu {
	struct list_head link;
	u64 *root;
	int root_level;
	unsigned long nr_tables;
	u64 cr0;
	u64 cr3;
	u64 cr4;
	bool flush;
	bool big_pages;
};

static spinlock_t *mmu_lock(struct kvmx_x86_vcpu *xv)
{
	return &to_x86_vm(xv->vcpu->vm)->tdp.lock;
}

bool kvmx_shadow_requested(void)
{
	return !tdp || (kvmx_x86 == &kvmx_svm_ops && !npt);
}

int kvmx_shadow_check_backend(void)
{
	if (!kvmx_shadow_requested())
		return 0;
	if (!kvmx_x86->shadow_paging) {
		pr_err("tdp=N: %s cannot use shadow paging yet\n",
		       kvmx_x86->name);
		return -EOPNOTSUPP;
	}
	/* sysfs shows what is in force (the KVM selftests read npt). */
	tdp = false;
	if (kvmx_x86 == &kvmx_svm_ops)
		npt = false;
	pr_info("shadow paging for every VM (tdp=N)\n");
	return 0;
}

void kvmx_shadow_vm_init(struct kvmx_vm *vm)
{
	struct kvmx_shadow_vm *s = &to_x86_vm(vm)->shadow;

	s->enabled = kvmx_shadow_requested();
	INIT_LIST_HEAD(&s->vcpus);
}

int kvmx_shadow_enable_cap(struct kvmx_vm *vm, u64 on)
{
	int r = 0;

	if (on > 1 || (on && !kvmx_x86->shadow_paging))
		return -EINVAL;
	mutex_lock(&vm->lock);
	/* A vCPU's paging is set up when it is created: too late then. */
	if (vm->nr_vcpus)
		r = -EINVAL;
	else
		to_x86_vm(vm)->shadow.enabled = on;
	mutex_unlock(&vm->lock);
	return r;
}

int kvmx_shadow_vcpu_init(struct kvmx_x86_vcpu *xv)
{
	struct kvmx_vm *vm = xv->vcpu->vm;
	struct kvmx_shadow_vcpu *sv;

	if (!to_x86_vm(vm)->shadow.enabled)
		return 0;
	sv = kzalloc(sizeof(*sv), GFP_KERNEL_ACCOUNT);
	if (!sv)
		return -ENOMEM;
	xv->shadow = sv;
	spin_lock(mmu_lock(xv));
	list_add(&sv->link, &to_x86_vm(vm)->shadow.vcpus);
	spin_unlock(mmu_lock(xv));
	return 0;
}

/* Free @table (at @level) and every table below it; mmu lock held. */
static void free_tree(struct kvmx_shadow_vcpu *sv, u64 *table, int level)
{
	int i;

	if (level > 1)
		for (i = 0; i < SPT_ENTRIES; i++)
			if (table[i] & _PAGE_PRESENT)
				free_tree(sv, __va(table[i] & SPT_ADDR_MASK),
					  level - 1);
	free_page((unsigned long)table);
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

/*
 * The guest flushed its TLB, or changed how it translates: drop every
 * cached translation.  @free also gives the tables back (the tree's shape
 * must change with the paging mode, and it must not grow without bound).
 */
static void shadow_flush(struct kvmx_x86_vcpu *xv, bool free)
{
	struct kvmx_shadow_vcpu *sv = xv->shadow;

	spin_lock(mmu_lock(xv));
	if (sv->root) {
		if (free || sv->nr_tables > SPT_MAX_TABLES) {
			free_tree(sv, sv->root, sv->root_level);
			sv->root = NULL;
		} else {
			clear_leaves(sv->root, sv->root_level, false);
		}
	}
	spin_unlock(mmu_lock(xv));
	sv->flush = true;
	sv->big_pages = false;
}

void kvmx_shadow_vcpu_destroy(struct kvmx_x86_vcpu *xv)
{
	struct kvmx_shadow_vcpu *sv = xv->shadow;

	if (!sv)
		return;
	shadow_flush(xv, true);
	spin_lock(mmu_lock(xv));
	list_del(&sv->link);
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

void kvmx_shadow_set_cr(struct kvmx_x86_vcpu *xv, int cr, u64 val)
{
	struct kvmx_shadow_vcpu *sv = xv->shadow;
	bool flush;

	switch (cr) {
	case 0:
		flush = (sv->cr0 ^ val) & CR0_PAGING_BITS;
		sv->cr0 = val;
		break;
	case 3:
		flush = true;	/* a new address space: nothing is valid */
		sv->cr3 = val;
		break;
	case 4:
		flush = (sv->cr4 ^ val) & CR4_PAGING_BITS;
		sv->cr4 = val;
		break;
	default:
		return;
	}
	if (flush)
		shadow_flush(xv, cr != 3);
}

void kvmx_shadow_efer_changed(struct kvmx_x86_vcpu *xv)
{
	shadow_flush(xv, true);
}

int kvmx_shadow_load(struct kvmx_x86_vcpu *xv, struct kvmx_shadow_hw *hw)
{
	struct kvmx_shadow_vcpu *sv = xv->shadow;
	bool lma = xv->efer & EFER_LMA;

	if (!sv->root) {
		/* In legacy PAE mode CR3 holds 32 bits: the root stays low. */
		gfp_t gfp = GFP_KERNEL_ACCOUNT | (lma ? 0 : GFP_DMA32);
		u64 *root = (u64 *)get_zeroed_page(gfp);

		if (!root)
			return -ENOMEM;
		spin_lock(mmu_lock(xv));
		sv->root = root;
		sv->root_level = lma ? 4 : 3;
		sv->nr_tables = 1;
		spin_unlock(mmu_lock(xv));
	}
	hw->cr3 = __pa(sv->root);
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

/* The shadow table index of @gva at @level (PAE root: 4 entries used). */
static unsigned int spt_index(u64 gva, int level)
{
	return (gva >> (PAGE_SHIFT + 9 * (level - 1))) & (SPT_ENTRIES - 1);
}

/*
 * Install @leaf for @gva in the vCPU's tree, allocating missing tables.
 * 1 = done or retry (raced with a host mm change), or -ENOMEM.
 */
static int install_leaf(struct kvmx_x86_vcpu *xv, u64 gva, u64 leaf,
			unsigned long seq)
{
	struct kvmx_shadow_vcpu *sv = xv->shadow;
	struct kvmx_tdp *tdp = &to_x86_vm(xv->vcpu->vm)->tdp;
	void *spare[3] = {};
	int nspare = 0, level, r = 1;
	u64 *table, *e;

again:
	spin_lock(&tdp->lock);
	if (tdp->mn_active || tdp->mn_seq != seq || !sv->root)
		goto unlock;
	table = sv->root;
	for (level = sv->root_level; level > 1; level--) {
		e = &table[spt_index(gva, level)];
		if (!(*e & _PAGE_PRESENT)) {
			if (!nspare) {
				spin_unlock(&tdp->lock);
				if (kvmx_mmu_get_spares(spare, &nspare,
							ARRAY_SIZE(spare))) {
					r = -ENOMEM;
					goto out;
				}
				goto again;
			}
			sv->nr_tables++;
			WRITE_ONCE(*e, __pa(spare[--nspare]) |
				   (level == 3 && sv->root_level == 3 ?
				    SPT_PDPTE : SPT_TABLE));
		}
		table = __va(*e & SPT_ADDR_MASK);
	}
	e = &table[spt_index(gva, 1)];
	/* Replacing a present leaf: the TLB may hold the old one. */
	if (*e & _PAGE_PRESENT)
		sv->flush = true;
	WRITE_ONCE(*e, leaf);
unlock:
	spin_unlock(&tdp->lock);
out:
	kvmx_mmu_put_spares(spare, nspare);
	return r;
}

/*
 * Map @gva to guest-physical @gpa with the rights @perms the guest's
 * tables grant (KVMX_WALK_PERM_*), for the access @access that faulted.
 * @dirty: the guest's leaf has D set (a read may then map writable).
 */
static int shadow_map(struct kvmx_x86_vcpu *xv, u64 gva, u64 gpa,
		      u64 page_size, u32 perms, bool dirty, u32 access)
{
	struct kvmx_vm *vm = xv->vcpu->vm;
	struct kvmx_tdp *tdp = &to_x86_vm(vm)->tdp;
	bool write = access & KVMX_WALK_WRITE, readonly, writable, user;
	const struct kvmx_memslot *slot;
	u64 gfn = gpa >> PAGE_SHIFT, leaf;
	unsigned long hva, seq;
	struct page *page;
	int idx, r;

	/* However the guest spreads its accesses, the tree stays bounded. */
	if (READ_ONCE(xv->shadow->nr_tables) >= SPT_CAP_TABLES)
		shadow_flush(xv, true);

	idx = srcu_read_lock(&vm->srcu);
	slot = kvmx_gfn_to_memslot(vm, gfn);
	readonly = slot && (slot->flags & KVM_MEM_READONLY);
	if (!slot || (write && readonly)) {
		srcu_read_unlock(&vm->srcu, idx);
		/* Emulated from the instruction at RIP, walking its operands. */
		return kvmx_handle_mmio(xv, gpa);
	}
	hva = kvmx_gfn_to_hva(slot, gfn);
	/* Writable at once only where a write would be neither logged nor
	 * have to set the guest's D bit first.
	 */
	writable = !readonly && (write || (dirty && !slot->dirty_bitmap));
	user = perms & KVMX_WALK_PERM_U;
	if (!(perms & KVMX_WALK_PERM_W)) {
		if (write)	/* CR0.WP = 0: supervisor writes anywhere */
			user = false;
		else
			writable = false;
	}
	if (writable)
		kvmx_mark_dirty(slot, gfn);

	seq = READ_ONCE(tdp->mn_seq);
	smp_rmb();	/* pairs with the lock invalidations bump it under */
	r = get_user_pages_unlocked(hva, 1, &page, readonly ? 0 : FOLL_WRITE);
	srcu_read_unlock(&vm->srcu, idx);
	if (r != 1)
		return -EFAULT;

	leaf = page_to_phys(page) | _PAGE_PRESENT | _PAGE_ACCESSED;
	if (writable)
		leaf |= _PAGE_RW | _PAGE_DIRTY;
	if (user)
		leaf |= _PAGE_USER;
	if (!(perms & KVMX_WALK_PERM_X))
		leaf |= _PAGE_NX;
	if (page_size > PMD_SIZE)
		xv->shadow->big_pages = true;
	r = install_leaf(xv, gva, leaf, seq);
	put_page(page);
	return r;
}

static void reflect_pf(struct kvmx_x86_vcpu *xv, u64 gva, u32 error_code)
{
	kvmx_x86->set_cr(xv, 2, gva);
	kvmx_queue_exception(xv, X86_TRAP_PF, true, error_code);
}

int kvmx_shadow_page_fault(struct kvmx_x86_vcpu *xv, u64 gva, u32 error_code)
{
	struct kvmx_shadow_vcpu *sv = xv->shadow;
	struct kvmx_walk_result res;
	struct kvmx_walker w;
	u32 access = KVMX_WALK_SET_AD;
	int r;

	if (error_code & PFERR_RSVD) {
		/* kvmx never writes reserved bits: rebuild, do not loop. */
		WARN_ON_ONCE(1);
		shadow_flush(xv, true);
		return 1;
	}
	if (error_code & PFERR_WRITE)
		access |= KVMX_WALK_WRITE;
	else if (error_code & PFERR_FETCH)
		access |= KVMX_WALK_FETCH;
	if (error_code & PFERR_USER)
		access |= KVMX_WALK_USER;
	else if (kvmx_x86->get_cpl(xv) == 3)
		access |= KVMX_WALK_IMPLICIT;
	else if (kvmx_x86->get_rflags(xv) & X86_EFLAGS_AC)
		access |= KVMX_WALK_AC;

	if (!(sv->cr0 & X86_CR0_PG))
		return shadow_map(xv, gva, (u32)gva, PAGE_SIZE,
				  KVMX_WALK_PERM_W | KVMX_WALK_PERM_U |
				  KVMX_WALK_PERM_X, true, access);

	r = kvmx_vcpu_walker(xv, &w);
	if (r)
		return kvmx_internal_error(xv, KVM_INTERNAL_ERROR_EMULATION);
	r = kvmx_walk(&w, &kvmx_vcpu_walk_ops, xv, gva, access, &res);
	switch (r) {
	case KVMX_WALK_OK:
		return shadow_map(xv, gva, res.gpa, res.page_size, res.perms,
				  res.pte[res.level] & _PAGE_DIRTY, access);
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
}

/*
 * Drop the leaves of the 2 MiB-aligned range around @gva: every piece of a
 * guest page of 4 KiB or 2 MiB that contains @gva.
 */
static void flush_range(struct kvmx_x86_vcpu *xv, u64 gva)
{
	struct kvmx_shadow_vcpu *sv = xv->shadow;
	u64 *table;
	int level, i;

	spin_lock(mmu_lock(xv));
	table = sv->root;
	for (level = sv->root_level; table && level > 1; level--) {
		u64 e = table[spt_index(gva, level)];

		table = (e & _PAGE_PRESENT) ? __va(e & SPT_ADDR_MASK) : NULL;
	}
	for (i = 0; table && i < SPT_ENTRIES; i++)
		if (table[i] & _PAGE_PRESENT)
			WRITE_ONCE(table[i], 0);
	spin_unlock(mmu_lock(xv));
	sv->flush = true;
}

/*
 * INVLPG: drop what may translate the address (flushing more than asked is
 * allowed): its 2 MiB range, or everything when the address is not known
 * or larger guest pages are shadowed.
 */
int kvmx_shadow_invlpg(struct kvmx_x86_vcpu *xv)
{
	u64 la;

	if (!xv->shadow->big_pages && kvmx_shadow_invlpg_address(xv, &la))
		flush_range(xv, la);
	else
		shadow_flush(xv, false);
	return kvmx_skip_insn(xv);
}

/* Host-side changes, for every vCPU of @vm. */
static void clear_all_trees(struct kvmx_vm *vm, bool wp_only)
{
	struct kvmx_x86_vm *xvm = to_x86_vm(vm);
	struct kvmx_shadow_vcpu *sv;

	lockdep_assert_held(&xvm->tdp.lock);
	list_for_each_entry(sv, &xvm->shadow.vcpus, link)
		if (sv->root)
			clear_leaves(sv->root, sv->root_level, wp_only);
}

void kvmx_shadow_zap_all(struct kvmx_vm *vm)
{
	struct kvmx_x86_vm *xvm = to_x86_vm(vm);

	spin_lock(&xvm->tdp.lock);
	clear_all_trees(vm, false);
	spin_unlock(&xvm->tdp.lock);
	kvmx_tdp_flush(&xvm->tdp);
}

void kvmx_shadow_write_protect(struct kvmx_vm *vm)
{
	struct kvmx_x86_vm *xvm = to_x86_vm(vm);

	spin_lock(&xvm->tdp.lock);
	xvm->shadow.wp_pending = true;
	spin_unlock(&xvm->tdp.lock);
}

void kvmx_shadow_flush_pending(struct kvmx_vm *vm)
{
	struct kvmx_x86_vm *xvm = to_x86_vm(vm);

	spin_lock(&xvm->tdp.lock);
	if (xvm->shadow.wp_pending) {
		clear_all_trees(vm, true);
		xvm->shadow.wp_pending = false;
	}
	spin_unlock(&xvm->tdp.lock);
}
