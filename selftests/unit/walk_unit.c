// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the guest page-table walker (module/mmu/walk.c).
 *
 * Page tables are built in a fake guest memory array; the walker reads them
 * through callbacks that count their calls and can simulate a guest that
 * changes an entry between the walker's read and its A/D update.  Expected
 * #PF error codes are written out as the hardware values from the Intel SDM
 * ("Page-Fault Exceptions"), and one case checks every combination of
 * permissions and control bits against a model written from the SDM's
 * "Access Rights" rules.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "harness.h"
#include "kvmx_walk.h"

#define GUEST_MEM_SIZE	(8ULL << 20)	/* page tables live below 8 MiB */
#define TABLE_BASE	0x10000ULL
#define PAGE_4K		BIT_ULL(12)
#define PAGE_2M		BIT_ULL(21)
#define PAGE_4M		BIT_ULL(22)
#define PAGE_1G		BIT_ULL(30)

#define P	KVMX_PTE_P
#define RW	KVMX_PTE_RW
#define US	KVMX_PTE_US
#define XD	KVMX_PTE_XD
#define PRW	(P | RW)
#define PRWU	(P | RW | US)

/* #PF error codes spelled out, for readability of the expectations. */
#define PF_P	KVMX_PFERR_PRESENT
#define PF_W	KVMX_PFERR_WRITE
#define PF_U	KVMX_PFERR_USER
#define PF_RSVD	KVMX_PFERR_RSVD
#define PF_ID	KVMX_PFERR_FETCH
#define PF_PK	KVMX_PFERR_PK

#define A_READ		0
#define A_WRITE		KVMX_WALK_WRITE
#define A_FETCH		KVMX_WALK_FETCH
#define A_USER		KVMX_WALK_USER

static u8 guest_mem[GUEST_MEM_SIZE] __attribute__((aligned(4096)));

/* What the fake memory saw, and what a racing "guest" does to an entry. */
static struct fake {
	unsigned int reads;
	unsigned int cmpxchgs;
	unsigned int last_size;
	int races;		/* cmpxchg calls that first see the guest's change */
	u64 race_set;		/* bits the guest sets in the entry meanwhile */
	u64 race_clear;		/* bits the guest clears meanwhile */
	u64 race_toggle;	/* bits the guest flips meanwhile */
	u64 fail_cmpxchg_gpa;	/* cmpxchg at this gpa fails with -EFAULT */
} fake;

static u64 mem_get(u64 gpa, unsigned int size)
{
	u64 v = 0;

	CHECK(gpa + size <= GUEST_MEM_SIZE, "gpa 0x%llx", (unsigned long long)gpa);
	memcpy(&v, &guest_mem[gpa], size);
	return v;
}

static void mem_set(u64 gpa, u64 v, unsigned int size)
{
	CHECK(gpa + size <= GUEST_MEM_SIZE, "gpa 0x%llx", (unsigned long long)gpa);
	memcpy(&guest_mem[gpa], &v, size);
}

static int fake_read_pte(void *ctx, u64 gpa, u64 *pte, unsigned int size)
{
	CHECK(ctx == &fake, "wrong callback context");
	CHECK(size == 4 || size == 8, "size %u", size);
	CHECK(gpa % size == 0, "misaligned entry gpa 0x%llx", (unsigned long long)gpa);
	fake.reads++;
	fake.last_size = size;
	if (gpa + size > GUEST_MEM_SIZE)
		return -EFAULT;
	*pte = mem_get(gpa, size);
	return 0;
}

static int fake_cmpxchg_pte(void *ctx, u64 gpa, u64 old, u64 new, unsigned int size)
{
	u64 cur;

	CHECK(ctx == &fake, "wrong callback context");
	CHECK(size == 4 || size == 8, "size %u", size);
	fake.cmpxchgs++;
	fake.last_size = size;
	if (gpa == fake.fail_cmpxchg_gpa)
		return -EFAULT;
	cur = mem_get(gpa, size);
	if (fake.races > 0) {
		fake.races--;
		cur = ((cur | fake.race_set) & ~fake.race_clear) ^ fake.race_toggle;
		mem_set(gpa, cur, size);
	}
	if (cur != old)
		return 1;
	mem_set(gpa, new, size);
	return 0;
}

static const struct kvmx_walk_ops fake_ops = {
	.read_pte = fake_read_pte,
	.cmpxchg_pte = fake_cmpxchg_pte,
};

/* One test machine: CPU state, walker, and a bump allocator for tables. */
struct tenv {
	enum kvmx_paging_mode mode;
	struct kvmx_walk_cpu cpu;
	struct kvmx_walker w;
	u64 next_table;
	bool freeze_pdptes;	/* PAE: keep cpu.pdpte as is, do not reload */
};

static u64 alloc_table(struct tenv *t)
{
	u64 gpa = t->next_table;

	t->next_table += PAGE_4K;
	CHECK(t->next_table <= GUEST_MEM_SIZE, "out of page-table memory");
	memset(&guest_mem[gpa], 0, PAGE_4K);
	return gpa;
}

static void env_init(struct tenv *t, enum kvmx_paging_mode mode)
{
	memset(t, 0, sizeof(*t));
	memset(&fake, 0, sizeof(fake));
	t->mode = mode;
	t->next_table = TABLE_BASE;
	t->cpu.maxphyaddr = 46;
	t->cpu.features = KVMX_WALK_CPU_1G_PAGES;
	t->cpu.cr0 = KVMX_WALK_CR0_PG | KVMX_WALK_CR0_WP | 1;
	switch (mode) {
	case KVMX_PAGING_NONE:
		t->cpu.cr0 = 1;
		break;
	case KVMX_PAGING_32:
		t->cpu.cr4 = KVMX_WALK_CR4_PSE;
		break;
	case KVMX_PAGING_PAE:
		t->cpu.cr4 = KVMX_WALK_CR4_PAE;
		t->cpu.efer = KVMX_WALK_EFER_NXE;
		break;
	case KVMX_PAGING_5LEVEL:
		t->cpu.cr4 = KVMX_WALK_CR4_LA57;
		fallthrough;
	case KVMX_PAGING_4LEVEL:
		t->cpu.cr4 |= KVMX_WALK_CR4_PAE;
		t->cpu.efer = KVMX_WALK_EFER_NXE | KVMX_WALK_EFER_LMA | (1ULL << 8);
		break;
	}
	t->cpu.cr3 = alloc_table(t);
}

static unsigned int top_level(const struct tenv *t)
{
	switch (t->mode) {
	case KVMX_PAGING_32:
		return 2;
	case KVMX_PAGING_PAE:
		return 3;
	case KVMX_PAGING_4LEVEL:
		return 4;
	case KVMX_PAGING_5LEVEL:
		return 5;
	default:
		return 0;
	}
}

static unsigned int pte_size(const struct tenv *t)
{
	return t->mode == KVMX_PAGING_32 ? 4 : 8;
}

static unsigned int level_shift(const struct tenv *t, unsigned int level)
{
	return 12 + (t->mode == KVMX_PAGING_32 ? 10 : 9) * (level - 1);
}

static u64 level_index(const struct tenv *t, u64 gva, unsigned int level)
{
	u64 mask = t->mode == KVMX_PAGING_32 ? 0x3ff : 0x1ff;

	if (t->mode == KVMX_PAGING_PAE && level == 3)
		mask = 3;
	return (gva >> level_shift(t, level)) & mask;
}

static u64 entry_addr(const struct tenv *t, u64 pte)
{
	return pte & (t->mode == KVMX_PAGING_32 ? 0xfffff000ULL : 0x000ffffffffff000ULL);
}

/* gpa of the entry that maps @gva at @level (the tables must exist). */
static u64 entry_gpa(const struct tenv *t, u64 gva, unsigned int level)
{
	u64 table = t->cpu.cr3 & ~0xfffULL;
	unsigned int l;

	for (l = top_level(t); l > level; l--) {
		u64 e = mem_get(table + level_index(t, gva, l) * pte_size(t), pte_size(t));

		CHECK(e & P, "no table at level %u for gva 0x%llx", l, (unsigned long long)gva);
		table = entry_addr(t, e);
	}
	return table + level_index(t, gva, level) * pte_size(t);
}

/*
 * Map @gva to @gpa with a leaf at @leaf_level carrying @flags (PS is added
 * for a large leaf); missing tables are created with P, R/W and U/S set
 * (PAE PDPTEs: P only), so the leaf alone decides the rights.  Returns the
 * gpa of the leaf entry.
 */
static u64 map(struct tenv *t, u64 gva, u64 gpa, unsigned int leaf_level, u64 flags)
{
	unsigned int size = pte_size(t);
	u64 table = t->cpu.cr3 & ~0xfffULL;
	u64 leaf, eg;
	unsigned int l;

	for (l = top_level(t); l > leaf_level; l--) {
		u64 e;

		eg = table + level_index(t, gva, l) * size;
		e = mem_get(eg, size);
		if (!(e & P)) {
			e = alloc_table(t) | P;
			if (!(t->mode == KVMX_PAGING_PAE && l == 3))
				e |= RW | US;
			mem_set(eg, e, size);
		}
		table = entry_addr(t, e);
	}
	if (t->mode == KVMX_PAGING_32 && leaf_level == 2)
		leaf = (gpa & 0xffc00000ULL) | (((gpa >> 32) & 0xff) << 13);
	else
		leaf = gpa & ~((1ULL << level_shift(t, leaf_level)) - 1);
	leaf |= flags;
	if (leaf_level > 1)
		leaf |= KVMX_PTE_PS;
	eg = table + level_index(t, gva, leaf_level) * size;
	mem_set(eg, leaf, size);
	return eg;
}

/* Set and clear bits of the entry mapping @gva at @level. */
static void poke(struct tenv *t, u64 gva, unsigned int level, u64 set, u64 clear)
{
	u64 eg = entry_gpa(t, gva, level);

	mem_set(eg, (mem_get(eg, pte_size(t)) | set) & ~clear, pte_size(t));
}

/* (Re)load the walker as the CPU would after writing CR3, then walk. */
static int walk(struct tenv *t, u64 gva, u32 access, struct kvmx_walk_result *res)
{
	int i;

	if (t->mode == KVMX_PAGING_PAE && !t->freeze_pdptes)
		for (i = 0; i < 4; i++)
			t->cpu.pdpte[i] = mem_get((t->cpu.cr3 & 0xffffffe0ULL) + 8 * i, 8);
	CHECK_EQ(kvmx_walker_init(&t->w, &t->cpu), 0);
	return kvmx_walk(&t->w, &fake_ops, &fake, gva, access, res);
}

static void expect_ok(struct tenv *t, u64 gva, u32 access, u64 gpa, u64 size)
{
	struct kvmx_walk_result res;
	int ret = walk(t, gva, access, &res);

	if (ret != KVMX_WALK_OK)
		test_fail(__FILE__, __LINE__,
			  "gva 0x%llx access 0x%x: status %d error code 0x%x, want OK",
			  (unsigned long long)gva, access, ret, res.error_code);
	CHECK_EQ(res.gpa, gpa);
	CHECK_EQ(res.page_size, size);
}

static void expect_pf(struct tenv *t, u64 gva, u32 access, u32 error_code)
{
	struct kvmx_walk_result res;
	int ret = walk(t, gva, access, &res);

	if (ret != KVMX_WALK_PAGE_FAULT || res.error_code != error_code)
		test_fail(__FILE__, __LINE__,
			  "gva 0x%llx access 0x%x: status %d error code 0x%x, want #PF 0x%x",
			  (unsigned long long)gva, access, ret, res.error_code, error_code);
}

/* ---- paging off ---- */

static void test_paging_off(void)
{
	struct tenv t;
	struct kvmx_walk_result res;

	env_init(&t, KVMX_PAGING_NONE);
	expect_ok(&t, 0x12345678, A_WRITE | A_USER, 0x12345678, PAGE_4K);
	/* A linear address has 32 bits outside long mode. */
	expect_ok(&t, 0x1fedcba98ULL, A_FETCH, 0xfedcba98, PAGE_4K);
	CHECK_EQ(kvmx_walker_init(&t.w, &t.cpu), 0);
	/* No memory is touched, so no callbacks are needed. */
	CHECK_EQ(kvmx_walk(&t.w, NULL, NULL, 0x1000, A_READ | KVMX_WALK_SET_AD, &res),
		 KVMX_WALK_OK);
	CHECK_EQ(res.gpa, 0x1000);
	CHECK_EQ(res.perms, KVMX_WALK_PERM_W | KVMX_WALK_PERM_U | KVMX_WALK_PERM_X);
	CHECK_EQ(res.level, 0);
	CHECK_EQ(fake.reads, 0);
	CHECK_EQ(fake.cmpxchgs, 0);
}

