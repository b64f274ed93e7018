/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvmx_walk.h - software walk of the guest's own page tables (gva -> gpa).
 *
 * Used by KVM_TRANSLATE, by the MMIO path to fetch the bytes of the faulting
 * instruction, by the instruction emulator for its memory operands and, later,
 * by shadow paging.  Pure code: it includes only kvmx_pure.h, allocates
 * nothing, and reaches guest memory only through the callbacks in
 * struct kvmx_walk_ops, so the same file is unit-tested in userspace
 * (selftests/unit/walk_unit.c).  Documentation/mmu.rst states the rules.
 *
 * Use:
 *	struct kvmx_walker w;
 *	struct kvmx_walk_result res;
 *
 *	kvmx_walker_init(&w, &cpu_state);	(after any CR0/CR3/CR4/EFER/PDPTE/PKRU change)
 *	switch (kvmx_walk(&w, &ops, ctx, gva, KVMX_WALK_WRITE | KVMX_WALK_SET_AD, &res)) {
 *	case KVMX_WALK_OK:		use res.gpa
 *	case KVMX_WALK_PAGE_FAULT:	inject #PF(res.error_code), CR2 = gva
 *	case KVMX_WALK_NONCANONICAL:	inject #GP(0) (or #SS(0) for a stack access)
 *	case KVMX_WALK_PTE_ERROR:	a callback failed (res.cb_err); see below
 *	case KVMX_WALK_RETRY:		A/D updates kept racing; re-enter the guest
 *	}
 *
 * Nothing here takes locks; the callbacks are called in the caller's context.
 */
#ifndef KVMX_WALK_H
#define KVMX_WALK_H

#include "kvmx_pure.h"

/* Paging mode, derived by kvmx_walker_init() from CR0, CR4 and EFER. */
enum kvmx_paging_mode {
	KVMX_PAGING_NONE,	/* CR0.PG = 0: linear == physical (32 bits) */
	KVMX_PAGING_32,		/* CR4.PAE = 0: 32-bit paging, 4-byte entries */
	KVMX_PAGING_PAE,	/* CR4.PAE = 1, EFER.LMA = 0 */
	KVMX_PAGING_4LEVEL,	/* EFER.LMA = 1, CR4.LA57 = 0 */
	KVMX_PAGING_5LEVEL,	/* EFER.LMA = 1, CR4.LA57 = 1 */
};

/* Levels count from the leaf: 1 = PTE, 2 = PDE, 3 = PDPTE, 4 = PML4E, 5 = PML5E. */
#define KVMX_WALK_MAX_LEVELS	5

/* Architectural bits the caller hands in (struct kvmx_walk_cpu). */
#define KVMX_WALK_CR0_WP		BIT_ULL(16)
#define KVMX_WALK_CR0_PG		BIT_ULL(31)
#define KVMX_WALK_CR4_PSE		BIT_ULL(4)
#define KVMX_WALK_CR4_PAE		BIT_ULL(5)
#define KVMX_WALK_CR4_LA57		BIT_ULL(12)
#define KVMX_WALK_CR4_SMEP		BIT_ULL(20)
#define KVMX_WALK_CR4_SMAP		BIT_ULL(21)
#define KVMX_WALK_CR4_PKE		BIT_ULL(22)
#define KVMX_WALK_CR4_PKS		BIT_ULL(24)
#define KVMX_WALK_EFER_NXE		BIT_ULL(11)
#define KVMX_WALK_EFER_LMA		BIT_ULL(10)

/* Paging-structure entry bits. */
#define KVMX_PTE_P		BIT_ULL(0)
#define KVMX_PTE_RW		BIT_ULL(1)
#define KVMX_PTE_US		BIT_ULL(2)
#define KVMX_PTE_A		BIT_ULL(5)
#define KVMX_PTE_D		BIT_ULL(6)
#define KVMX_PTE_PS		BIT_ULL(7)
#define KVMX_PTE_XD		BIT_ULL(63)

/* #PF error code bits ("Page-Fault Exceptions" in the SDM paging chapter). */
#define KVMX_PFERR_PRESENT	BIT(0)	/* 0: no translation (P = 0 somewhere) */
#define KVMX_PFERR_WRITE	BIT(1)	/* the access was a write */
#define KVMX_PFERR_USER		BIT(2)	/* the access was a user-mode access */
#define KVMX_PFERR_RSVD		BIT(3)	/* a reserved bit was set in an entry */
#define KVMX_PFERR_FETCH	BIT(4)	/* instruction fetch (see mmu.rst for when) */
#define KVMX_PFERR_PK		BIT(5)	/* protection-key violation */

