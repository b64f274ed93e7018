// SPDX-License-Identifier: GPL-2.0
/*
 * walk.c - software walk of the guest's page tables, following the rules of
 * the Intel SDM chapter "Paging" and the AMD APM chapter "Page Translation and
 * Protection".  Pure code: see kvmx_walk.h for the API and
 * Documentation/mmu.rst for the rules and the choices made where the manuals
 * leave room.
 */
#include "kvmx_walk.h"

/* Internal: an A/D compare-and-exchange lost a race, walk again. */
#define WALK_RESTART	(-EAGAIN)

/* Bits @hi..@lo (inclusive) set; 0 when @lo > @hi. */
static u64 walk_bits(unsigned int hi, unsigned int lo)
{
	if (lo > hi)
		return 0;
	return (~0ULL >> (63 - hi)) & (~0ULL << lo);
}

/* Bit 8 of a PML4E/PML5E: must be zero on AMD ("Long-Mode Page Translation"). */
#define WALK_AMD_NONLEAF_BIT8	BIT_ULL(8)

/* Address bits of a paging-structure entry that points to a table or 4 KiB page. */
#define WALK_ADDR_32		0xfffff000ULL
#define WALK_ADDR_64		(walk_bits(51, 12))

/* PSE-36: bits 20:13 of a 4 MiB PDE hold physical-address bits 39:32. */
#define WALK_PSE36_SHIFT	13
#define WALK_PSE36_MASK		0xffULL

static void walk_init_32bit(struct kvmx_walker *w, const struct kvmx_walk_cpu *cpu)
{
	unsigned int m32;

	w->mode = KVMX_PAGING_32;
	w->top_level = 2;
	w->pte_size = 4;
	w->root_gpa = cpu->cr3 & WALK_ADDR_32;
	/*
	 * 32-bit paging has no reserved bits except in a 4 MiB PDE, and PS is
	 * simply ignored while CR4.PSE = 0 ("32-Bit Paging").  With PSE-36 a
	 * 4 MiB page reaches min(MAXPHYADDR, 40) bits; bits 21:(M-19) are
	 * reserved.
	 */
	if (!(cpu->cr4 & KVMX_WALK_CR4_PSE))
		return;
	m32 = cpu->maxphyaddr < 40 ? cpu->maxphyaddr : 40;
	if (cpu->features & KVMX_WALK_CPU_NO_PSE36)
		m32 = 32;
	w->large_ok[2] = true;
	w->rsvd[2][1] = walk_bits(21, m32 - 19);
}

static void walk_init_pae(struct kvmx_walker *w, const struct kvmx_walk_cpu *cpu)
{
	u64 high = walk_bits(62, cpu->maxphyaddr);
	int i;

	if (!w->nx)
		high |= KVMX_PTE_XD;
	w->mode = KVMX_PAGING_PAE;
	w->top_level = 3;
	w->pte_size = 8;
	w->root_gpa = cpu->cr3 & 0xffffffe0ULL;
	for (i = 0; i < 4; i++)
		w->pdpte[i] = cpu->pdpte[i];
	/* "PAE Paging": a PDPTE has no R/W, U/S, A or XD; bits 2:1, 8:5, 63:M reserved. */
	w->rsvd[3][0] = walk_bits(63, cpu->maxphyaddr) | walk_bits(8, 5) | walk_bits(2, 1);
	w->rsvd[2][0] = high;
	w->rsvd[2][1] = high | walk_bits(20, 13);
	w->large_ok[2] = true;
	w->rsvd[1][0] = high;
}