/* ---- 32-bit paging ---- */

static void test_32bit_4k(void)
{
	struct tenv t;
	struct kvmx_walk_result res;
	u64 pte_gpa;

	env_init(&t, KVMX_PAGING_32);
	pte_gpa = map(&t, 0x00401000, 0x00abc000, 1, PRWU);
	expect_ok(&t, 0x00401234, A_READ, 0x00abc234, PAGE_4K);
	expect_ok(&t, 0x00401fff, A_WRITE | A_USER, 0x00abcfff, PAGE_4K);
	CHECK_EQ(fake.last_size, 4);

	CHECK_EQ(walk(&t, 0x00401234, A_READ, &res), KVMX_WALK_OK);
	CHECK_EQ(res.level, 1);
	CHECK_EQ(res.pte_gpa[1], pte_gpa);
	CHECK_EQ(res.pte[1], 0x00abc000 | PRWU);
	CHECK_EQ(res.pte_gpa[2], t.cpu.cr3 + 4 * 1);
	CHECK_EQ(res.perms, KVMX_WALK_PERM_W | KVMX_WALK_PERM_U | KVMX_WALK_PERM_X);
	CHECK_EQ(res.pkey, 0);

	/* Bits 63:32 of the gva are not part of a 32-bit linear address. */
	expect_ok(&t, 0xffffffff00401234ULL, A_READ, 0x00abc234, PAGE_4K);

	/* Neighbours are not mapped: PDE present, PTE not; PDE not present. */
	expect_pf(&t, 0x00402000, A_READ, 0);
	expect_pf(&t, 0x00802000, A_WRITE | A_USER, PF_W | PF_U);
	CHECK_EQ(walk(&t, 0x00802000, A_READ, &res), KVMX_WALK_PAGE_FAULT);
	CHECK_EQ(res.level, 2);

	/* 32-bit paging has no reserved bits in a PTE or a table PDE. */
	poke(&t, 0x00401000, 1, 0x00000f80, 0);
	expect_ok(&t, 0x00401234, A_READ, 0x00abc234, PAGE_4K);
}

static void test_32bit_pse(void)
{
	struct tenv t;

	env_init(&t, KVMX_PAGING_32);
	t.cpu.maxphyaddr = 40;
	map(&t, 0x00c00000, 0x01000000, 2, PRWU);
	expect_ok(&t, 0x00c12345, A_WRITE, 0x01012345, PAGE_4M);
	/* PSE-36: PDE bits 20:13 are physical-address bits 39:32. */
	map(&t, 0x80000000, 0xab40000000ULL, 2, PRWU);
	expect_ok(&t, 0x803fffff, A_READ, 0xab403fffffULL, PAGE_4M);
	/* Bit 21 is always reserved in a 4 MiB PDE. */
	poke(&t, 0x80000000, 2, 1 << 21, 0);
	expect_pf(&t, 0x80000000, A_READ | A_USER, PF_P | PF_U | PF_RSVD);

	/* MAXPHYADDR 36: PDE bits 20:17 (address bits 39:36) become reserved. */
	env_init(&t, KVMX_PAGING_32);
	t.cpu.maxphyaddr = 36;
	map(&t, 0x80000000, 0xf40000000ULL, 2, PRWU);
	expect_ok(&t, 0x80000010, A_READ, 0xf40000010ULL, PAGE_4M);
	poke(&t, 0x80000000, 2, 1 << 17, 0);
	expect_pf(&t, 0x80000010, A_READ, PF_P | PF_RSVD);

	/* MAXPHYADDR above 40 still gives 4 MiB pages only 40 bits. */
	env_init(&t, KVMX_PAGING_32);
	t.cpu.maxphyaddr = 52;
	map(&t, 0x80000000, 0xff00000000ULL, 2, PRWU);
	expect_ok(&t, 0x80000010, A_READ, 0xff00000010ULL, PAGE_4M);
	poke(&t, 0x80000000, 2, 1 << 21, 0);
	expect_pf(&t, 0x80000010, A_READ, PF_P | PF_RSVD);

	/* Without PSE-36, bits 21:13 are all reserved. */
	env_init(&t, KVMX_PAGING_32);
	t.cpu.features |= KVMX_WALK_CPU_NO_PSE36;
	map(&t, 0x80000000, 0x40000000, 2, PRWU);
	expect_ok(&t, 0x80000010, A_READ, 0x40000010, PAGE_4M);
	poke(&t, 0x80000000, 2, 1 << 13, 0);
	expect_pf(&t, 0x80000010, A_READ, PF_P | PF_RSVD);
}

static void test_32bit_ps_ignored_without_pse(void)
{
	struct tenv t;
	u64 pde;

	env_init(&t, KVMX_PAGING_32);
	t.cpu.cr4 &= ~KVMX_WALK_CR4_PSE;
	map(&t, 0x00401000, 0x00abc000, 1, PRWU);
	/* With CR4.PSE = 0, PS in the PDE is ignored: it still points to a table. */
	poke(&t, 0x00401000, 2, KVMX_PTE_PS, 0);
	pde = mem_get(entry_gpa(&t, 0x00401000, 2), 4);
	expect_ok(&t, 0x00401234, A_READ, 0x00abc234, PAGE_4K);
	/* and the same PDE maps a 4 MiB page once PSE is on. */
	t.cpu.cr4 |= KVMX_WALK_CR4_PSE;
	expect_ok(&t, 0x00401234, A_READ, (pde & 0xffc00000) | (((pde >> 13) & 0xff) << 32) |
		  0x001234, PAGE_4M);
	/* With PSE off, bit 21 is an address bit of the table PDE, not reserved. */
	t.cpu.cr4 &= ~KVMX_WALK_CR4_PSE;
	poke(&t, 0x00401000, 2, 0, KVMX_PTE_PS);
	map(&t, 0x00000000, 0x5000, 1, PRWU);
	mem_set(entry_gpa(&t, 0, 2), 0x00200000 | PRWU | KVMX_PTE_PS, 4);
	mem_set(0x00200000, 0x00777000 | PRWU, 4);
	expect_ok(&t, 0x00000abc, A_READ, 0x00777abc, PAGE_4K);
	t.cpu.cr4 |= KVMX_WALK_CR4_PSE;
	expect_pf(&t, 0x00000abc, A_READ, PF_P | PF_RSVD);
	CHECK_EQ(0x00200000, 1 << 21);
}

static void test_32bit_no_xd(void)
{
	struct tenv t;

	env_init(&t, KVMX_PAGING_32);
	/* EFER.NXE does not give 32-bit paging an XD bit. */
	t.cpu.efer = KVMX_WALK_EFER_NXE;
	map(&t, 0x00401000, 0x00abc000, 1, PRW);
	expect_ok(&t, 0x00401000, A_FETCH, 0x00abc000, PAGE_4K);
	/* I/D is not reported with CR4.PAE = 0 unless CR4.SMEP = 1. */
	expect_pf(&t, 0x00401000, A_FETCH | A_USER, PF_P | PF_U);
	expect_pf(&t, 0x00801000, A_FETCH, 0);
	t.cpu.cr4 |= KVMX_WALK_CR4_SMEP;
	expect_pf(&t, 0x00401000, A_FETCH | A_USER, PF_P | PF_U | PF_ID);
	expect_pf(&t, 0x00801000, A_FETCH, PF_ID);
}

/* ---- PAE paging ---- */

static void test_pae(void)
{
	struct tenv t;
	struct kvmx_walk_result res;

	env_init(&t, KVMX_PAGING_PAE);
	map(&t, 0xc0001000, 0x12345000, 1, PRWU);
	map(&t, 0x40200000, 0xfff00000000ULL, 2, PRWU);
	expect_ok(&t, 0xc0001abc, A_WRITE | A_USER, 0x12345abc, PAGE_4K);
	expect_ok(&t, 0x402fffff, A_READ, 0xfff000fffffULL, PAGE_2M);
	/* gva bits 63:32 are dropped. */
	expect_ok(&t, 0x1c0001abcULL, A_READ, 0x12345abc, PAGE_4K);

	CHECK_EQ(walk(&t, 0xc0001abc, A_READ, &res), KVMX_WALK_OK);
	CHECK_EQ(res.pte_gpa[3], t.cpu.cr3 + 8 * 3);
	CHECK_EQ(res.pte[3], t.cpu.pdpte[3]);
	/* PDPTEs come from the registers: exactly two entries read from memory. */
	fake.reads = 0;
	CHECK_EQ(walk(&t, 0xc0001abc, A_READ, &res), KVMX_WALK_OK);
	CHECK_EQ(fake.reads, 2);
	CHECK_EQ(fake.last_size, 8);

	/* PDPTE 0 is not present. */
	expect_pf(&t, 0x00001000, A_WRITE, PF_W);
	CHECK_EQ(walk(&t, 0x00001000, A_READ, &res), KVMX_WALK_PAGE_FAULT);
	CHECK_EQ(res.level, 3);
}

static void test_pae_pdpte_registers(void)
{
	struct tenv t;
	u64 pdpt = 0;

	env_init(&t, KVMX_PAGING_PAE);
	map(&t, 0xc0001000, 0x12345000, 1, PRWU);
	walk(&t, 0, 0, &(struct kvmx_walk_result){ 0 });	/* loads the PDPTEs */
	t.freeze_pdptes = true;
	/* The guest clears PDPTE 3 in memory without reloading CR3: no effect. */
	pdpt = t.cpu.cr3;
	mem_set(pdpt + 24, 0, 8);
	expect_ok(&t, 0xc0001000, A_READ, 0x12345000, PAGE_4K);
	/* Reloading CR3 makes it visible. */
	t.freeze_pdptes = false;
	expect_pf(&t, 0xc0001000, A_READ, 0);

	/* Reserved PDPTE bits: 2:1, 8:5, 63:M (bit 63 even with NXE). */
	env_init(&t, KVMX_PAGING_PAE);
	map(&t, 0xc0001000, 0x12345000, 1, PRWU);
	poke(&t, 0xc0001000, 3, RW, 0);
	expect_pf(&t, 0xc0001000, A_READ, PF_P | PF_RSVD);
	poke(&t, 0xc0001000, 3, 1 << 5, RW);
	expect_pf(&t, 0xc0001000, A_READ, PF_P | PF_RSVD);
	poke(&t, 0xc0001000, 3, XD, 1 << 5);
	expect_pf(&t, 0xc0001000, A_READ, PF_P | PF_RSVD);
	poke(&t, 0xc0001000, 3, 1ULL << 46, XD);
	expect_pf(&t, 0xc0001000, A_READ, PF_P | PF_RSVD);
	/* PWT, PCD and the ignored bits 11:9 are fine. */
	poke(&t, 0xc0001000, 3, 0xe18, 1ULL << 46);
	expect_ok(&t, 0xc0001000, A_READ, 0x12345000, PAGE_4K);

	/* The helper for the MOV-to-CR3 check. */
	CHECK(!kvmx_walk_pdpte_rsvd(0x12345001, 36), "PDPTE reserved-bit check");
	CHECK(!kvmx_walk_pdpte_rsvd(0x12345e19, 36), "PDPTE reserved-bit check");
	/* Not present: nothing is checked. */
	CHECK(!kvmx_walk_pdpte_rsvd(0xffffffffffffff06ULL, 36), "PDPTE reserved-bit check");
	CHECK(kvmx_walk_pdpte_rsvd(0x12345003, 36), "PDPTE reserved-bit check");
	CHECK(kvmx_walk_pdpte_rsvd(0x12345005, 36), "PDPTE reserved-bit check");
	CHECK(kvmx_walk_pdpte_rsvd(0x12345021, 36), "PDPTE reserved-bit check");
	CHECK(kvmx_walk_pdpte_rsvd(0x12345101, 36), "PDPTE reserved-bit check");
	CHECK(kvmx_walk_pdpte_rsvd(0x1000000001ULL, 36), "PDPTE reserved-bit check");
	CHECK(!kvmx_walk_pdpte_rsvd(0x1000000001ULL, 40), "PDPTE reserved-bit check");
	CHECK(kvmx_walk_pdpte_rsvd(0x8000000000000001ULL, 52), "PDPTE reserved-bit check");
}