/* kvmx_walk_cpu.features: what the guest's CPU model supports. */
#define KVMX_WALK_CPU_1G_PAGES	BIT(0)	/* CPUID.80000001H:EDX.Page1GB */
#define KVMX_WALK_CPU_AMD	BIT(1)	/* AMD: PML4E/PML5E bit 8 is reserved too */
#define KVMX_WALK_CPU_NO_PSE36	BIT(2)	/* no PSE-36: 4 MiB pages reach 4 GiB only */
#define KVMX_WALK_CPU_VALID	(KVMX_WALK_CPU_1G_PAGES | KVMX_WALK_CPU_AMD | \
				 KVMX_WALK_CPU_NO_PSE36)

/**
 * struct kvmx_walk_cpu - the vCPU state a walk depends on.
 * @cr0: CR0; PG and WP are used.
 * @cr3: CR3; the root table address (bits 31:12, 31:5 for PAE, M-1:12 in long mode).
 * @cr4: CR4; PSE, PAE, LA57, SMEP, SMAP, PKE and PKS are used.
 * @efer: EFER; NXE and LMA are used.
 * @pdpte: PAE paging only: the four PDPTE registers as the CPU loaded them
 *	when CR3 was last written (or, on AMD, as read from the PDPT).
 * @pkru: PKRU (used when CR4.PKE = 1 in long mode).
 * @pkrs: IA32_PKRS (used when CR4.PKS = 1 in long mode).
 * @maxphyaddr: the guest's MAXPHYADDR, 32..52.
 * @features: KVMX_WALK_CPU_* flags.
 */
struct kvmx_walk_cpu {
	u64 cr0;
	u64 cr3;
	u64 cr4;
	u64 efer;
	u64 pdpte[4];
	u32 pkru;
	u32 pkrs;
	u8 maxphyaddr;
	u32 features;
};

/**
 * struct kvmx_walker - a walk context precomputed from struct kvmx_walk_cpu.
 *
 * Filled by kvmx_walker_init(); read-only afterwards, so several walks may
 * share it.  It is stale once the guest changes CR0, CR3, CR4, EFER, the
 * PDPTEs, PKRU or IA32_PKRS: call kvmx_walker_init() again.
 * All fields are private to walk.c.
 */
struct kvmx_walker {
	enum kvmx_paging_mode mode;
	u8 top_level;			/* level of the entry read first */
	u8 pte_size;			/* 4 (32-bit paging) or 8 */
	bool nx;			/* the XD bit is honoured */
	bool wp, smep, smap, pke, pks;
	bool fetch_in_pferr;		/* I/D bit is reported in #PF */
	u8 va_bits;			/* 48 or 57 in long mode, else 32 */
	u32 pkru, pkrs;
	u64 root_gpa;			/* gpa of the top table */
	u64 pdpte[4];
	/* [level][0]: table pointer or 4 KiB leaf; [level][1]: large-page leaf */
	u64 rsvd[KVMX_WALK_MAX_LEVELS + 1][2];
	bool large_ok[KVMX_WALK_MAX_LEVELS + 1];	/* PS selects a leaf */
};

/*
 * Flags of one access (kvmx_walk()).  An access is a supervisor access
 * unless KVMX_WALK_USER is given.  KVMX_WALK_USER means CPL = 3 and not an
 * implicit access; KVMX_WALK_IMPLICIT marks an implicit supervisor access (to
 * the GDT, LDT, IDT or TSS), which is supervisor-mode whatever the CPL and is
 * never excused by EFLAGS.AC.  KVMX_WALK_AC is EFLAGS.AC; it only matters for
 * explicit supervisor data accesses with CR4.SMAP = 1.
 */
#define KVMX_WALK_WRITE		BIT(0)
#define KVMX_WALK_FETCH		BIT(1)
#define KVMX_WALK_USER		BIT(2)
#define KVMX_WALK_IMPLICIT	BIT(3)
#define KVMX_WALK_AC		BIT(4)
/* Set accessed (and, for a write, dirty) bits; without it the walk only queries. */
#define KVMX_WALK_SET_AD	BIT(5)
#define KVMX_WALK_VALID		(BIT(6) - 1)

/* Effective permissions of a translation (kvmx_walk_result.perms). */
#define KVMX_WALK_PERM_W	BIT(0)	/* R/W = 1 at every level */
#define KVMX_WALK_PERM_U	BIT(1)	/* U/S = 1 at every level: a user-mode address */
#define KVMX_WALK_PERM_X	BIT(2)	/* no XD at any level (or XD not in force) */