static void walk_init_long(struct kvmx_walker *w, const struct kvmx_walk_cpu *cpu)
{
	/* Bits 62:52 are ignored (62:59 may be a protection key), 51:M reserved. */
	u64 high = walk_bits(51, cpu->maxphyaddr);
	u64 nonleaf_top = KVMX_PTE_PS;
	int level;

	if (!w->nx)
		high |= KVMX_PTE_XD;
	if (cpu->features & KVMX_WALK_CPU_AMD)
		nonleaf_top |= WALK_AMD_NONLEAF_BIT8;
	if (cpu->cr4 & KVMX_WALK_CR4_LA57) {
		w->mode = KVMX_PAGING_5LEVEL;
		w->top_level = 5;
		w->va_bits = 57;
	} else {
		w->mode = KVMX_PAGING_4LEVEL;
		w->top_level = 4;
		w->va_bits = 48;
	}
	w->pte_size = 8;
	w->root_gpa = cpu->cr3 & walk_bits(cpu->maxphyaddr - 1, 12);
	w->pke = cpu->cr4 & KVMX_WALK_CR4_PKE;
	w->pks = cpu->cr4 & KVMX_WALK_CR4_PKS;
	w->pkru = cpu->pkru;
	w->pkrs = cpu->pkrs;

	for (level = 1; level <= KVMX_WALK_MAX_LEVELS; level++)
		w->rsvd[level][0] = high;
	/* PS is reserved in a PML4E/PML5E, and in a PDPTE without 1 GiB pages. */
	w->rsvd[5][0] |= nonleaf_top;
	w->rsvd[4][0] |= nonleaf_top;
	if (cpu->features & KVMX_WALK_CPU_1G_PAGES) {
		w->large_ok[3] = true;
		w->rsvd[3][1] = high | walk_bits(29, 13);
	} else {
		w->rsvd[3][0] |= KVMX_PTE_PS;
	}
	w->large_ok[2] = true;
	w->rsvd[2][1] = high | walk_bits(20, 13);
}

/**
 * kvmx_walker_init() - precompute a walk context from the vCPU's state.
 * @w: the context to fill.
 * @cpu: CR0, CR3, CR4, EFER, PDPTEs, PKRU/PKRS, MAXPHYADDR and CPU features.
 *
 * Return: 0, or -EINVAL for a state no CPU can be in.
 */
int kvmx_walker_init(struct kvmx_walker *w, const struct kvmx_walk_cpu *cpu)
{
	bool pg = cpu->cr0 & KVMX_WALK_CR0_PG;
	bool pae = cpu->cr4 & KVMX_WALK_CR4_PAE;
	bool lma = cpu->efer & KVMX_WALK_EFER_LMA;

	if (cpu->maxphyaddr < 32 || cpu->maxphyaddr > 52)
		return -EINVAL;
	if (cpu->features & ~KVMX_WALK_CPU_VALID)
		return -EINVAL;
	/* EFER.LMA is CR0.PG && EFER.LME, and long mode requires CR4.PAE. */
	if (lma && (!pg || !pae))
		return -EINVAL;

	memset(w, 0, sizeof(*w));
	w->va_bits = 32;
	w->pte_size = 8;
	w->wp = cpu->cr0 & KVMX_WALK_CR0_WP;
	w->smep = cpu->cr4 & KVMX_WALK_CR4_SMEP;
	w->smap = cpu->cr4 & KVMX_WALK_CR4_SMAP;
	if (!pg) {
		w->mode = KVMX_PAGING_NONE;
		return 0;
	}
	/* XD exists only with 8-byte entries, and only while EFER.NXE = 1. */
	w->nx = pae && (cpu->efer & KVMX_WALK_EFER_NXE);
	if (lma)
		walk_init_long(w, cpu);
	else if (pae)
		walk_init_pae(w, cpu);
	else
		walk_init_32bit(w, cpu);
	/* "Page-Fault Exceptions": I/D is reported with SMEP, or with PAE and NXE. */
	w->fetch_in_pferr = w->smep || w->nx;
	return 0;
}

/**
 * kvmx_walk_pdpte_rsvd() - does a PAE PDPTE have a reserved bit set?
 * @pdpte: the entry as read from the PDPT.
 * @maxphyaddr: the guest's MAXPHYADDR.
 *
 * Return: true when the entry is present and sets a reserved bit, which
 * makes the instruction that loads the PDPTE registers raise #GP(0).
 */