static void test_pae_reserved_and_xd(void)
{
	struct tenv t;

	env_init(&t, KVMX_PAGING_PAE);
	map(&t, 0xc0001000, 0x12345000, 1, PRWU | XD);
	map(&t, 0x40200000, 0x40000000, 2, PRWU);
	/* NXE = 1: XD forbids fetches, and the error code has I/D. */
	expect_pf(&t, 0xc0001000, A_FETCH, PF_P | PF_ID);
	expect_pf(&t, 0xc0001000, A_FETCH | A_USER, PF_P | PF_U | PF_ID);
	expect_ok(&t, 0xc0001000, A_WRITE, 0x12345000, PAGE_4K);
	expect_ok(&t, 0x40200000, A_FETCH, 0x40000000, PAGE_2M);
	/* Not-present fetch: I/D too. */
	expect_pf(&t, 0xc0002000, A_FETCH, PF_ID);

	/* NXE = 0: bit 63 is reserved, and fetches carry no I/D. */
	t.cpu.efer = 0;
	expect_pf(&t, 0xc0001000, A_READ, PF_P | PF_RSVD);
	expect_pf(&t, 0xc0002000, A_FETCH, 0);
	expect_ok(&t, 0x40200000, A_FETCH, 0x40000000, PAGE_2M);
	t.cpu.efer = KVMX_WALK_EFER_NXE;

	/* PAE: bits 62:M reserved in PDEs and PTEs (52 is ignored in long mode only). */
	poke(&t, 0xc0001000, 1, 1ULL << 52, XD);
	expect_pf(&t, 0xc0001000, A_READ, PF_P | PF_RSVD);
	poke(&t, 0xc0001000, 1, 1ULL << 62, 1ULL << 52);
	expect_pf(&t, 0xc0001000, A_READ, PF_P | PF_RSVD);
	poke(&t, 0xc0001000, 1, 1ULL << 45, 1ULL << 62);
	expect_ok(&t, 0xc0001000, A_READ, 0x200012345000ULL, PAGE_4K);
	poke(&t, 0xc0001000, 1, 1ULL << 46, 0);
	expect_pf(&t, 0xc0001000, A_READ, PF_P | PF_RSVD);
	/* A table PDE with a reserved bit. */
	poke(&t, 0xc0001000, 1, 0, 1ULL << 46);
	poke(&t, 0xc0001000, 2, 1ULL << 50, 0);
	expect_pf(&t, 0xc0001000, A_READ, PF_P | PF_RSVD);
	/* 2 MiB PDE: bits 20:13 reserved, bit 12 (PAT) is not. */
	poke(&t, 0x40200000, 2, 1 << 12, 0);
	expect_ok(&t, 0x40200000, A_READ, 0x40000000, PAGE_2M);
	poke(&t, 0x40200000, 2, 1 << 20, 0);
	expect_pf(&t, 0x40200000, A_READ, PF_P | PF_RSVD);
	/* PAE has no protection keys even with CR4.PKE: bit 59 is reserved. */
	t.cpu.cr4 |= KVMX_WALK_CR4_PKE;
	t.cpu.pkru = ~0U;
	poke(&t, 0x40200000, 2, 0, 1 << 20);
	expect_ok(&t, 0x40200000, A_READ, 0x40000000, PAGE_2M);
	poke(&t, 0x40200000, 2, 1ULL << 59, 0);
	expect_pf(&t, 0x40200000, A_READ, PF_P | PF_RSVD);
}

/* ---- 4-level and 5-level paging ---- */

static void test_4level_page_sizes(void)
{
	struct tenv t;
	struct kvmx_walk_result res;
	unsigned int bit;

	env_init(&t, KVMX_PAGING_4LEVEL);
	map(&t, 0x00007fffdeadb000ULL, 0x1234567000ULL, 1, PRWU);
	map(&t, 0xffff800000200000ULL, 0x3fffffe00000ULL, 2, PRW);
	map(&t, 0xffffffffc0000000ULL, 0x40000000ULL, 3, PRW);
	expect_ok(&t, 0x00007fffdeadbeefULL, A_WRITE | A_USER, 0x1234567eefULL, PAGE_4K);
	expect_ok(&t, 0xffff8000002abcdeULL, A_READ, 0x3fffffeabcdeULL, PAGE_2M);
	expect_ok(&t, 0xffffffffc1234567ULL, A_FETCH, 0x41234567ULL, PAGE_1G);

	CHECK_EQ(walk(&t, 0x00007fffdeadbeefULL, A_READ, &res), KVMX_WALK_OK);
	CHECK_EQ(res.level, 1);
	CHECK_EQ(res.pte_gpa[4], t.cpu.cr3 + 8 * 0xff);
	CHECK_EQ(res.pte_gpa[1], entry_gpa(&t, 0x00007fffdeadbeefULL, 1));
	CHECK_EQ(res.pte[1], 0x1234567000ULL | PRWU);
	CHECK_EQ(walk(&t, 0xffffffffc1234567ULL, A_READ, &res), KVMX_WALK_OK);
	CHECK_EQ(res.level, 3);
	CHECK_EQ(res.perms, KVMX_WALK_PERM_W | KVMX_WALK_PERM_X);

	/* Without 1 GiB pages, PS in a PDPTE is a reserved bit. */
	t.cpu.features &= ~KVMX_WALK_CPU_1G_PAGES;
	expect_pf(&t, 0xffffffffc1234567ULL, A_FETCH, PF_P | PF_RSVD | PF_ID);
	CHECK_EQ(walk(&t, 0xffffffffc1234567ULL, A_READ, &res), KVMX_WALK_PAGE_FAULT);
	CHECK_EQ(res.level, 3);
	t.cpu.features |= KVMX_WALK_CPU_1G_PAGES;
	/* 1 GiB leaf: bits 29:13 reserved, 12 (PAT) not. */
	poke(&t, 0xffffffffc0000000ULL, 3, 1 << 12, 0);
	expect_ok(&t, 0xffffffffc0000000ULL, A_READ, 0x40000000ULL, PAGE_1G);
	for (bit = 13; bit <= 29; bit++) {
		poke(&t, 0xffffffffc0000000ULL, 3, 1ULL << bit, 0);
		expect_pf(&t, 0xffffffffc0000000ULL, A_READ, PF_P | PF_RSVD);
		poke(&t, 0xffffffffc0000000ULL, 3, 0, 1ULL << bit);
	}
	/* 2 MiB leaf: bits 20:13 reserved. */
	for (bit = 13; bit <= 20; bit++) {
		poke(&t, 0xffff800000200000ULL, 2, 1ULL << bit, 0);
		expect_pf(&t, 0xffff800000200000ULL, A_WRITE, PF_P | PF_W | PF_RSVD);
		poke(&t, 0xffff800000200000ULL, 2, 0, 1ULL << bit);
	}
	expect_ok(&t, 0xffff800000200000ULL, A_READ, 0x3fffffe00000ULL, PAGE_2M);
	/* and bit 21 of a 2 MiB leaf is an address bit. */
	poke(&t, 0xffff800000200000ULL, 2, 0, 1ULL << 21);
	expect_ok(&t, 0xffff800000200000ULL, A_READ, 0x3fffffc00000ULL, PAGE_2M);
	poke(&t, 0xffff800000200000ULL, 2, 1 << 13, 0);
	expect_pf(&t, 0xffff800000200000ULL, A_WRITE, PF_P | PF_W | PF_RSVD);

	/* PS is reserved in a PML4E. */
	poke(&t, 0x00007fffdeadb000ULL, 4, KVMX_PTE_PS, 0);
	expect_pf(&t, 0x00007fffdeadbeefULL, A_READ | A_USER, PF_P | PF_U | PF_RSVD);
	CHECK_EQ(walk(&t, 0x00007fffdeadbeefULL, A_READ, &res), KVMX_WALK_PAGE_FAULT);
	CHECK_EQ(res.level, 4);
	poke(&t, 0x00007fffdeadb000ULL, 4, 0, KVMX_PTE_PS);
	/* Bit 8 of a PML4E: ignored on Intel, reserved on AMD. */
	poke(&t, 0x00007fffdeadb000ULL, 4, 1 << 8, 0);
	expect_ok(&t, 0x00007fffdeadbeefULL, A_READ, 0x1234567eefULL, PAGE_4K);
	t.cpu.features |= KVMX_WALK_CPU_AMD;
	expect_pf(&t, 0x00007fffdeadbeefULL, A_READ, PF_P | PF_RSVD);
	/* ... but not in a PDPTE or lower. */
	poke(&t, 0x00007fffdeadb000ULL, 4, 0, 1 << 8);
	poke(&t, 0x00007fffdeadb000ULL, 3, 1 << 8, 0);
	poke(&t, 0x00007fffdeadb000ULL, 2, 1 << 8, 0);
	expect_ok(&t, 0x00007fffdeadbeefULL, A_READ, 0x1234567eefULL, PAGE_4K);
}

static void test_4level_reserved_high_bits(void)
{
	struct tenv t;
	unsigned int level;

	env_init(&t, KVMX_PAGING_4LEVEL);
	t.cpu.maxphyaddr = 40;
	map(&t, 0x1000, 0xff12345000ULL, 1, PRWU);
	expect_ok(&t, 0x1008, A_READ, 0xff12345008ULL, PAGE_4K);
	/* Bits 62:52 are ignored (no PKE here). */
	poke(&t, 0x1000, 1, 0x7ff0000000000000ULL, 0);
	expect_ok(&t, 0x1008, A_READ, 0xff12345008ULL, PAGE_4K);
	/* Bits 51:M are reserved, at every level. */
	for (level = 1; level <= 4; level++) {
		poke(&t, 0x1000, level, 1ULL << 40, 0);
		expect_pf(&t, 0x1008, A_WRITE, PF_P | PF_W | PF_RSVD);
		poke(&t, 0x1000, level, 0, 1ULL << 40);
		poke(&t, 0x1000, level, 1ULL << 51, 0);
		expect_pf(&t, 0x1008, A_READ, PF_P | PF_RSVD);
		poke(&t, 0x1000, level, 0, 1ULL << 51);
	}
	expect_ok(&t, 0x1008, A_READ, 0xff12345008ULL, PAGE_4K);
	/* NXE = 0: bit 63 is reserved, at every level. */
	t.cpu.efer &= ~KVMX_WALK_EFER_NXE;
	for (level = 1; level <= 4; level++) {
		poke(&t, 0x1000, level, XD, 0);
		expect_pf(&t, 0x1008, A_READ, PF_P | PF_RSVD);
		poke(&t, 0x1000, level, 0, XD);
	}
	/* MAXPHYADDR 52: nothing of 51:12 is reserved. */
	t.cpu.maxphyaddr = 52;
	poke(&t, 0x1000, 1, 1ULL << 51, 0);
	expect_ok(&t, 0x1008, A_READ, 0x8000000000000ULL | 0xff12345008ULL, PAGE_4K);
}

static void test_5level_and_canonical(void)
{
	struct tenv t;
	struct kvmx_walk_result res;

	env_init(&t, KVMX_PAGING_5LEVEL);
	map(&t, 0x00abcdef12345000ULL, 0x777000ULL, 1, PRWU);
	map(&t, 0xff12345678800000ULL, 0x80000000ULL, 2, PRW);
	expect_ok(&t, 0x00abcdef12345678ULL, A_USER, 0x777678ULL, PAGE_4K);
	expect_ok(&t, 0xff12345678812345ULL, A_WRITE, 0x80012345ULL, PAGE_2M);
	CHECK_EQ(walk(&t, 0x00abcdef12345678ULL, A_READ, &res), KVMX_WALK_OK);
	CHECK_EQ(res.pte_gpa[5], t.cpu.cr3 + 8 * 0xab);
	/* 57-bit canonical: bits 63:57 copy bit 56. */
	fake.reads = 0;
	CHECK_EQ(walk(&t, 0x0100000000000000ULL, A_READ, &res), KVMX_WALK_NONCANONICAL);
	CHECK_EQ(walk(&t, 0xfeffffffffffffffULL, A_READ, &res), KVMX_WALK_NONCANONICAL);
	CHECK_EQ(walk(&t, 0x8000000000000000ULL, A_READ, &res), KVMX_WALK_NONCANONICAL);
	CHECK_EQ(fake.reads, 0);
	/* PS is reserved in a PML5E. */
	poke(&t, 0x00abcdef12345000ULL, 5, KVMX_PTE_PS, 0);
	expect_pf(&t, 0x00abcdef12345678ULL, A_READ, PF_P | PF_RSVD);

	/* The same addresses under 4-level paging. */
	env_init(&t, KVMX_PAGING_4LEVEL);
	map(&t, 0x00007ffffffff000ULL, 0x5000, 1, PRWU);
	map(&t, 0xffff800000000000ULL, 0x6000, 1, PRWU);
	expect_ok(&t, 0x00007fffffffffffULL, A_READ, 0x5fff, PAGE_4K);
	expect_ok(&t, 0xffff800000000000ULL, A_READ, 0x6000, PAGE_4K);
	fake.reads = 0;
	CHECK_EQ(walk(&t, 0x0000800000000000ULL, A_READ, &res), KVMX_WALK_NONCANONICAL);
	CHECK_EQ(walk(&t, 0xffff7fffffffffffULL, A_FETCH, &res), KVMX_WALK_NONCANONICAL);
	CHECK_EQ(walk(&t, 0x00abcdef12345678ULL, A_WRITE, &res), KVMX_WALK_NONCANONICAL);
	CHECK_EQ(fake.reads, 0);

	CHECK(kvmx_walk_is_canonical(0, 48), "canonical check");
	CHECK(kvmx_walk_is_canonical(0x00007fffffffffffULL, 48), "canonical check");
	CHECK(!kvmx_walk_is_canonical(0x0000800000000000ULL, 48), "canonical check");
	CHECK(kvmx_walk_is_canonical(0xffff800000000000ULL, 48), "canonical check");
	CHECK(kvmx_walk_is_canonical(0x00ffffffffffffffULL, 57), "canonical check");
	CHECK(!kvmx_walk_is_canonical(0x01ffffffffffffffULL, 57), "canonical check");
	CHECK(kvmx_walk_is_canonical(0xff00000000000000ULL, 57), "canonical check");
}