/* What kvmx_walk() returns when its arguments are valid. */
enum kvmx_walk_status {
	KVMX_WALK_OK = 0,	/* translated: gpa, page_size, perms, pkey */
	KVMX_WALK_PAGE_FAULT,	/* #PF: error_code (CR2 is the gva) */
	KVMX_WALK_NONCANONICAL,	/* long mode, gva not canonical: #GP/#SS, not #PF */
	KVMX_WALK_PTE_ERROR,	/* a callback failed: cb_err, level, pte_gpa[level] */
	KVMX_WALK_RETRY,	/* A/D update lost the race too often */
};

/**
 * struct kvmx_walk_result - the outcome of kvmx_walk().
 * @gpa: KVMX_WALK_OK: the translated guest-physical address.
 * @page_size: KVMX_WALK_OK: 4 KiB, 2 MiB, 4 MiB or 1 GiB (4 KiB when paging is off).
 * @error_code: KVMX_WALK_PAGE_FAULT: the #PF error code hardware pushes.
 *	KVMX_WALK_PTE_ERROR: the not-present error code this access would get,
 *	for a caller that turns an unbacked page table into a #PF as kvm.ko does.
 * @perms: KVMX_WALK_OK, and PAGE_FAULT without RSVD and with P = 1:
 *	KVMX_WALK_PERM_* as set by the paging structures (not by this access).
 * @pkey: protection key of the leaf (long mode; 0 otherwise).
 * @level: the leaf's level (OK), or the level of the entry that was not
 *	present, had a reserved bit or could not be read; 0 without paging.
 * @cb_err: KVMX_WALK_PTE_ERROR: the negative errno the callback returned.
 * @pte_gpa: [level]: gpa of the entry read at that level (PAE level 3: the
 *	PDPTE's address in the PDPT, for information only).
 * @pte: [level]: the value read at that level, as used by the walk.
 */
struct kvmx_walk_result {
	u64 gpa;
	u64 page_size;
	u32 error_code;
	u8 perms;
	u8 pkey;
	u8 level;
	int cb_err;
	u64 pte_gpa[KVMX_WALK_MAX_LEVELS + 1];
	u64 pte[KVMX_WALK_MAX_LEVELS + 1];
};

/**
 * struct kvmx_walk_ops - how the walker reaches guest memory.
 * @read_pte: read @size bytes (4 or 8, little-endian) at guest-physical
 *	@gpa into *@pte (zero-extended).  Return 0, or a negative errno (for
 *	example no memslot there): the walk stops with KVMX_WALK_PTE_ERROR.
 * @cmpxchg_pte: atomically replace the @size-byte entry at @gpa by @new if it
 *	still holds @old.  Return 0 when replaced, 1 when the entry no longer
 *	held @old (the guest changed it: the walk restarts), or a negative
 *	errno (the walk stops with KVMX_WALK_PTE_ERROR).  Only called with
 *	KVMX_WALK_SET_AD; may be NULL otherwise.
 */
struct kvmx_walk_ops {
	int (*read_pte)(void *ctx, u64 gpa, u64 *pte, unsigned int size);
	int (*cmpxchg_pte)(void *ctx, u64 gpa, u64 old, u64 new, unsigned int size);
};

/* Restarts after a lost A/D race before kvmx_walk() gives up with RETRY. */
#define KVMX_WALK_MAX_RETRIES	8

/*
 * Check @cpu and precompute @w.  Returns 0, or -EINVAL for a state no CPU
 * can be in (EFER.LMA without CR0.PG or CR4.PAE, MAXPHYADDR outside 32..52,
 * unknown feature flags).
 */
int kvmx_walker_init(struct kvmx_walker *w, const struct kvmx_walk_cpu *cpu);

/*
 * Translate @gva for one access described by @access (KVMX_WALK_* flags).
 * Returns an enum kvmx_walk_status (>= 0) and fills @res, or -EINVAL for
 * bad arguments (unknown flags, WRITE with FETCH, USER with IMPLICIT,
 * SET_AD without a cmpxchg_pte callback).
 */
int kvmx_walk(const struct kvmx_walker *w, const struct kvmx_walk_ops *ops,
	      void *ctx, u64 gva, u32 access, struct kvmx_walk_result *res);

/*
 * True when a PAE PDPTE has a reserved bit set; the caller's MOV-to-CR3
 * (and CR0/CR4 writes that enter PAE paging) must then raise #GP(0)
 * ("PDPTE Registers" in the SDM).
 */
bool kvmx_walk_pdpte_rsvd(u64 pdpte, u8 maxphyaddr);

/* True when @gva is canonical for @va_bits (48 or 57) implemented bits. */
static inline bool kvmx_walk_is_canonical(u64 gva, unsigned int va_bits)
{
	return (u64)((s64)(gva << (64 - va_bits)) >> (64 - va_bits)) == gva;
}

#endif /* KVMX_WALK_H */