bool kvmx_walk_pdpte_rsvd(u64 pdpte, u8 maxphyaddr)
{
	if (!(pdpte & KVMX_PTE_P))
		return false;
	return pdpte & (walk_bits(63, maxphyaddr) | walk_bits(8, 5) | walk_bits(2, 1));
}

/* Bit position of the address bits translated below @level. */
static unsigned int walk_shift(const struct kvmx_walker *w, unsigned int level)
{
	unsigned int bits_per_level = w->pte_size == 4 ? 10 : 9;

	return 12 + bits_per_level * (level - 1);
}

/* The error-code bits that describe the access itself (P, RSVD, PK excluded). */
static u32 walk_access_pferr(const struct kvmx_walker *w, u32 access)
{
	u32 pferr = 0;

	if (access & KVMX_WALK_WRITE)
		pferr |= KVMX_PFERR_WRITE;
	if (access & KVMX_WALK_USER)
		pferr |= KVMX_PFERR_USER;
	if ((access & KVMX_WALK_FETCH) && w->fetch_in_pferr)
		pferr |= KVMX_PFERR_FETCH;
	return pferr;
}

/* Guest-physical address of the byte at @gva inside the page mapped by @pte. */
static u64 walk_leaf_gpa(const struct kvmx_walker *w, u64 pte, unsigned int level,
			 u64 gva)
{
	u64 offset_mask = (1ULL << walk_shift(w, level)) - 1;

	if (w->pte_size == 4 && level == 2) {
		/* 4 MiB page: bits 31:22, plus bits 39:32 from PDE bits 20:13. */
		u64 high = (pte >> WALK_PSE36_SHIFT) & WALK_PSE36_MASK;

		return (pte & walk_bits(31, 22)) | (high << 32) | (gva & offset_mask);
	}
	if (w->pte_size == 4)
		return (pte & WALK_ADDR_32) | (gva & offset_mask);
	return (pte & walk_bits(51, walk_shift(w, level))) | (gva & offset_mask);
}

/*
 * Protection-key check ("Protection Keys"): only in long mode, only for data
 * accesses.  PKRU governs user-mode addresses (whatever the access mode),
 * IA32_PKRS supervisor-mode addresses.  Write-disable binds supervisor
 * writes only while CR0.WP = 1.
 */
static bool walk_pkey_fault(const struct kvmx_walker *w, u32 access, bool user_page,
			    u8 pkey)
{
	u32 reg;

	if (access & KVMX_WALK_FETCH)
		return false;
	if (user_page && w->pke)
		reg = w->pkru;
	else if (!user_page && w->pks)
		reg = w->pkrs;
	else
		return false;
	reg >>= 2 * pkey;
	if (reg & 1)		/* access-disable */
		return true;
	return (reg & 2) && (access & KVMX_WALK_WRITE) &&
	       ((access & KVMX_WALK_USER) || w->wp);
}

/*
 * Access rights ("Access Rights" in the SDM paging chapter).  @perms are
 * the effective KVMX_WALK_PERM_* of the translation.  Returns true when the
 * access is not allowed (protection keys aside).
 */
static bool walk_perm_fault(const struct kvmx_walker *w, u32 access, u8 perms)
{
	bool user_page = perms & KVMX_WALK_PERM_U;
	bool writable = perms & KVMX_WALK_PERM_W;
	bool executable = perms & KVMX_WALK_PERM_X;
	bool smap_denied;

	if (access & KVMX_WALK_USER) {
		if (!user_page)
			return true;
		if (access & KVMX_WALK_FETCH)
			return !executable;
		return (access & KVMX_WALK_WRITE) && !writable;
	}

	/* Supervisor-mode access (explicit at CPL < 3, or implicit). */
	if (access & KVMX_WALK_FETCH)
		return !executable || (w->smep && user_page);
	/* SMAP: EFLAGS.AC excuses explicit accesses only. */
	smap_denied = w->smap && user_page &&
		      ((access & KVMX_WALK_IMPLICIT) || !(access & KVMX_WALK_AC));
	if (smap_denied)
		return true;
	/* CR0.WP = 0 lets supervisor writes ignore R/W. */
	return (access & KVMX_WALK_WRITE) && w->wp && !writable;
}