/* ---- access rights ---- */

/*
 * Hand-checked cases: each gives the page's rights, the control bits, the
 * access and the exact error code a CPU pushes (0 = allowed).
 */
struct perm_case {
	const char *what;
	u64 leaf;		/* leaf flags (P set unless testing not-present) */
	u64 cr0_wp, cr4;	/* CR0.WP and CR4 bits beyond PAE */
	u32 access;
	int ok;
	u32 error_code;
};

#define SMEP	KVMX_WALK_CR4_SMEP
#define SMAP	KVMX_WALK_CR4_SMAP
#define WP	KVMX_WALK_CR0_WP
#define IMPL	KVMX_WALK_IMPLICIT
#define AC	KVMX_WALK_AC

static const struct perm_case perm_cases[] = {
	{ "user read of user page", PRWU, WP, 0, A_USER, 1, 0 },
	{ "user read of supervisor page", PRW, WP, 0, A_USER, 0, 0x5 },
	{ "user write of read-only user page", P | US, WP, 0, A_USER | A_WRITE, 0, 0x7 },
	{ "user write, read-only, WP=0", P | US, 0, 0, A_USER | A_WRITE, 0, 0x7 },
	{ "user fetch of XD page", PRWU | XD, WP, 0, A_USER | A_FETCH, 0, 0x15 },
	{ "user write of not-present page", 0, WP, 0, A_USER | A_WRITE, 0, 0x6 },
	{ "supervisor write, read-only, WP=1", P, WP, 0, A_WRITE, 0, 0x3 },
	{ "supervisor write, read-only, WP=0", P, 0, 0, A_WRITE, 1, 0 },
	{ "supervisor write, read-only user page, WP=0", P | US, 0, 0, A_WRITE, 1, 0 },
	{ "supervisor fetch of user page, no SMEP", PRWU, WP, 0, A_FETCH, 1, 0 },
	{ "supervisor fetch of user page, SMEP", PRWU, WP, SMEP, A_FETCH, 0, 0x11 },
	{ "supervisor fetch of XD page", PRW | XD, WP, 0, A_FETCH, 0, 0x11 },
	{ "supervisor read of user page, SMEP only", PRWU, WP, SMEP, 0, 1, 0 },
	{ "supervisor read of user page, SMAP, AC=0", PRWU, WP, SMAP, 0, 0, 0x1 },
	{ "supervisor read of user page, SMAP, AC=1", PRWU, WP, SMAP, AC, 1, 0 },
	{ "implicit read of user page, SMAP, AC=1", PRWU, WP, SMAP, IMPL | AC, 0, 0x1 },
	{ "implicit read of user page, no SMAP", PRWU, WP, 0, IMPL, 1, 0 },
	{ "implicit write of supervisor page", PRW, WP, SMAP, IMPL | A_WRITE, 1, 0 },
	{ "supervisor write of user page, SMAP, AC=0", PRWU, WP, SMAP, A_WRITE, 0, 0x3 },
	{ "supervisor write of user page, SMAP, AC=1", PRWU, WP, SMAP, A_WRITE | AC, 1, 0 },
	{ "sup. write, RO user page, SMAP, AC=1, WP=1", P | US, WP, SMAP, A_WRITE | AC, 0, 3 },
	{ "sup. write, RO user page, SMAP, AC=1, WP=0", P | US, 0, SMAP, A_WRITE | AC, 1, 0 },
	{ "supervisor write of RO user page, SMAP, AC=0, WP=0", P | US, 0, SMAP, A_WRITE, 0, 0x3 },
	{ "user read, SMAP and AC=0 do not matter", PRWU, WP, SMAP | SMEP, A_USER, 1, 0 },
	{ "supervisor fetch of supervisor page, SMEP", PRW, WP, SMEP | SMAP, A_FETCH, 1, 0 },
	{ "supervisor fetch of user page, SMAP only", PRWU, WP, SMAP, A_FETCH, 1, 0 },
};

static void test_perm_cases(void)
{
	struct kvmx_walk_result res;
	struct tenv t;
	size_t i;

	env_init(&t, KVMX_PAGING_4LEVEL);
	map(&t, 0x400000, 0x9000, 1, PRWU);
	for (i = 0; i < ARRAY_SIZE(perm_cases); i++) {
		const struct perm_case *c = &perm_cases[i];
		int ret;

		mem_set(entry_gpa(&t, 0x400000, 1), 0x9000 | c->leaf, 8);
		t.cpu.cr0 = KVMX_WALK_CR0_PG | c->cr0_wp;
		t.cpu.cr4 = KVMX_WALK_CR4_PAE | c->cr4;
		ret = walk(&t, 0x400010, c->access, &res);
		if (c->ok && (ret != KVMX_WALK_OK || res.gpa != 0x9010))
			test_fail(__FILE__, __LINE__, "%s: status %d error code 0x%x, want OK",
				  c->what, ret, res.error_code);
		if (!c->ok && (ret != KVMX_WALK_PAGE_FAULT || res.error_code != c->error_code))
			test_fail(__FILE__, __LINE__,
				  "%s: status %d error code 0x%x, want #PF 0x%x",
				  c->what, ret, res.error_code, c->error_code);
	}
}

/*
 * The "Access Rights" rules of the SDM, written out per access type as the
 * manual lists them, as the model for the exhaustive check below.
 */
enum mode { MODE_USER, MODE_SUPERVISOR, MODE_IMPLICIT };
enum kind { KIND_READ, KIND_WRITE, KIND_FETCH };

static bool model_allows(enum mode mode, enum kind kind, bool user_page, bool writable,
			 bool executable, bool ac, bool wp, bool smep, bool smap)
{
	bool smap_allows = !smap || (mode == MODE_SUPERVISOR && ac);

	if (mode == MODE_USER) {
		switch (kind) {
		case KIND_READ:
			return user_page;
		case KIND_WRITE:
			return user_page && writable;
		case KIND_FETCH:
			return user_page && executable;
		}
	}
	switch (kind) {
	case KIND_READ:
		return !user_page || smap_allows;
	case KIND_WRITE:
		if (user_page && !smap_allows)
			return false;
		return !wp || writable;
	case KIND_FETCH:
		return executable && !(user_page && smep);
	}
	return false;
}

/*
 * Every combination of U/S, R/W, XD in the PDE and in the PTE, access kind,
 * access mode, EFLAGS.AC, CR0.WP, CR4.SMEP, CR4.SMAP and EFER.NXE, in PAE and
 * in 4-level paging (and 32-bit paging without XD), against the model.
 */
static void check_perm_matrix(enum kvmx_paging_mode pmode)
{
	struct kvmx_walk_result res;
	struct tenv t;
	unsigned int combo, checked = 0;
	bool has_xd = pmode != KVMX_PAGING_32;
	u64 gva = 0x40201000, gpa = 0x7654000;

	env_init(&t, pmode);
	map(&t, gva, gpa, 1, PRWU);
	for (combo = 0; combo < (1U << 11) * 9; combo++) {
		unsigned int bits = combo / 9;
		enum kind kind = combo % 3;
		enum mode mode = (combo / 3) % 3;
		bool pte_us = bits & 1, pte_rw = bits & 2, pte_xd = bits & 4;
		bool pde_us = bits & 8, pde_rw = bits & 16, pde_xd = bits & 32;
		bool ac = bits & 64, wp = bits & 128, smep = bits & 256;
		bool smap = bits & 512, nxe = bits & 1024;
		bool any_xd = pte_xd || pde_xd;
		u32 access = 0, want;
		int ret;

		if (!has_xd && any_xd)
			continue;
		mem_set(entry_gpa(&t, gva, 1), gpa | P | (pte_us ? US : 0) | (pte_rw ? RW : 0) |
			(pte_xd ? XD : 0), pte_size(&t));
		mem_set(entry_gpa(&t, gva, 2), (mem_get(entry_gpa(&t, gva, 2), pte_size(&t)) &
			~(US | RW | XD)) | (pde_us ? US : 0) | (pde_rw ? RW : 0) |
			(pde_xd ? XD : 0), pte_size(&t));
		t.cpu.cr0 = KVMX_WALK_CR0_PG | (wp ? KVMX_WALK_CR0_WP : 0);
		t.cpu.cr4 = (t.cpu.cr4 & ~(SMEP | SMAP)) | (smep ? SMEP : 0) | (smap ? SMAP : 0);
		t.cpu.efer = (t.cpu.efer & ~KVMX_WALK_EFER_NXE) | (nxe ? KVMX_WALK_EFER_NXE : 0);
		if (kind == KIND_WRITE)
			access |= KVMX_WALK_WRITE;
		if (kind == KIND_FETCH)
			access |= KVMX_WALK_FETCH;
		if (mode == MODE_USER)
			access |= KVMX_WALK_USER;
		if (mode == MODE_IMPLICIT)
			access |= KVMX_WALK_IMPLICIT;
		if (ac)
			access |= KVMX_WALK_AC;

		want = (kind == KIND_WRITE ? PF_W : 0) | (mode == MODE_USER ? PF_U : 0) |
		       (kind == KIND_FETCH && (smep || (has_xd && nxe)) ? PF_ID : 0);
		ret = walk(&t, gva | 0x123, access, &res);
		if (any_xd && !nxe) {
			want |= PF_P | PF_RSVD;
		} else if (model_allows(mode, kind, pte_us && pde_us, pte_rw && pde_rw,
					!(nxe && any_xd), ac, wp, smep, smap)) {
			if (ret != KVMX_WALK_OK || res.gpa != (gpa | 0x123))
				test_fail(__FILE__, __LINE__,
					  "mode %d bits 0x%x kind %d smode %d: status %d ec 0x%x, want OK",
					  pmode, bits, kind, mode, ret, res.error_code);
			CHECK_EQ(res.perms, (pte_rw && pde_rw ? KVMX_WALK_PERM_W : 0) |
				 (pte_us && pde_us ? KVMX_WALK_PERM_U : 0) |
				 (nxe && any_xd ? 0 : KVMX_WALK_PERM_X));
			checked++;
			continue;
		} else {
			want |= PF_P;
		}
		if (ret != KVMX_WALK_PAGE_FAULT || res.error_code != want)
			test_fail(__FILE__, __LINE__,
				  "mode %d bits 0x%x kind %d smode %d: status %d ec 0x%x, want #PF 0x%x",
				  pmode, bits, kind, mode, ret, res.error_code, want);
		checked++;
	}
	test_info("paging mode %d: %u combinations checked", pmode, checked);
}

static void test_perm_matrix_4level(void)
{
	check_perm_matrix(KVMX_PAGING_4LEVEL);
}

static void test_perm_matrix_pae(void)
{
	check_perm_matrix(KVMX_PAGING_PAE);
}

static void test_perm_matrix_32bit(void)
{
	check_perm_matrix(KVMX_PAGING_32);
}