/*
 * Set the accessed bit of every entry used (PAE PDPTEs have none) and the
 * dirty bit of the leaf for a write, each with a compare-and-exchange so a
 * concurrent change by the guest is never overwritten.
 */
static int walk_set_ad(const struct kvmx_walker *w, const struct kvmx_walk_ops *ops,
		       void *ctx, u32 access, unsigned int leaf_level,
		       struct kvmx_walk_result *res)
{
	unsigned int level;
	int ret;

	for (level = w->top_level; level >= leaf_level; level--) {
		u64 old = res->pte[level];
		u64 new = old | KVMX_PTE_A;

		if (w->mode == KVMX_PAGING_PAE && level == 3)
			continue;
		if (level == leaf_level && (access & KVMX_WALK_WRITE))
			new |= KVMX_PTE_D;
		if (new == old)
			continue;
		ret = ops->cmpxchg_pte(ctx, res->pte_gpa[level], old, new, w->pte_size);
		if (ret > 0)
			return WALK_RESTART;
		if (ret < 0) {
			res->level = level;
			res->cb_err = ret;
			res->error_code = walk_access_pferr(w, access);
			return KVMX_WALK_PTE_ERROR;
		}
		res->pte[level] = new;
	}
	return KVMX_WALK_OK;
}

/* Read the entry for @gva at @level of the table at @table_gpa. */
static int walk_read_entry(const struct kvmx_walker *w, const struct kvmx_walk_ops *ops,
			   void *ctx, u64 table_gpa, unsigned int level, u64 gva,
			   u64 *pte_gpa, u64 *pte)
{
	unsigned int index_bits = w->pte_size == 4 ? 10 : 9;
	u64 index;

	if (w->mode == KVMX_PAGING_PAE && level == 3) {
		/* The PDPTE registers, loaded by the CPU at CR3 load. */
		index = (gva >> 30) & 3;
		*pte_gpa = table_gpa + 8 * index;
		*pte = w->pdpte[index];
		return 0;
	}
	index = (gva >> walk_shift(w, level)) & ((1ULL << index_bits) - 1);
	*pte_gpa = table_gpa + index * w->pte_size;
	*pte = 0;
	return ops->read_pte(ctx, *pte_gpa, pte, w->pte_size);
}

/*
 * One walk from the root to the leaf.  Faults for a missing or malformed
 * entry come first, in walk order; access rights are judged only on a
 * complete translation, from the rights accumulated over all levels.
 */