/* A missing or malformed entry is reported before any rights are judged. */
static void test_fault_precedence(void)
{
	struct tenv t;
	struct kvmx_walk_result res;

	env_init(&t, KVMX_PAGING_4LEVEL);
	map(&t, 0x400000, 0x9000, 1, PRWU);
	/* The PDE denies user access, the PTE is absent: not-present wins. */
	poke(&t, 0x400000, 2, 0, US);
	poke(&t, 0x400000, 1, 0, P);
	expect_pf(&t, 0x400000, A_USER | A_WRITE, PF_W | PF_U);
	/* The PTE has a reserved bit: RSVD, and P = 1. */
	poke(&t, 0x400000, 1, P | (1ULL << 50), 0);
	expect_pf(&t, 0x400000, A_USER | A_WRITE, PF_P | PF_W | PF_U | PF_RSVD);
	CHECK_EQ(walk(&t, 0x400000, A_READ, &res), KVMX_WALK_PAGE_FAULT);
	CHECK_EQ(res.level, 1);
	/* Reserved bits of a not-present entry are not checked. */
	poke(&t, 0x400000, 1, 0, P);
	expect_pf(&t, 0x400000, A_READ, 0);
	/* A reserved bit above a not-present entry is found first. */
	poke(&t, 0x400000, 3, 1ULL << 50, 0);
	expect_pf(&t, 0x400000, A_READ, PF_P | PF_RSVD);
	CHECK_EQ(walk(&t, 0x400000, A_READ, &res), KVMX_WALK_PAGE_FAULT);
	CHECK_EQ(res.level, 3);
	/* The rights of every level count: R/W = 0 in the PML4E only. */
	poke(&t, 0x400000, 3, 0, 1ULL << 50);
	poke(&t, 0x400000, 1, P, 1ULL << 50);
	poke(&t, 0x400000, 2, US, 0);
	poke(&t, 0x400000, 4, 0, RW);
	expect_pf(&t, 0x400000, A_USER | A_WRITE, PF_P | PF_W | PF_U);
	expect_ok(&t, 0x400000, A_USER, 0x9000, PAGE_4K);
	/* XD in the PDPTE only. */
	poke(&t, 0x400000, 3, XD, 0);
	expect_pf(&t, 0x400000, A_FETCH, PF_P | PF_ID);
}

/* ---- accessed and dirty bits ---- */

static void test_accessed_dirty(void)
{
	struct tenv t;
	struct kvmx_walk_result res;
	u64 pte_gpa, pde_gpa, big_gpa;
	unsigned int level;

	env_init(&t, KVMX_PAGING_4LEVEL);
	pte_gpa = map(&t, 0x400000, 0x9000, 1, PRWU);
	big_gpa = map(&t, 0x40000000, 0x80000000, 2, PRWU);
	pde_gpa = entry_gpa(&t, 0x400000, 2);

	/* A query sets nothing. */
	expect_ok(&t, 0x400000, A_WRITE, 0x9000, PAGE_4K);
	CHECK_EQ(fake.cmpxchgs, 0);
	for (level = 1; level <= 4; level++)
		CHECK_EQ(mem_get(entry_gpa(&t, 0x400000, level), 8) & (KVMX_PTE_A | KVMX_PTE_D), 0);

	/* A read sets A at every level, D nowhere; the result shows the new values. */
	CHECK_EQ(walk(&t, 0x400000, A_READ | KVMX_WALK_SET_AD, &res), KVMX_WALK_OK);
	CHECK_EQ(fake.cmpxchgs, 4);
	for (level = 1; level <= 4; level++) {
		u64 e = mem_get(entry_gpa(&t, 0x400000, level), 8);

		CHECK_EQ(e & (KVMX_PTE_A | KVMX_PTE_D), KVMX_PTE_A);
		CHECK_EQ(res.pte[level], e);
	}
	/* Nothing left to set: no more compare-and-exchange. */
	CHECK_EQ(walk(&t, 0x400000, A_READ | KVMX_WALK_SET_AD, &res), KVMX_WALK_OK);
	CHECK_EQ(fake.cmpxchgs, 4);
	/* A write sets D in the leaf only. */
	CHECK_EQ(walk(&t, 0x400000, A_WRITE | KVMX_WALK_SET_AD, &res), KVMX_WALK_OK);
	CHECK_EQ(fake.cmpxchgs, 5);
	CHECK_EQ(mem_get(pte_gpa, 8), 0x9000 | PRWU | KVMX_PTE_A | KVMX_PTE_D);
	CHECK_EQ(mem_get(pde_gpa, 8) & KVMX_PTE_D, 0);

	/* A write to a 2 MiB page sets A and D in the PDE in one exchange. */
	fake.cmpxchgs = 0;
	CHECK_EQ(walk(&t, 0x40000000, A_WRITE | A_USER | KVMX_WALK_SET_AD, &res), KVMX_WALK_OK);
	CHECK_EQ(mem_get(big_gpa, 8), 0x80000000 | PRWU | KVMX_PTE_PS | KVMX_PTE_A | KVMX_PTE_D);
	CHECK_EQ(fake.cmpxchgs, 2);	/* PDPTE (A) and PDE (A+D); PML4E already had A */

	/* A faulting access sets nothing. */
	mem_set(pte_gpa, 0x9000 | P | US, 8);
	fake.cmpxchgs = 0;
	expect_pf(&t, 0x400000, A_WRITE | A_USER | KVMX_WALK_SET_AD, PF_P | PF_W | PF_U);
	CHECK_EQ(fake.cmpxchgs, 0);
	CHECK_EQ(mem_get(pte_gpa, 8), 0x9000 | P | US);

	/* 32-bit paging: 4-byte exchanges, the 4 MiB PDE gets A and D. */
	env_init(&t, KVMX_PAGING_32);
	big_gpa = map(&t, 0x00c00000, 0x01000000, 2, PRWU);
	pte_gpa = map(&t, 0x00001000, 0x2000, 1, PRWU);
	CHECK_EQ(walk(&t, 0x00c00000, A_WRITE | KVMX_WALK_SET_AD, &res), KVMX_WALK_OK);
	CHECK_EQ(fake.last_size, 4);
	CHECK_EQ(mem_get(big_gpa, 4), 0x01000000 | PRWU | KVMX_PTE_PS | KVMX_PTE_A | KVMX_PTE_D);
	CHECK_EQ(walk(&t, 0x00001000, A_FETCH | KVMX_WALK_SET_AD, &res), KVMX_WALK_OK);
	CHECK_EQ(mem_get(pte_gpa, 4), 0x2000 | PRWU | KVMX_PTE_A);
	CHECK_EQ(mem_get(entry_gpa(&t, 0x1000, 2), 4) & KVMX_PTE_A, KVMX_PTE_A);

	/* PAE: the PDPTE registers are never written. */
	env_init(&t, KVMX_PAGING_PAE);
	pte_gpa = map(&t, 0xc0001000, 0x12345000, 1, PRWU);
	CHECK_EQ(walk(&t, 0xc0001000, A_WRITE | KVMX_WALK_SET_AD, &res), KVMX_WALK_OK);
	CHECK_EQ(fake.cmpxchgs, 2);
	CHECK_EQ(mem_get(pte_gpa, 8), 0x12345000 | PRWU | KVMX_PTE_A | KVMX_PTE_D);
	CHECK_EQ(mem_get(t.cpu.cr3 + 24, 8) & 0xfff, P);
}

static void test_accessed_dirty_races(void)
{
	struct tenv t;
	struct kvmx_walk_result res;
	u64 pte_gpa, pml4e_gpa;
	unsigned int level;

	/* The guest clears P of the PML4E while the walker sets its A bit. */
	env_init(&t, KVMX_PAGING_4LEVEL);
	pte_gpa = map(&t, 0x400000, 0x9000, 1, PRWU);
	pml4e_gpa = entry_gpa(&t, 0x400000, 4);
	fake.races = 1;
	fake.race_clear = P;
	expect_pf(&t, 0x400000, A_READ | KVMX_WALK_SET_AD, 0);
	CHECK_EQ(mem_get(pml4e_gpa, 8) & (P | KVMX_PTE_A), 0);

	/* The guest sets an ignored bit in the PTE meanwhile: both survive. */
	env_init(&t, KVMX_PAGING_4LEVEL);
	pte_gpa = map(&t, 0x400000, 0x9000, 1, PRWU);
	for (level = 2; level <= 4; level++)
		poke(&t, 0x400000, level, KVMX_PTE_A, 0);
	fake.races = 1;
	fake.race_set = 1ULL << 9;
	CHECK_EQ(walk(&t, 0x400000, A_WRITE | KVMX_WALK_SET_AD, &res), KVMX_WALK_OK);
	CHECK_EQ(mem_get(pte_gpa, 8), 0x9000 | PRWU | (1ULL << 9) | KVMX_PTE_A | KVMX_PTE_D);
	CHECK_EQ(res.pte[1], mem_get(pte_gpa, 8));
	CHECK_EQ(fake.cmpxchgs, 2);

	/* The guest makes the page read-only meanwhile: the write now faults. */
	mem_set(pte_gpa, 0x9000 | PRWU, 8);
	fake.cmpxchgs = 0;
	fake.races = 1;
	fake.race_set = 0;
	fake.race_clear = RW;
	expect_pf(&t, 0x400000, A_WRITE | KVMX_WALK_SET_AD, PF_P | PF_W);
	CHECK_EQ(mem_get(pte_gpa, 8), 0x9000 | P | US);

	/* A guest that changes the entry at every exchange: give up with RETRY. */
	mem_set(pte_gpa, 0x9000 | PRWU, 8);
	fake.cmpxchgs = 0;
	fake.races = 1000;
	fake.race_clear = 0;
	fake.race_toggle = 1ULL << 9;
	CHECK_EQ(walk(&t, 0x400000, A_READ | KVMX_WALK_SET_AD, &res), KVMX_WALK_RETRY);
	CHECK_EQ(fake.cmpxchgs, KVMX_WALK_MAX_RETRIES);
	CHECK_EQ(mem_get(pte_gpa, 8) & KVMX_PTE_A, 0);
	/* and succeed once it stops. */
	fake.races = 0;
	CHECK_EQ(walk(&t, 0x400000, A_READ | KVMX_WALK_SET_AD, &res), KVMX_WALK_OK);
	CHECK_EQ(mem_get(pte_gpa, 8) & KVMX_PTE_A, KVMX_PTE_A);
}

/* ---- callbacks that fail ---- */

static void test_callback_errors(void)
{
	struct tenv t;
	struct kvmx_walk_result res;
	u64 pte_gpa;

	/* A PDE pointing outside guest memory: the PTE read fails. */
	env_init(&t, KVMX_PAGING_4LEVEL);
	map(&t, 0x400000, 0x9000, 1, PRWU);
	poke(&t, 0x400000, 2, 0x7000000000ULL, 0);
	CHECK_EQ(walk(&t, 0x400000, A_WRITE | A_USER, &res), KVMX_WALK_PTE_ERROR);
	CHECK_EQ(res.cb_err, -EFAULT);
	CHECK_EQ(res.level, 1);
	CHECK_EQ(res.pte_gpa[1], 0x7000000000ULL + (mem_get(entry_gpa(&t, 0x400000, 2), 8) &
		 0xfffff000ULL));
	CHECK_EQ(res.error_code, PF_W | PF_U);

	/* A failing A/D exchange. */
	env_init(&t, KVMX_PAGING_4LEVEL);
	pte_gpa = map(&t, 0x400000, 0x9000, 1, PRWU);
	fake.fail_cmpxchg_gpa = pte_gpa;
	CHECK_EQ(walk(&t, 0x400000, A_FETCH | KVMX_WALK_SET_AD, &res), KVMX_WALK_PTE_ERROR);
	CHECK_EQ(res.cb_err, -EFAULT);
	CHECK_EQ(res.level, 1);
	CHECK_EQ(res.error_code, PF_ID);
	CHECK_EQ(mem_get(pte_gpa, 8), 0x9000 | PRWU);
	/* A query does not exchange, so it still works. */
	expect_ok(&t, 0x400000, A_FETCH, 0x9000, PAGE_4K);
}

/* ---- protection keys ---- */

static u64 pkey_bits(unsigned int key)
{
	return (u64)key << 59;
}

static u32 pkru_ad(unsigned int key)
{
	return 1U << (2 * key);
}

static u32 pkru_wd(unsigned int key)
{
	return 2U << (2 * key);
}