static int walk_once(const struct kvmx_walker *w, const struct kvmx_walk_ops *ops,
		     void *ctx, u64 gva, u32 access, struct kvmx_walk_result *res)
{
	u32 pferr = walk_access_pferr(w, access);
	u8 perms = KVMX_WALK_PERM_W | KVMX_WALK_PERM_U | KVMX_WALK_PERM_X;
	u64 table_gpa = w->root_gpa;
	unsigned int level = w->top_level;
	bool pdpte_reg, large, pkey_denied;
	u64 pte;
	int ret;

	for (;;) {
		ret = walk_read_entry(w, ops, ctx, table_gpa, level, gva,
				      &res->pte_gpa[level], &pte);
		res->level = level;
		if (ret) {
			res->cb_err = ret < 0 ? ret : -EIO;
			res->error_code = pferr;
			return KVMX_WALK_PTE_ERROR;
		}
		res->pte[level] = pte;
		if (!(pte & KVMX_PTE_P)) {
			res->error_code = pferr;
			return KVMX_WALK_PAGE_FAULT;
		}
		large = level > 1 && w->large_ok[level] && (pte & KVMX_PTE_PS);
		if (pte & w->rsvd[level][large]) {
			res->error_code = pferr | KVMX_PFERR_PRESENT | KVMX_PFERR_RSVD;
			return KVMX_WALK_PAGE_FAULT;
		}
		pdpte_reg = w->mode == KVMX_PAGING_PAE && level == 3;
		if (!pdpte_reg) {
			if (!(pte & KVMX_PTE_RW))
				perms &= ~KVMX_WALK_PERM_W;
			if (!(pte & KVMX_PTE_US))
				perms &= ~KVMX_WALK_PERM_U;
			if (w->nx && (pte & KVMX_PTE_XD))
				perms &= ~KVMX_WALK_PERM_X;
		}
		if (level == 1 || large)
			break;
		table_gpa = pte & (w->pte_size == 4 ? WALK_ADDR_32 : WALK_ADDR_64);
		level--;
	}

	res->perms = perms;
	res->page_size = 1ULL << walk_shift(w, level);
	if (w->pke || w->pks)
		res->pkey = (pte >> 59) & 0xf;
	pkey_denied = walk_pkey_fault(w, access, perms & KVMX_WALK_PERM_U, res->pkey);
	if (walk_perm_fault(w, access, perms) || pkey_denied) {
		res->error_code = pferr | KVMX_PFERR_PRESENT;
		if (pkey_denied)
			res->error_code |= KVMX_PFERR_PK;
		return KVMX_WALK_PAGE_FAULT;
	}
	res->gpa = walk_leaf_gpa(w, pte, level, gva);
	if (access & KVMX_WALK_SET_AD)
		return walk_set_ad(w, ops, ctx, access, level, res);
	return KVMX_WALK_OK;
}

/**
 * kvmx_walk() - translate a guest-virtual address for one access.
 * @w: the context from kvmx_walker_init().
 * @ops: guest-memory callbacks.
 * @ctx: passed to the callbacks.
 * @gva: the linear address (only bits 31:0 count outside long mode).
 * @access: KVMX_WALK_* flags describing the access.
 * @res: filled with the outcome (see struct kvmx_walk_result).
 *
 * Return: an enum kvmx_walk_status, or -EINVAL for invalid arguments.
 */
int kvmx_walk(const struct kvmx_walker *w, const struct kvmx_walk_ops *ops,
	      void *ctx, u64 gva, u32 access, struct kvmx_walk_result *res)
{
	int tries, ret;

	if (access & ~KVMX_WALK_VALID)
		return -EINVAL;
	if ((access & KVMX_WALK_WRITE) && (access & KVMX_WALK_FETCH))
		return -EINVAL;
	if ((access & KVMX_WALK_USER) && (access & KVMX_WALK_IMPLICIT))
		return -EINVAL;
	if (w->mode != KVMX_PAGING_NONE && (!ops || !ops->read_pte))
		return -EINVAL;
	if ((access & KVMX_WALK_SET_AD) && w->mode != KVMX_PAGING_NONE &&
	    !ops->cmpxchg_pte)
		return -EINVAL;

	memset(res, 0, sizeof(*res));
	if (w->mode == KVMX_PAGING_NONE) {
		/* Outside long mode a linear address has 32 bits. */
		res->gpa = gva & 0xffffffffULL;
		res->page_size = 1ULL << 12;
		res->perms = KVMX_WALK_PERM_W | KVMX_WALK_PERM_U | KVMX_WALK_PERM_X;
		return KVMX_WALK_OK;
	}
	if (w->va_bits > 32) {
		if (!kvmx_walk_is_canonical(gva, w->va_bits))
			return KVMX_WALK_NONCANONICAL;
	} else {
		gva &= 0xffffffffULL;
	}

	for (tries = 0; tries < KVMX_WALK_MAX_RETRIES; tries++) {
		ret = walk_once(w, ops, ctx, gva, access, res);
		if (ret != WALK_RESTART)
			return ret;
		memset(res, 0, sizeof(*res));
	}
	return KVMX_WALK_RETRY;
}