static void test_protection_keys(void)
{
	struct tenv t;
	struct kvmx_walk_result res;
	u64 user_pte;

	env_init(&t, KVMX_PAGING_4LEVEL);
	user_pte = map(&t, 0x400000, 0x9000, 1, PRWU | pkey_bits(5));
	map(&t, 0x800000, 0xa000, 1, PRW | pkey_bits(5));

	/* CR4.PKE = 0: PKRU is not consulted, the key is not reported. */
	t.cpu.pkru = ~0U;
	expect_ok(&t, 0x400000, A_WRITE | A_USER, 0x9000, PAGE_4K);
	CHECK_EQ(walk(&t, 0x400000, A_READ, &res), KVMX_WALK_OK);
	CHECK_EQ(res.pkey, 0);

	t.cpu.cr4 |= KVMX_WALK_CR4_PKE;
	t.cpu.pkru = pkru_ad(4) | pkru_wd(6);	/* other keys only */
	CHECK_EQ(walk(&t, 0x400000, A_WRITE | A_USER, &res), KVMX_WALK_OK);
	CHECK_EQ(res.pkey, 5);

	/* Access-disable: any data access to the user page. */
	t.cpu.pkru = pkru_ad(5);
	expect_pf(&t, 0x400000, A_USER, PF_P | PF_U | PF_PK);
	expect_pf(&t, 0x400000, A_WRITE | A_USER, PF_P | PF_W | PF_U | PF_PK);
	expect_pf(&t, 0x400000, A_READ, PF_P | PF_PK);		/* supervisor too */
	expect_pf(&t, 0x400000, KVMX_WALK_IMPLICIT, PF_P | PF_PK);
	/* but not fetches, and not supervisor pages. */
	expect_ok(&t, 0x400000, A_FETCH | A_USER, 0x9000, PAGE_4K);
	expect_ok(&t, 0x800000, A_WRITE, 0xa000, PAGE_4K);

	/* Write-disable: user writes; supervisor writes only with CR0.WP = 1. */
	t.cpu.pkru = pkru_wd(5);
	expect_ok(&t, 0x400000, A_USER, 0x9000, PAGE_4K);
	expect_pf(&t, 0x400000, A_WRITE | A_USER, PF_P | PF_W | PF_U | PF_PK);
	expect_pf(&t, 0x400000, A_WRITE, PF_P | PF_W | PF_PK);
	t.cpu.cr0 &= ~KVMX_WALK_CR0_WP;
	expect_ok(&t, 0x400000, A_WRITE, 0x9000, PAGE_4K);
	expect_pf(&t, 0x400000, A_WRITE | A_USER, PF_P | PF_W | PF_U | PF_PK);
	t.cpu.cr0 |= KVMX_WALK_CR0_WP;

	/* PK joins an ordinary protection fault. */
	mem_set(user_pte, 0x9000 | P | US | pkey_bits(5), 8);
	expect_pf(&t, 0x400000, A_WRITE | A_USER, PF_P | PF_W | PF_U | PF_PK);
	t.cpu.pkru = 0;
	expect_pf(&t, 0x400000, A_WRITE | A_USER, PF_P | PF_W | PF_U);
	/* and a not-present or reserved-bit fault has no PK. */
	t.cpu.pkru = pkru_ad(5);
	mem_set(user_pte, 0x9000 | US | pkey_bits(5), 8);
	expect_pf(&t, 0x400000, A_USER, PF_U);
	mem_set(user_pte, 0x9000 | PRWU | pkey_bits(5) | (1ULL << 50), 8);
	expect_pf(&t, 0x400000, A_USER, PF_P | PF_U | PF_RSVD);

	/* Supervisor keys: IA32_PKRS with CR4.PKS. */
	t.cpu.pkrs = pkru_ad(5);
	expect_ok(&t, 0x800000, A_READ, 0xa000, PAGE_4K);
	t.cpu.cr4 |= KVMX_WALK_CR4_PKS;
	expect_pf(&t, 0x800000, A_READ, PF_P | PF_PK);
	expect_ok(&t, 0x800000, A_FETCH, 0xa000, PAGE_4K);
	t.cpu.pkrs = pkru_wd(5);
	expect_ok(&t, 0x800000, A_READ, 0xa000, PAGE_4K);
	expect_pf(&t, 0x800000, A_WRITE, PF_P | PF_W | PF_PK);
	t.cpu.cr0 &= ~KVMX_WALK_CR0_WP;
	expect_ok(&t, 0x800000, A_WRITE, 0xa000, PAGE_4K);
	/*
	 * PK reflects the page's key and the register, not the access mode:
	 * a user access to a supervisor page with PKRS.AD gets both.
	 */
	t.cpu.pkrs = pkru_ad(5);
	expect_pf(&t, 0x800000, A_USER, PF_P | PF_U | PF_PK);
	t.cpu.pkrs = 0;
	expect_pf(&t, 0x800000, A_USER, PF_P | PF_U);

	/* The key comes from the leaf: a 2 MiB page. */
	t.cpu.cr4 &= ~KVMX_WALK_CR4_PKS;
	map(&t, 0x40000000, 0x80000000, 2, PRWU | pkey_bits(15));
	t.cpu.pkru = pkru_ad(15);
	expect_pf(&t, 0x40000000, A_USER, PF_P | PF_U | PF_PK);
	CHECK_EQ(walk(&t, 0x40000000, A_FETCH | A_USER, &res), KVMX_WALK_OK);
	CHECK_EQ(res.pkey, 15);
	/* Key bits in a non-leaf entry are ignored. */
	poke(&t, 0x40000000, 3, pkey_bits(3), 0);
	t.cpu.pkru = pkru_ad(3);
	expect_ok(&t, 0x40000000, A_USER, 0x80000000, PAGE_2M);
}

/* ---- argument checks ---- */

static void test_invalid_arguments(void)
{
	struct tenv t;
	struct kvmx_walk_result res;
	struct kvmx_walker w;
	struct kvmx_walk_cpu cpu;
	const struct kvmx_walk_ops no_cmpxchg = { .read_pte = fake_read_pte };

	env_init(&t, KVMX_PAGING_4LEVEL);
	map(&t, 0x400000, 0x9000, 1, PRWU);
	expect_ok(&t, 0x400000, A_READ, 0x9000, PAGE_4K);
	CHECK_EQ(walk(&t, 0x400000, KVMX_WALK_WRITE | KVMX_WALK_FETCH, &res), -EINVAL);
	CHECK_EQ(walk(&t, 0x400000, KVMX_WALK_USER | KVMX_WALK_IMPLICIT, &res), -EINVAL);
	CHECK_EQ(walk(&t, 0x400000, 1U << 6, &res), -EINVAL);
	CHECK_EQ(walk(&t, 0x400000, 1U << 31, &res), -EINVAL);
	CHECK_EQ(kvmx_walk(&t.w, &no_cmpxchg, &fake, 0x400000, KVMX_WALK_SET_AD, &res), -EINVAL);
	CHECK_EQ(kvmx_walk(&t.w, &no_cmpxchg, &fake, 0x400000, 0, &res), KVMX_WALK_OK);
	CHECK_EQ(kvmx_walk(&t.w, NULL, &fake, 0x400000, 0, &res), -EINVAL);

	cpu = t.cpu;
	CHECK_EQ(kvmx_walker_init(&w, &cpu), 0);
	cpu.maxphyaddr = 31;
	CHECK_EQ(kvmx_walker_init(&w, &cpu), -EINVAL);
	cpu.maxphyaddr = 53;
	CHECK_EQ(kvmx_walker_init(&w, &cpu), -EINVAL);
	cpu.maxphyaddr = 52;
	CHECK_EQ(kvmx_walker_init(&w, &cpu), 0);
	cpu.features = 1U << 7;
	CHECK_EQ(kvmx_walker_init(&w, &cpu), -EINVAL);
	cpu.features = 0;
	/* Long mode needs paging and PAE. */
	cpu.cr4 &= ~KVMX_WALK_CR4_PAE;
	CHECK_EQ(kvmx_walker_init(&w, &cpu), -EINVAL);
	cpu.cr4 |= KVMX_WALK_CR4_PAE;
	cpu.cr0 &= ~KVMX_WALK_CR0_PG;
	CHECK_EQ(kvmx_walker_init(&w, &cpu), -EINVAL);
	/* LA57 means nothing outside long mode. */
	env_init(&t, KVMX_PAGING_PAE);
	map(&t, 0xc0001000, 0x12345000, 1, PRWU);
	t.cpu.cr4 |= KVMX_WALK_CR4_LA57;
	expect_ok(&t, 0xc0001000, A_READ, 0x12345000, PAGE_4K);
	CHECK_EQ(t.w.mode, KVMX_PAGING_PAE);
}

/* ---- cross-check against the processor behind /dev/kvm ---- */

/*
 * The same 4-level page tables are handed to a real vCPU: a stub performs
 * the access at the tested address, in ring 0 or ring 3, and the #PF the
 * processor delivers (error code and CR2), or its absence, must match the
 * walker's verdict; so must the A/D bits the processor set.  On this build
 * host /dev/kvm is a nested KVM, so the verdict comes from the CPU (with
 * NPT/EPT) or from kvm.ko's own walker (shadow paging): the reference
 * either way.  Skips when /dev/kvm is missing.
 *
 * Guest layout (identity-mapped supervisor pages unless said otherwise):
 */
#define HW_GDT		0x1000ULL
#define HW_IDT		0x2000ULL
#define HW_TSS		0x3000ULL
#define HW_HANDLERS	0x4000ULL	/* 16 bytes per vector: mov $vec, %r15d; hlt */
#define HW_STUBS	0x5000ULL	/* the access stubs */
#define HW_STACK_TOP	0x6ff0ULL	/* ring-0 stack, also TSS.RSP0 */
#define HW_USER_STUBS	0x7000ULL	/* gva: a user-mode alias of HW_STUBS */
#define HW_TARGET_GPA	0x200000ULL	/* the page accessed: all UD2 */
#define HW_GVA		0x00007f8000000100ULL	/* PML4 slot 255: only the tested entries */
#define HW_SEL_CODE0	0x08
#define HW_SEL_DATA0	0x10
#define HW_SEL_DATA3	0x1b
#define HW_SEL_CODE3	0x23
#define HW_SEL_TSS	0x28
#define HW_VEC_UD	6
#define HW_VEC_PF	14

/* Stubs: each performs one access at %rsi, then UD2 reports success. */
static const u8 hw_stub_read[] = { 0x8a, 0x06, 0x0f, 0x0b };	/* mov (%rsi),%al; ud2 */
static const u8 hw_stub_write[] = { 0x88, 0x06, 0x0f, 0x0b };	/* mov %al,(%rsi); ud2 */
static const u8 hw_stub_fetch[] = { 0xff, 0xe6 };		/* jmp *%rsi (page is all UD2) */
#define HW_STUB_READ	0x00
#define HW_STUB_WRITE	0x10
#define HW_STUB_FETCH	0x20

struct hw_vm {
	int kvm_fd, vm_fd, vcpu_fd;
	struct kvm_run *run;
	size_t run_size;
	struct tenv t;
};

static u64 hw_segment_desc(u64 type_flags)
{
	/* base 0, limit 0xfffff; type_flags holds the access byte and flags. */
	return 0x000f00000000ffffULL | type_flags;
}

static void hw_write_tables(void)
{
	u64 *gdt = (u64 *)&guest_mem[HW_GDT];
	u64 tss_desc;
	unsigned int vec;

	gdt[1] = hw_segment_desc(0x00a09a0000000000ULL);	/* code, L, DPL 0 */
	gdt[2] = hw_segment_desc(0x00c0920000000000ULL);	/* data, DPL 0 */
	gdt[3] = hw_segment_desc(0x00c0f20000000000ULL);	/* data, DPL 3 */
	gdt[4] = hw_segment_desc(0x00a0fa0000000000ULL);	/* code, L, DPL 3 */
	tss_desc = 0x67 | ((HW_TSS & 0xffffff) << 16) | (0x89ULL << 40) |
		   (((HW_TSS >> 24) & 0xff) << 56);
	gdt[5] = tss_desc;
	gdt[6] = HW_TSS >> 32;
	mem_set(HW_TSS + 4, HW_STACK_TOP, 8);			/* RSP0 */

	for (vec = 0; vec < 32; vec++) {
		u64 handler = HW_HANDLERS + 16 * vec;
		u8 *code = &guest_mem[handler];
		u64 lo, hi;

		code[0] = 0x41;					/* mov $vec, %r15d */
		code[1] = 0xbf;
		memcpy(&code[2], &vec, 4);
		code[6] = 0xf4;					/* hlt */
		lo = (handler & 0xffff) | ((u64)HW_SEL_CODE0 << 16) | (0x8eULL << 40) |
		     (((handler >> 16) & 0xffff) << 48);
		hi = handler >> 32;
		mem_set(HW_IDT + 16 * vec, lo, 8);
		mem_set(HW_IDT + 16 * vec + 8, hi, 8);
	}
	memcpy(&guest_mem[HW_STUBS + HW_STUB_READ], hw_stub_read, sizeof(hw_stub_read));
	memcpy(&guest_mem[HW_STUBS + HW_STUB_WRITE], hw_stub_write, sizeof(hw_stub_write));
	memcpy(&guest_mem[HW_STUBS + HW_STUB_FETCH], hw_stub_fetch, sizeof(hw_stub_fetch));
	for (vec = 0; vec < PAGE_4K; vec += 2) {
		guest_mem[HW_TARGET_GPA + vec] = 0x0f;
		guest_mem[HW_TARGET_GPA + vec + 1] = 0x0b;
	}
}

/* Give the vCPU what the host supports, so CR4.SMEP/SMAP and EFER.NXE are accepted. */
static bool hw_set_cpuid(struct hw_vm *vm, bool *smep, bool *smap, unsigned int *maxphyaddr)
{
	struct {
		struct kvm_cpuid2 head;
		struct kvm_cpuid_entry2 entries[100];
	} cpuid;
	unsigned int i;

	memset(&cpuid, 0, sizeof(cpuid));
	cpuid.head.nent = 100;
	if (ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, &cpuid) < 0)
		return false;
	*smep = false;
	*smap = false;
	*maxphyaddr = 36;
	for (i = 0; i < cpuid.head.nent; i++) {
		struct kvm_cpuid_entry2 *e = &cpuid.entries[i];

		if (e->function == 7 && e->index == 0) {
			*smep = e->ebx & (1U << 7);
			*smap = e->ebx & (1U << 20);
		}
		if (e->function == 0x80000008)
			*maxphyaddr = e->eax & 0xff;
	}
	return ioctl(vm->vcpu_fd, KVM_SET_CPUID2, &cpuid) == 0;
}

static void hw_close(struct hw_vm *vm)
{
	if (vm->run)
		munmap(vm->run, vm->run_size);
	if (vm->vcpu_fd >= 0)
		close(vm->vcpu_fd);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
}

/* Add (or delete) the memslot that holds all of guest_mem at gpa 0. */
static void hw_memslot(struct hw_vm *vm, bool add)
{
	struct kvm_userspace_memory_region region = {
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = add ? GUEST_MEM_SIZE : 0,
		.userspace_addr = (uintptr_t)guest_mem,
	};

	CHECK_IOCTL_OK(ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region));
}

static void hw_open(struct hw_vm *vm, bool *smep, bool *smap)
{
	unsigned int maxphyaddr;
	int size;

	vm->vm_fd = -1;
	vm->vcpu_fd = -1;
	vm->run = NULL;
	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	REQUIRE(vm->kvm_fd >= 0, "/dev/kvm: %s", strerror(errno));
	vm->vm_fd = CHECK_IOCTL_OK(ioctl(vm->kvm_fd, KVM_CREATE_VM, 0));
	hw_memslot(vm, true);
	vm->vcpu_fd = CHECK_IOCTL_OK(ioctl(vm->vm_fd, KVM_CREATE_VCPU, 0));
	size = CHECK_IOCTL_OK(ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0));
	vm->run_size = size;
	vm->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vm->vcpu_fd, 0);
	CHECK(vm->run != MAP_FAILED, "mmap kvm_run: %s", strerror(errno));
	CHECK(hw_set_cpuid(vm, smep, smap, &maxphyaddr), "KVM_SET_CPUID2: %s", strerror(errno));

	memset(guest_mem, 0, GUEST_MEM_SIZE);
	env_init(&vm->t, KVMX_PAGING_4LEVEL);
	vm->t.cpu.maxphyaddr = maxphyaddr;
	hw_write_tables();
	map(&vm->t, HW_GDT, HW_GDT, 1, PRW);
	map(&vm->t, HW_IDT, HW_IDT, 1, PRW);
	map(&vm->t, HW_TSS, HW_TSS, 1, PRW);
	map(&vm->t, HW_HANDLERS, HW_HANDLERS, 1, PRW);
	map(&vm->t, HW_STUBS, HW_STUBS, 1, PRW);
	map(&vm->t, HW_STACK_TOP & ~0xfffULL, HW_STACK_TOP & ~0xfffULL, 1, PRW);
	map(&vm->t, HW_USER_STUBS, HW_STUBS, 1, PRWU);
	map(&vm->t, HW_GVA, HW_TARGET_GPA, 1, PRWU);
}

static void hw_segment(struct kvm_segment *seg, u16 sel, u8 type, bool code)
{
	memset(seg, 0, sizeof(*seg));
	seg->selector = sel;
	seg->type = type;
	seg->present = 1;
	seg->dpl = sel & 3;
	seg->s = 1;
	seg->limit = 0xffffffff;
	seg->g = 1;
	seg->l = code;
	seg->db = !code;
}

struct hw_outcome {
	unsigned int vector;	/* HW_VEC_UD: the access went through */
	u32 error_code;
	u64 cr2;
};

/* Load the vCPU for one access with the control bits in vm->t.cpu. */
static void hw_load(struct hw_vm *vm, u32 access)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	bool user = access & KVMX_WALK_USER;
	u64 stub = (user ? HW_USER_STUBS : HW_STUBS) +
		   ((access & KVMX_WALK_WRITE) ? HW_STUB_WRITE :
		    (access & KVMX_WALK_FETCH) ? HW_STUB_FETCH : HW_STUB_READ);

	CHECK_IOCTL_OK(ioctl(vm->vcpu_fd, KVM_GET_SREGS, &sregs));
	sregs.cr0 = vm->t.cpu.cr0 | 0x11;	/* PE, ET */
	sregs.cr3 = vm->t.cpu.cr3;
	sregs.cr4 = vm->t.cpu.cr4;
	sregs.efer = vm->t.cpu.efer;
	sregs.cr2 = 0;
	if (user) {
		hw_segment(&sregs.cs, HW_SEL_CODE3, 11, true);
		hw_segment(&sregs.ss, HW_SEL_DATA3, 3, false);
	} else {
		hw_segment(&sregs.cs, HW_SEL_CODE0, 11, true);
		hw_segment(&sregs.ss, HW_SEL_DATA0, 3, false);
	}
	sregs.ds = sregs.ss;
	sregs.es = sregs.ss;
	sregs.fs = sregs.ss;
	sregs.gs = sregs.ss;
	memset(&sregs.tr, 0, sizeof(sregs.tr));
	sregs.tr.selector = HW_SEL_TSS;
	sregs.tr.base = HW_TSS;
	sregs.tr.limit = 0x67;
	sregs.tr.type = 11;
	sregs.tr.present = 1;
	sregs.gdt.base = HW_GDT;
	sregs.gdt.limit = 7 * 8 - 1;
	sregs.idt.base = HW_IDT;
	sregs.idt.limit = 32 * 16 - 1;
	CHECK_IOCTL_OK(ioctl(vm->vcpu_fd, KVM_SET_SREGS, &sregs));

	memset(&regs, 0, sizeof(regs));
	regs.rip = stub;
	regs.rsi = HW_GVA;
	regs.rsp = HW_STACK_TOP;
	regs.r15 = ~0ULL;
	regs.rflags = 0x2 | ((access & KVMX_WALK_AC) ? (1ULL << 18) : 0);
	CHECK_IOCTL_OK(ioctl(vm->vcpu_fd, KVM_SET_REGS, &regs));
}

/* Run one access on the vCPU with the control bits in vm->t.cpu. */
static void hw_run(struct hw_vm *vm, u32 access, struct hw_outcome *out)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	hw_load(vm, access);
	/*
	 * Page tables were edited behind KVM's back (it only notices guest
	 * writes): re-creating the memslot drops any shadow pages built
	 * from the old entries.
	 */
	hw_memslot(vm, false);
	hw_memslot(vm, true);
	/* A write stub may have overwritten the UD2 a fetch lands on. */
	guest_mem[HW_TARGET_GPA + (HW_GVA & 0xfff)] = 0x0f;
	guest_mem[HW_TARGET_GPA + (HW_GVA & 0xfff) + 1] = 0x0b;
	CHECK_IOCTL_OK(ioctl(vm->vcpu_fd, KVM_RUN, 0));
	CHECK_IOCTL_OK(ioctl(vm->vcpu_fd, KVM_GET_REGS, &regs));
	if (vm->run->exit_reason != KVM_EXIT_HLT)
		test_fail(__FILE__, __LINE__, "exit reason %u at rip 0x%llx (access 0x%x)",
			  vm->run->exit_reason, (unsigned long long)regs.rip, access);
	CHECK(regs.r15 < 32, "halted outside a handler at rip 0x%llx",
	      (unsigned long long)regs.rip);
	CHECK_IOCTL_OK(ioctl(vm->vcpu_fd, KVM_GET_SREGS, &sregs));
	out->vector = regs.r15;
	out->cr2 = sregs.cr2;
	if (getenv("HW_DEBUG"))
		test_info("rip 0x%llx rsp 0x%llx rsi 0x%llx r15 %llu cr2 0x%llx [rsp] 0x%llx 0x%llx",
			  (unsigned long long)regs.rip, (unsigned long long)regs.rsp,
			  (unsigned long long)regs.rsi, (unsigned long long)regs.r15,
			  (unsigned long long)sregs.cr2, (unsigned long long)mem_get(regs.rsp, 8),
			  (unsigned long long)mem_get(regs.rsp + 8, 8));
	out->error_code = 0;
	if (out->vector == HW_VEC_PF)
		out->error_code = mem_get(regs.rsp, 8);
}

/*
 * The entries of the tested translation, from the PML4E down: @flags[l]
 * replaces U/S, R/W, XD and A/D of level l (bits outside those are kept).
 */
static void hw_set_entries(struct hw_vm *vm, const u64 flags[5])
{
	const u64 mask = US | RW | XD | KVMX_PTE_A | KVMX_PTE_D;
	unsigned int level;

	for (level = 1; level <= 4; level++) {
		u64 eg = entry_gpa(&vm->t, HW_GVA, level);

		mem_set(eg, (mem_get(eg, 8) & ~mask) | flags[level], 8);
	}
}

static void test_hw_cross_check(void)
{
	static struct hw_vm vm;
	unsigned int combo, runs = 0, faults = 0, a_on_fault = 0;
	bool smep_ok, smap_ok;

	hw_open(&vm, &smep_ok, &smap_ok);
	test_info("host vCPU: SMEP %d SMAP %d MAXPHYADDR %u", smep_ok, smap_ok,
		  vm.t.cpu.maxphyaddr);
	for (combo = 0; combo < (1U << 11) * 6; combo++) {
		unsigned int bits = combo / 6;
		bool user = (combo % 6) / 3, write = combo % 3 == 1, fetch = combo % 3 == 2;
		bool pte_us = bits & 1, pte_rw = bits & 2, pte_xd = bits & 4;
		bool pde_us = bits & 8, pde_rw = bits & 16, pde_xd = bits & 32;
		bool ac = bits & 64, wp = bits & 128, smep = bits & 256;
		bool smap = bits & 512, nxe = bits & 1024;
		u64 flags[5] = { 0 }, before[5], after_walk[5];
		struct kvmx_walk_result res;
		struct hw_outcome hw;
		unsigned int level;
		u32 access = 0;
		int ret;

		if ((smep && !smep_ok) || (smap && !smap_ok) || (ac && user))
			continue;
		flags[4] = US | RW;
		flags[3] = US | RW;
		flags[2] = (pde_us ? US : 0) | (pde_rw ? RW : 0) | (pde_xd ? XD : 0);
		flags[1] = (pte_us ? US : 0) | (pte_rw ? RW : 0) | (pte_xd ? XD : 0);
		hw_set_entries(&vm, flags);
		vm.t.cpu.cr0 = KVMX_WALK_CR0_PG | (wp ? KVMX_WALK_CR0_WP : 0);
		vm.t.cpu.cr4 = KVMX_WALK_CR4_PAE | (smep ? SMEP : 0) | (smap ? SMAP : 0);
		vm.t.cpu.efer = KVMX_WALK_EFER_LMA | (1ULL << 8) | (nxe ? KVMX_WALK_EFER_NXE : 0);
		access = (user ? KVMX_WALK_USER : 0) | (write ? KVMX_WALK_WRITE : 0) |
			 (fetch ? KVMX_WALK_FETCH : 0) | (ac ? KVMX_WALK_AC : 0);

		for (level = 1; level <= 4; level++)
			before[level] = mem_get(entry_gpa(&vm.t, HW_GVA, level), 8);
		ret = walk(&vm.t, HW_GVA, access | KVMX_WALK_SET_AD, &res);
		for (level = 1; level <= 4; level++) {
			after_walk[level] = mem_get(entry_gpa(&vm.t, HW_GVA, level), 8);
			mem_set(entry_gpa(&vm.t, HW_GVA, level), before[level], 8);
		}

		hw_run(&vm, access, &hw);
		runs++;
		if (hw.vector == HW_VEC_UD && ret == KVMX_WALK_OK) {
			for (level = 1; level <= 4; level++) {
				u64 now = mem_get(entry_gpa(&vm.t, HW_GVA, level), 8);

				if (now != after_walk[level])
					test_fail(__FILE__, __LINE__,
						  "bits 0x%x access 0x%x: level %u entry 0x%llx after the CPU, 0x%llx after the walker",
						  bits, access, level, (unsigned long long)now,
						  (unsigned long long)after_walk[level]);
			}
			continue;
		}
		if (hw.vector != HW_VEC_PF || ret != KVMX_WALK_PAGE_FAULT ||
		    hw.error_code != res.error_code || hw.cr2 != HW_GVA)
			test_fail(__FILE__, __LINE__,
				  "bits 0x%x access 0x%x: CPU vector %u error code 0x%x cr2 0x%llx; walker status %d error code 0x%x",
				  bits, access, hw.vector, hw.error_code,
				  (unsigned long long)hw.cr2, ret, res.error_code);
		faults++;
		for (level = 1; level <= 4; level++) {
			if (mem_get(entry_gpa(&vm.t, HW_GVA, level), 8) & KVMX_PTE_A) {
				a_on_fault++;
				break;
			}
		}
	}
	test_info("%u accesses run, %u faulted as the walker said; the CPU set an A bit on %u faults",
		  runs, faults, a_on_fault);
	CHECK(runs > 1000, "too few accesses run: %u", runs);
	hw_close(&vm);
}

/* Reserved bits and not-present entries at each level, on the vCPU. */
static void test_hw_cross_check_reserved(void)
{
	static struct hw_vm vm;
	static const u64 flags[5] = { 0, PRWU & ~P, PRWU & ~P, PRWU & ~P, PRWU & ~P };
	bool smep_ok, smap_ok;
	unsigned int level, variant, checked = 0;

	hw_open(&vm, &smep_ok, &smap_ok);
	vm.t.cpu.cr0 = KVMX_WALK_CR0_PG | KVMX_WALK_CR0_WP;
	vm.t.cpu.cr4 = KVMX_WALK_CR4_PAE;
	vm.t.cpu.efer = KVMX_WALK_EFER_LMA | (1ULL << 8) | KVMX_WALK_EFER_NXE;
	for (level = 1; level <= 4; level++) {
		for (variant = 0; variant < 8; variant++) {
			u64 eg = entry_gpa(&vm.t, HW_GVA, level), orig = mem_get(eg, 8);
			u64 set = 0, clear = 0;
			struct kvmx_walk_result res;
			struct hw_outcome hw;
			u32 access = variant & 1 ? KVMX_WALK_USER | KVMX_WALK_WRITE : 0;
			int ret;

			hw_set_entries(&vm, flags);
			switch (variant / 2) {
			case 0:
				clear = P;
				break;
			case 1:
				set = 1ULL << (vm.t.cpu.maxphyaddr < 52 ? vm.t.cpu.maxphyaddr : 51);
				if (vm.t.cpu.maxphyaddr == 52)
					set = 0;
				break;
			case 2:
				set = level >= 3 ? KVMX_PTE_PS : (1ULL << 52);
				if (level == 3)	/* a 1 GiB leaf with a reserved bit 13 */
					set |= 1ULL << 13;
				break;
			case 3:
				/* A valid 2 MiB (at the target) or 1 GiB (at gpa 0) leaf. */
				if (level != 2 && level != 3)
					continue;
				clear = ~0ULL;
				set = (level == 2 ? HW_TARGET_GPA : 0) | PRWU | KVMX_PTE_PS;
				break;
			}
			mem_set(eg, (mem_get(eg, 8) | set) & ~clear, 8);
			ret = walk(&vm.t, HW_GVA, access, &res);
			hw_run(&vm, access, &hw);
			checked++;
			if (ret == KVMX_WALK_OK ? hw.vector != HW_VEC_UD :
			    (hw.vector != HW_VEC_PF || hw.error_code != res.error_code))
				test_fail(__FILE__, __LINE__,
					  "level %u set 0x%llx clear 0x%llx access 0x%x: CPU vector %u error code 0x%x; walker status %d error code 0x%x",
					  level, (unsigned long long)set, (unsigned long long)clear,
					  access, hw.vector, hw.error_code, ret, res.error_code);
			if (ret == KVMX_WALK_OK && variant / 2 == 3)
				CHECK_EQ(res.page_size, level == 2 ? PAGE_2M : PAGE_1G);
			mem_set(eg, orig, 8);
		}
	}
	test_info("%u entries checked", checked);
	hw_close(&vm);
}

/*
 * KVM_TRANSLATE of the reference kvm.ko against the walker used the way
 * Documentation/mmu.rst recommends: a supervisor read (EFLAGS.AC counting
 * below CPL 3) that sets accessed bits as kvm.ko's own walker does.  Also
 * pins the documented differences: paging off (kvm.ko does not truncate)
 * and a page table outside guest memory (invalid for kvm.ko,
 * KVMX_WALK_PTE_ERROR for the walker).
 */
static void hw_translate(struct hw_vm *vm, u64 gva, struct kvm_translation *tr)
{
	memset(tr, 0, sizeof(*tr));
	tr->linear_address = gva;
	CHECK_IOCTL_OK(ioctl(vm->vcpu_fd, KVM_TRANSLATE, tr));
}

static void test_hw_kvm_translate(void)
{
	static struct hw_vm vm;
	struct kvm_translation tr;
	struct kvmx_walk_result res;
	unsigned int bits, level, valid = 0, checked = 0;
	u64 before[5], after_kvm[5], eg[5];
	struct kvm_sregs sregs;
	bool smep_ok, smap_ok;

	hw_open(&vm, &smep_ok, &smap_ok);
	for (level = 1; level <= 4; level++)
		eg[level] = entry_gpa(&vm.t, HW_GVA, level);
	for (bits = 0; bits < (1U << 10); bits++) {
		bool pte_us = bits & 1, pte_rw = bits & 2, pte_xd = bits & 4;
		bool pde_us = bits & 8, pde_rw = bits & 16, pde_p = !(bits & 32);
		bool wp = bits & 64, nxe = bits & 128, user = bits & 256, ac = bits & 512;
		u64 flags[5] = { 0, 0, 0, US | RW, US | RW };
		u32 access = (!user && ac) ? KVMX_WALK_AC : 0;
		int ret;

		if (!nxe && pte_xd)
			continue;
		flags[2] = (pde_us ? US : 0) | (pde_rw ? RW : 0);
		flags[1] = (pte_us ? US : 0) | (pte_rw ? RW : 0) | (pte_xd ? XD : 0);
		hw_set_entries(&vm, flags);
		if (!pde_p)
			mem_set(eg[2], mem_get(eg[2], 8) & ~P, 8);
		vm.t.cpu.cr0 = KVMX_WALK_CR0_PG | (wp ? KVMX_WALK_CR0_WP : 0);
		vm.t.cpu.cr4 = KVMX_WALK_CR4_PAE;
		vm.t.cpu.efer = KVMX_WALK_EFER_LMA | (1ULL << 8) | (nxe ? KVMX_WALK_EFER_NXE : 0);
		/* hw_load() sets CPL 3 for a user access and EFLAGS.AC from the flag. */
		hw_load(&vm, (user ? KVMX_WALK_USER : 0) | (ac ? KVMX_WALK_AC : 0));
		for (level = 1; level <= 4; level++)
			before[level] = mem_get(eg[level], 8);
		hw_translate(&vm, HW_GVA, &tr);
		for (level = 1; level <= 4; level++) {
			after_kvm[level] = mem_get(eg[level], 8);
			mem_set(eg[level], before[level], 8);
		}
		ret = walk(&vm.t, HW_GVA, access | KVMX_WALK_SET_AD, &res);
		if (tr.valid != (ret == KVMX_WALK_OK ? 1 : 0) ||
		    (tr.valid && tr.physical_address != res.gpa))
			test_fail(__FILE__, __LINE__,
				  "bits 0x%x: KVM_TRANSLATE valid %u gpa 0x%llx; walker status %d gpa 0x%llx",
				  bits, tr.valid, (unsigned long long)tr.physical_address, ret,
				  (unsigned long long)res.gpa);
		/* kvm.ko sets the accessed bits a read sets (and no dirty bit). */
		for (level = 1; level <= 4; level++)
			CHECK_EQ(after_kvm[level], mem_get(eg[level], 8));
		valid += tr.valid;
		checked++;
		mem_set(eg[2], mem_get(eg[2], 8) | P, 8);
	}
	test_info("%u translations compared, %u valid", checked, valid);

	/* Non-canonical: invalid. */
	hw_translate(&vm, 0x0000800000000000ULL, &tr);
	CHECK_EQ(tr.valid, 0);
	CHECK_EQ(walk(&vm.t, 0x0000800000000000ULL, 0, &res), KVMX_WALK_NONCANONICAL);

	/* A page table outside guest memory: invalid / PTE_ERROR. */
	poke(&vm.t, HW_GVA, 2, 0x40000000ULL, 0);
	hw_load(&vm, 0);
	hw_translate(&vm, HW_GVA, &tr);
	CHECK_EQ(tr.valid, 0);
	CHECK_EQ(walk(&vm.t, HW_GVA, 0, &res), KVMX_WALK_PTE_ERROR);
	poke(&vm.t, HW_GVA, 2, 0, 0x40000000ULL);

	/* Paging off (32-bit protected mode): kvm.ko hands the address back untruncated. */
	CHECK_IOCTL_OK(ioctl(vm.vcpu_fd, KVM_GET_SREGS, &sregs));
	sregs.cr0 = 0x11;	/* PE, ET */
	sregs.cr4 = 0;
	sregs.efer = 0;
	sregs.cs.l = 0;
	sregs.cs.db = 1;
	CHECK_IOCTL_OK(ioctl(vm.vcpu_fd, KVM_SET_SREGS, &sregs));
	vm.t.cpu.cr0 = 0;
	vm.t.cpu.cr4 = 0;
	vm.t.cpu.efer = 0;
	hw_translate(&vm, 0x123456789ULL, &tr);
	CHECK_EQ(tr.valid, 1);
	CHECK_EQ(tr.physical_address, 0x123456789ULL);
	CHECK_EQ(walk(&vm.t, 0x123456789ULL, 0, &res), KVMX_WALK_OK);
	CHECK_EQ(res.gpa, 0x23456789ULL);
	hw_close(&vm);
}

static const struct test_case cases[] = {
	TEST_CASE(test_paging_off),
	TEST_CASE(test_32bit_4k),
	TEST_CASE(test_32bit_pse),
	TEST_CASE(test_32bit_ps_ignored_without_pse),
	TEST_CASE(test_32bit_no_xd),
	TEST_CASE(test_pae),
	TEST_CASE(test_pae_pdpte_registers),
	TEST_CASE(test_pae_reserved_and_xd),
	TEST_CASE(test_4level_page_sizes),
	TEST_CASE(test_4level_reserved_high_bits),
	TEST_CASE(test_5level_and_canonical),
	TEST_CASE(test_perm_cases),
	TEST_CASE(test_perm_matrix_4level),
	TEST_CASE(test_perm_matrix_pae),
	TEST_CASE(test_perm_matrix_32bit),
	TEST_CASE(test_fault_precedence),
	TEST_CASE(test_accessed_dirty),
	TEST_CASE(test_accessed_dirty_races),
	TEST_CASE(test_callback_errors),
	TEST_CASE(test_protection_keys),
	TEST_CASE(test_invalid_arguments),
	TEST_CASE(test_hw_cross_check),
	TEST_CASE(test_hw_cross_check_reserved),
	TEST_CASE(test_hw_kvm_translate),
};

int main(void)
{
	return run_tests(cases, ARRAY_SIZE(cases));
}
