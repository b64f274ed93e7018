// SPDX-License-Identifier: GPL-2.0
/*
 * paging_test: the guest's own page tables, in every paging mode, as a
 * guest sees them whether the hypervisor uses nested or shadow paging.
 *
 * Each case maps a test region at VA 1 GiB with 4 KiB pages and checks,
 * from inside the guest: a remapped entry is seen after INVLPG; a write
 * through the mapping lands in the page; two address spaces switched by
 * CR3 writes each see their own page; the processor sets the accessed bit
 * on a read and the dirty bit on a write (checked by the host in the
 * guest's entry); and #PF reports the right error code and CR2 for a
 * not-present page, a write to a read-only page, an instruction fetch
 * from a no-execute page, a reserved bit, and user-mode accesses to a
 * supervisor page and to a read-only user page.  A large guest page (2 MiB,
 * or 4 MiB in 32-bit paging) remapped and invalidated by INVLPG at its
 * start must be seen anew at another offset (a shadow MMU that maps it
 * piecewise must drop every piece).  An exception whose frame is pushed
 * onto one of the guest's page tables must be delivered with the faulting
 * instruction's address (a shadow MMU must not take the frame's write for
 * the instruction's).
 *
 * The modes: 4-level (long mode), 32-bit with 4 KiB pages, PAE, and
 * paging off (where a linear address is its physical address: an access
 * at 1 GiB, outside guest memory, exits as MMIO at that address).  The
 * 32-bit guest starts with paging off and turns it on itself.
 *
 * On kvmx the cases run once more in VMs that ask for shadow paging
 * themselves (KVMX_CAP_SHADOW_PAGING), whatever the module loaded with,
 * and the capability's rules are checked; elsewhere those cases skip.
 */
#include <string.h>
#include <sys/ioctl.h>
#include <linux/kvmx.h>

#include "guest_asm.h"
#include "kvm_util.h"

/* The test region and the guest-physical pages behind it. */
#define VA_X		0x40000000ULL	/* PML4[0] -> PDPT[1], or PD32[256] */
#define PD_X_GPA	0x10000		/* 4-level: PD of VA 1 GiB */
#define PT_X_GPA	0x11000		/* its page table (also 32-bit, PAE) */
#define PML4_B_GPA	0x12000		/* second address space (4-level) */
#define PDPT_B_GPA	0x13000
#define PD_B_GPA	0x14000
#define PT_B_GPA	0x15000
#define PAE_PDPT_GPA	0x16000		/* PAE: PDPT A, and B at +0x20 */
#define PAE_PD0_GPA	0x17000		/* PAE: identity 0..2 MiB */
#define PD32_B_GPA	0x18000		/* 32-bit: second page directory */
#define PAGE0_GPA	0x20000		/* VA_X + 0: magic 0x1111, then PAGE1 */
#define PAGE1_GPA	0x21000		/* magic 0x2222 */
#define PAGE2_GPA	0x22000		/* read-only, supervisor: 0x5555 */
#define PAGE3_GPA	0x23000		/* no-execute: a RET */
#define PAGEB_GPA	0x24000		/* address space B's page: 0x4444 */

#define PTE_ACCESSED	(1ULL << 5)
#define PTE_DIRTY	(1ULL << 6)
#define PTE_NX		(1ULL << 63)
#define PTE_RSVD51	(1ULL << 51)

/* Guest-visible variables (32-bit guest), in the data scratch area. */
#define VAR_CR3_A	0xc100
#define VAR_CR3_B	0xc104
#define VAR_CR4		0xc108
#define VAR_NX		0xc10c		/* 1: test the NX fetch (PAE + NXE) */
#define VAR_ESP		0xc110
#define VAR_CONT	0xc114
#define VAR_LVA		0xc118		/* a large page's VA */
#define VAR_LOFF	0xc11c		/* offset of a second 4 KiB piece */
#define VAR_PDE_ADDR	0xc120		/* the GPA of its PDE */
#define VAR_PDE_NEW	0xc124		/* the PDE's new low 32 bits */

/* Large guest pages: memslot 1, 8 MiB at GUEST_EXTRA_GPA. */
#define LARGE_SLOT	1
#define LARGE_GPA	GUEST_EXTRA_GPA
#define LARGE_SIZE	0x800000
#define PDE_LARGE	(PTE_PRESENT | PTE_WRITE | PTE_LARGE)

/* User-mode segments (64-bit case), after the TSS in the GDT. */
#define SEL_USER_DATA	0x43		/* index 8, RPL 3 */
#define SEL_USER_CODE64	0x4b		/* index 9, RPL 3 */
#define KERNEL_STACK0	0xdff0		/* TSS.RSP0 */

/*
 * #PF error codes, written as numbers in the guest code: P = 1, W = 2,
 * U = 4, RSVD = 8, I/D = 0x10.
 */

/*
 * 64-bit guest.  Faulting accesses go through PREP: R12 = -1 (no fault
 * yet), R15 = where the #PF handler resumes, R14 = the stack there; the
 * handler leaves the error code in R12 and CR2 in R13 and returns to R15
 * in ring 0.
 */
extern const uint8_t pg64_start[], pg64_pf[], pg64_user1[], pg64_user2[],
	pg64_end[];
asm(GUEST_SECTION
    ".code64\n"
    ".macro PREP cont\n"
    "	mov $-1, %r12\n"
    "	lea \\cont(%rip), %r15\n"
    "	mov %rsp, %r14\n"
    ".endm\n"
    ".macro EXPECT_PF err, va, id\n"
    "	GUEST_CHECK_EQ64 %r12, \\err, \\id\n"
    "	GUEST_CHECK_EQ64 %r13, \\va, \\id + 100\n"
    ".endm\n"
    ".macro USER_RUN entry, cont\n"
    "	PREP \\cont\n"
    "	pushq $" GUEST_XSTR(SEL_USER_DATA) "\n"
    "	pushq $0x40006000\n"
    "	pushfq\n"
    "	pushq $" GUEST_XSTR(SEL_USER_CODE64) "\n"
    "	pushq $\\entry\n"
    "	iretq\n"
    ".endm\n"
    "pg64_start:\n"
    /* Read through the mapping; the host checks A set, D clear. */
    "	mov $0x40000000, %rbx\n"
    "	mov (%rbx), %rsi\n"
    "	GUEST_CHECK_EQ64 %rsi, 0x1111, 1\n"
    "	GUEST_SYNC 1\n"
    /* Remap VA_X to PAGE1 (read-write): seen after INVLPG. */
    "	movq $" GUEST_XSTR(PAGE1_GPA) " + 3, " GUEST_XSTR(PT_X_GPA) "\n"
    "	invlpg (%rbx)\n"
    "	mov (%rbx), %rsi\n"
    "	GUEST_CHECK_EQ64 %rsi, 0x2222, 2\n"
    "	movq $0x3333, (%rbx)\n"
    "	GUEST_SYNC 2\n"
    /* Two address spaces: B maps VA_X to PAGEB. */
    "	mov $" GUEST_XSTR(PML4_B_GPA) ", %rax\n"
    "	mov %rax, %cr3\n"
    "	mov (%rbx), %rsi\n"
    "	GUEST_CHECK_EQ64 %rsi, 0x4444, 3\n"
    "	mov $" GUEST_XSTR(GUEST_PML4_GPA) ", %rax\n"
    "	mov %rax, %cr3\n"
    "	mov (%rbx), %rsi\n"
    "	GUEST_CHECK_EQ64 %rsi, 0x3333, 4\n"
    "	mov $" GUEST_XSTR(PML4_B_GPA) ", %rax\n"
    "	mov %rax, %cr3\n"
    "	mov (%rbx), %rsi\n"
    "	GUEST_CHECK_EQ64 %rsi, 0x4444, 5\n"
    "	mov %cr3, %rax\n"
    "	GUEST_CHECK_EQ64 %rax, " GUEST_XSTR(PML4_B_GPA) ", 6\n"
    "	mov $" GUEST_XSTR(GUEST_PML4_GPA) ", %rax\n"
    "	mov %rax, %cr3\n"
    /* A 2 MiB page at VA_X + 2 MiB: remapped, INVLPG (SIB form) at its start. */
    "	mov 0x40201000, %rsi\n"
    "	GUEST_CHECK_EQ64 %rsi, 0xb1, 7\n"
    "	mov 0x40200000, %rsi\n"
    "	movq $" GUEST_XSTR(LARGE_GPA) " + 0x200083, " GUEST_XSTR(PD_X_GPA) " + 8\n"
    "	mov $0x100000, %rcx\n"
    "	invlpg 0x100000(%rbx,%rcx,1)\n"
    "	mov 0x40201000, %rsi\n"
    "	GUEST_CHECK_EQ64 %rsi, 0xb2, 8\n"
    /* Not present: read, then write. */
    "	PREP 1f\n"
    "	mov 0x40001000, %rax\n"
    "1:	EXPECT_PF 0, 0x40001000, 10\n"
    "	PREP 1f\n"
    "	movl $1, 0x40001008\n"
    "1:	EXPECT_PF 2, 0x40001008, 11\n"
    /* Read-only page: reads work, a write faults with P|W. */
    "	mov 0x40002000, %rsi\n"
    "	GUEST_CHECK_EQ64 %rsi, 0x5555, 12\n"
    "	PREP 1f\n"
    "	movl $1, 0x40002010\n"
    "1:	EXPECT_PF 3, 0x40002010, 13\n"
    /* No-execute page: the fetch faults with P|I/D at the target. */
    "	PREP 1f\n"
    "	mov $0x40003000, %rax\n"
    "	call *%rax\n"
    "1:	mov %r14, %rsp\n"
    "	EXPECT_PF 0x11, 0x40003000, 14\n"
    /* A reserved bit in the PTE: P|RSVD. */
    "	PREP 1f\n"
    "	mov 0x40004020, %rax\n"
    /* P is set with RSVD (SDM); QEMU's TCG leaves it clear: ignore P. */
    "1:	and $~1, %r12\n"
    "	EXPECT_PF 8, 0x40004020, 15\n"
    /* Ring 3 reads a supervisor page: P|U. */
    "	USER_RUN 0x40000000+" GUEST_XSTR(GUEST_CODE_GPA) "+pg64_user1-pg64_start, 1f\n"
    "1:	EXPECT_PF 5, 0x40002000, 16\n"
    /* Ring 3 writes a read-only user page: P|W|U. */
    "	USER_RUN 0x40000000+" GUEST_XSTR(GUEST_CODE_GPA) "+pg64_user2-pg64_start, 1f\n"
    "1:	EXPECT_PF 7, 0x40005018, 17\n"
    /* CR2 still holds the last fault's address. */
    "	mov %cr2, %rax\n"
    "	GUEST_CHECK_EQ64 %rax, 0x40005018, 18\n"
    "	GUEST_DONE\n"
    /* #PF handler: error code to R12, CR2 to R13, resume at R15 (ring 0). */
    "pg64_pf:\n"
    "	pop %r12\n"
    "	mov %cr2, %r13\n"
    "	mov %r15, (%rsp)\n"
    "	movq $" GUEST_XSTR(GUEST_SEL_CODE64) ", 8(%rsp)\n"
    "	mov %r14, 24(%rsp)\n"
    "	movq $" GUEST_XSTR(GUEST_SEL_DATA) ", 32(%rsp)\n"
    "	iretq\n"
    /* Ring-3 snippets; no fault is a failure (HLT at CPL 3: #GP, shutdown). */
    "pg64_user1:\n"
    "	mov 0x40002000, %rax\n"
    "	hlt\n"
    "pg64_user2:\n"
    "	movl $1, 0x40005018\n"
    "	hlt\n"
    "pg64_end:\n"
    GUEST_SECTION_END);

/*
 * 32-bit guest: starts with paging off, checks the identity map, then
 * turns paging on with the CR3/CR4 the host left in VAR_*, and runs the
 * same checks as the 64-bit guest (without ring 3).  The #PF handler
 * leaves the error code in EBP and CR2 in ECX and resumes at [VAR_CONT]
 * with ESP = [VAR_ESP].
 */
extern const uint8_t pg32_start[], pg32_pf[], pg32_end[];
asm(GUEST_SECTION
    ".code32\n"
    ".macro PREP32 cont\n"
    "	mov $-1, %ebp\n"
    "	movl $" GUEST_XSTR(GUEST_CODE_GPA) " + \\cont - pg32_start, " GUEST_XSTR(VAR_CONT) "\n"
    "	mov %esp, " GUEST_XSTR(VAR_ESP) "\n"
    ".endm\n"
    ".macro EXPECT_PF32 err, va, id\n"
    "	GUEST_CHECK_EQ %ebp, \\err, \\id\n"
    "	GUEST_CHECK_EQ %ecx, \\va, \\id + 100\n"
    ".endm\n"
    "pg32_start:\n"
    /* Paging off: PAGE0 at its physical address; 1 GiB is not RAM. */
    "	mov " GUEST_XSTR(PAGE0_GPA) ", %esi\n"
    "	GUEST_CHECK_EQ %esi, 0x1111, 30\n"
    "	mov 0x40000000, %esi\n"
    "	GUEST_CHECK_EQ %esi, 0x77, 31\n"
    /* Paging on. */
    "	mov " GUEST_XSTR(VAR_CR4) ", %eax\n"
    "	mov %eax, %cr4\n"
    "	mov " GUEST_XSTR(VAR_CR3_A) ", %eax\n"
    "	mov %eax, %cr3\n"
    "	mov %cr0, %eax\n"
    "	or $0x80010000, %eax\n"		/* PG, WP */
    "	mov %eax, %cr0\n"
    "	mov %cr0, %eax\n"
    "	and $0x80010001, %eax\n"
    "	GUEST_CHECK_EQ %eax, 0x80010001, 32\n"
    "	mov %cr4, %eax\n"
    "	cmp " GUEST_XSTR(VAR_CR4) ", %eax\n"
    "	je 1f\n"
    "	mov %eax, %esi\n"
    "	GUEST_FAIL 33\n"
    "1:	mov $0x40000000, %ebx\n"
    "	mov (%ebx), %esi\n"
    "	GUEST_CHECK_EQ %esi, 0x1111, 1\n"
    "	GUEST_SYNC 1\n"
    "	movl $" GUEST_XSTR(PAGE1_GPA) " + 3, " GUEST_XSTR(PT_X_GPA) "\n"
    "	invlpg (%ebx)\n"
    "	mov (%ebx), %esi\n"
    "	GUEST_CHECK_EQ %esi, 0x2222, 2\n"
    "	movl $0x3333, (%ebx)\n"
    "	GUEST_SYNC 2\n"
    "	mov " GUEST_XSTR(VAR_CR3_B) ", %eax\n"
    "	mov %eax, %cr3\n"
    "	mov (%ebx), %esi\n"
    "	GUEST_CHECK_EQ %esi, 0x4444, 3\n"
    "	mov " GUEST_XSTR(VAR_CR3_A) ", %eax\n"
    "	mov %eax, %cr3\n"
    "	mov (%ebx), %esi\n"
    "	GUEST_CHECK_EQ %esi, 0x3333, 4\n"
    /* A large page, remapped, INVLPG at its start, read at VAR_LOFF. */
    "	push %ebx\n"
    "	mov " GUEST_XSTR(VAR_LVA) ", %ebx\n"
    "	mov " GUEST_XSTR(VAR_LOFF) ", %ecx\n"
    "	mov (%ebx,%ecx,1), %esi\n"
    "	GUEST_CHECK_EQ %esi, 0xb1, 7\n"
    "	mov (%ebx), %esi\n"
    "	mov " GUEST_XSTR(VAR_PDE_ADDR) ", %eax\n"
    "	mov " GUEST_XSTR(VAR_PDE_NEW) ", %edx\n"
    "	mov %edx, (%eax)\n"
    "	invlpg (%ebx)\n"
    "	mov (%ebx,%ecx,1), %esi\n"
    "	GUEST_CHECK_EQ %esi, 0xb2, 8\n"
    "	pop %ebx\n"
    "	PREP32 1f\n"
    "	mov 0x40001000, %eax\n"
    "1:	EXPECT_PF32 0, 0x40001000, 10\n"
    "	PREP32 1f\n"
    "	movl $1, 0x40001008\n"
    "1:	EXPECT_PF32 2, 0x40001008, 11\n"
    "	mov 0x40002000, %esi\n"
    "	GUEST_CHECK_EQ %esi, 0x5555, 12\n"
    "	PREP32 1f\n"
    "	movl $1, 0x40002010\n"
    "1:	EXPECT_PF32 3, 0x40002010, 13\n"
    "	cmpl $1, " GUEST_XSTR(VAR_NX) "\n"
    "	jne 2f\n"
    "	PREP32 1f\n"
    "	mov $0x40003000, %eax\n"
    "	call *%eax\n"
    "1:	mov " GUEST_XSTR(VAR_ESP) ", %esp\n"
    "	EXPECT_PF32 0x11, 0x40003000, 14\n"
    /* PAE: a reserved bit (51) in the PTE. */
    "	PREP32 1f\n"
    "	mov 0x40004020, %eax\n"
    "1:	and $~1, %ebp\n"
    "	EXPECT_PF32 8, 0x40004020, 15\n"
    "2:	GUEST_DONE\n"
    "pg32_pf:\n"
    "	pop %ebp\n"
    "	mov %cr2, %ecx\n"
    "	mov " GUEST_XSTR(VAR_CONT) ", %eax\n"
    "	mov %eax, (%esp)\n"
    "	iret\n"
    "pg32_end:\n"
    GUEST_SECTION_END);

/*
 * 64-bit guest whose stack is, for one exception, the top of a page table
 * it has just used (the page of a former table that a kernel reuses for a
 * stack): the #GP frame is the first write to the table since it was
 * walked.  The handler must see the faulting instruction's address, which
 * did not execute.  R15 = where the handler resumes, R14 = the stack
 * there; it leaves the error code in R12 and the saved RIP in R13.
 */
extern const uint8_t ev64_start[], ev64_gp[], ev64_end[];
asm(GUEST_SECTION
    ".code64\n"
    "ev64_start:\n"
    "	mov $0x40000000, %rbx\n"
    "	mov (%rbx), %rsi\n"
    "	GUEST_CHECK_EQ64 %rsi, 0x1111, 1\n"
    "	mov %rsp, %r14\n"
    "	lea 2f(%rip), %r15\n"
    "	mov $-1, %r12\n"
    "	mov $-1, %r13\n"
    "	mov $" GUEST_XSTR(PT_X_GPA) " + 0x1000, %rsp\n"
    "	movabs $0x8000000000000000, %rax\n"
    "	mov $0x7777, %rcx\n"
    /* MOV m64, r64 to a non-canonical address: #GP(0). */
    "1:	mov %rcx, (%rax)\n"
    "	mov %r14, %rsp\n"
    "	GUEST_FAIL 2\n"
    "2:	lea 1b(%rip), %rcx\n"
    "	sub %rcx, %r13\n"
    "	GUEST_CHECK_EQ64 %r13, 0, 3\n"
    "	GUEST_CHECK_EQ64 %r12, 0, 4\n"
    /* The table still maps VA_X (its entry 0 was not written). */
    "	invlpg (%rbx)\n"
    "	mov (%rbx), %rsi\n"
    "	GUEST_CHECK_EQ64 %rsi, 0x1111, 5\n"
    "	GUEST_DONE\n"
    "ev64_gp:\n"
    "	pop %r12\n"
    "	mov (%rsp), %r13\n"
    "	mov %r14, %rsp\n"
    "	jmp *%r15\n"
    "ev64_end:\n"
    GUEST_SECTION_END);

/* Set while the *_shadow_cap case runs the others. */
static bool shadow_cap;

static struct kvm_vm *paging_vm(void)
{
	struct kvm_vm *vm = vm_create_default();
	struct kvm_enable_cap cap = {
		.cap = KVMX_CAP_SHADOW_PAGING, .args = { 1 },
	};

	if (shadow_cap)
		CHECK_IOCTL_OK(ioctl(vm->fd, KVM_ENABLE_CAP, &cap));
	return vm;
}

static void *gpa(struct kvm_vm *vm, uint64_t addr)
{
	return vm_gpa_to_hva(vm, addr);
}

static void fill_pages(struct kvm_vm *vm)
{
	*(uint64_t *)gpa(vm, PAGE0_GPA) = 0x1111;
	*(uint64_t *)gpa(vm, PAGE1_GPA) = 0x2222;
	*(uint64_t *)gpa(vm, PAGE2_GPA) = 0x5555;
	*(uint8_t *)gpa(vm, PAGE3_GPA) = 0xc3;		/* ret */
	*(uint64_t *)gpa(vm, PAGEB_GPA) = 0x4444;
}

/*
 * Back LARGE_GPA with memory; the old large page holds 0xb1 at @old_off,
 * the new one 0xb2 at @new_off.
 */
static void fill_large(struct kvm_vm *vm, uint64_t old_off, uint64_t new_off)
{
	uint8_t *mem = vm_add_memslot(vm, LARGE_SLOT, LARGE_GPA, LARGE_SIZE, 0);

	*(uint64_t *)(mem + old_off) = 0xb1;
	*(uint64_t *)(mem + new_off) = 0xb2;
}

/* Page-table entries of the test region, 8-byte (4-level, PAE) format. */
static void fill_pt64(uint64_t *pt, bool nx)
{
	uint64_t p = PTE_PRESENT, w = PTE_WRITE;
	int i;

	pt[0] = PAGE0_GPA | p | w;
	pt[1] = 0;
	pt[2] = PAGE2_GPA | p;
	pt[3] = PAGE3_GPA | p | w | (nx ? PTE_NX : 0);
	pt[4] = PAGE0_GPA | p | w | PTE_RSVD51;
	pt[5] = PAGE0_GPA | p | PTE_USER;		/* user, read-only */
	pt[6] = PAGE1_GPA | p | w | PTE_USER;		/* user stack */
	/* The guest code, user-executable, at VA_X + its GPA. */
	for (i = 8; i < 12; i++)
		pt[i] = (uint64_t)i << 12 | p | PTE_USER;
}

/* Run until UCALL_SYNC @stage; UCALL_FAIL prints the guest's check id. */
static void expect_sync(struct kvm_vcpu *vcpu, uint64_t stage)
{
	struct ucall uc;

	vcpu_expect_sync(vcpu, stage, &uc);
}

static void check_ad(uint64_t pte, bool accessed, bool dirty, const char *what)
{
	CHECK(!!(pte & PTE_ACCESSED) == accessed && !!(pte & PTE_DIRTY) == dirty,
	      "%s: PTE 0x%llx, want A=%d D=%d", what, (unsigned long long)pte,
	      accessed, dirty);
}

static void test_long_mode(void)
{
	struct kvm_vm *vm = paging_vm();
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	uint64_t *pml4 = gpa(vm, GUEST_PML4_GPA), *pdpt = gpa(vm, GUEST_PDPT_GPA);
	uint64_t *pt = gpa(vm, PT_X_GPA), *gdt = gpa(vm, GUEST_GDT_GPA);
	struct kvm_sregs sregs;

	fill_pages(vm);
	fill_large(vm, 0x1000, 0x201000);
	vm_load_code(vm, pg64_start, pg64_end);
	vm_set_idt_gate64(vm, X86_VEC_PF,
			  GUEST_CODE_ADDR(pg64_pf, pg64_start));

	/* A: PML4[0] -> PDPT[1] -> PD_X[0] -> PT_X, user at every level. */
	pml4[0] |= PTE_USER;
	pdpt[1] = PD_X_GPA | PTE_PRESENT | PTE_WRITE | PTE_USER;
	*(uint64_t *)gpa(vm, PD_X_GPA) = PT_X_GPA | PTE_PRESENT | PTE_WRITE | PTE_USER;
	((uint64_t *)gpa(vm, PD_X_GPA))[1] = LARGE_GPA | PDE_LARGE;
	fill_pt64(pt, true);
	/* B: the same code and data, but VA_X + 0 maps PAGEB. */
	memcpy(gpa(vm, PDPT_B_GPA), pdpt, 4096);
	*(uint64_t *)gpa(vm, PML4_B_GPA) = PDPT_B_GPA | PTE_PRESENT | PTE_WRITE;
	((uint64_t *)gpa(vm, PDPT_B_GPA))[1] = PD_B_GPA | PTE_PRESENT | PTE_WRITE;
	*(uint64_t *)gpa(vm, PD_B_GPA) = PT_B_GPA | PTE_PRESENT | PTE_WRITE;
	*(uint64_t *)gpa(vm, PT_B_GPA) = PAGEB_GPA | PTE_PRESENT | PTE_WRITE;

	/* Ring 3: user segments, and the kernel stack for the way back. */
	gdt[SEL_USER_DATA / 8] = 0x00cff3000000ffffULL;
	gdt[SEL_USER_CODE64 / 8] = 0x00affb000000ffffULL;
	*(uint64_t *)gpa(vm, GUEST_TSS_GPA + 4) = KERNEL_STACK0;

	vcpu_setup_mode(vcpu, GUEST_MODE_LONG64, GUEST_CODE_GPA);
	vcpu_get_sregs(vcpu, &sregs);
	sregs.gdt.limit = 10 * 8 - 1;
	sregs.efer |= EFER_NX;
	vcpu_set_sregs(vcpu, &sregs);

	expect_sync(vcpu, 1);
	check_ad(pt[0], true, false, "after a read");
	expect_sync(vcpu, 2);
	check_ad(pt[0], true, true, "after a write");
	CHECK_EQ(*(uint64_t *)gpa(vm, PAGE1_GPA), 0x3333);
	vcpu_expect_done(vcpu);
	/* A refused write sets no dirty bit. */
	check_ad(pt[2], true, false, "read-only page after a refused write");
	vcpu_free(vcpu);
	vm_free(vm);
}

/* An exception whose frame lands in a page table (see ev64_start). */
static void test_event_frame_in_table(void)
{
	struct kvm_vm *vm = paging_vm();
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	uint64_t *pdpt = gpa(vm, GUEST_PDPT_GPA), *pt = gpa(vm, PT_X_GPA);

	fill_pages(vm);
	vm_load_code(vm, ev64_start, ev64_end);
	vm_set_idt_gate64(vm, X86_VEC_GP, GUEST_CODE_ADDR(ev64_gp, ev64_start));
	pdpt[1] = PD_X_GPA | PTE_PRESENT | PTE_WRITE;
	*(uint64_t *)gpa(vm, PD_X_GPA) = PT_X_GPA | PTE_PRESENT | PTE_WRITE;
	pt[0] = PAGE0_GPA | PTE_PRESENT | PTE_WRITE;
	vcpu_setup_mode(vcpu, GUEST_MODE_LONG64, GUEST_CODE_GPA);
	vcpu_expect_done(vcpu);
	/* The frame: SS, RSP, RFLAGS, CS, RIP and the error code (0). */
	CHECK_EQ(pt[511], GUEST_SEL_DATA);
	CHECK_EQ(pt[510], PT_X_GPA + 0x1000);
	CHECK_EQ(pt[508], GUEST_SEL_CODE64);
	CHECK_EQ(pt[506], 0);
	CHECK_EQ(pt[0] & ~PTE_ACCESSED, PAGE0_GPA | PTE_PRESENT | PTE_WRITE);
	vcpu_free(vcpu);
	vm_free(vm);
}

/*
 * The 32-bit guest under @pae (else 32-bit paging with 4 KiB pages).
 * Before paging is on, its read at 1 GiB must exit as MMIO there.
 */
static void run_guest32(bool pae)
{
	struct kvm_vm *vm = paging_vm();
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	uint32_t *pt32 = gpa(vm, PT_X_GPA);
	uint64_t *pt64 = gpa(vm, PT_X_GPA);
	struct kvm_sregs sregs;
	struct kvm_run *run = vcpu->run;
	uint32_t cr3_a, cr3_b, cr4, lva, loff, pde_addr, pde_new;
	uint64_t pte;

	fill_pages(vm);
	vm_load_code(vm, pg32_start, pg32_end);
	vm_set_idt_gate32(vm, X86_VEC_PF, GUEST_CODE_ADDR(pg32_pf, pg32_start));

	if (pae) {
		uint64_t *pdpt = gpa(vm, PAE_PDPT_GPA);
		uint64_t *pd0 = gpa(vm, PAE_PD0_GPA);

		pd0[0] = 0 | PTE_PRESENT | PTE_WRITE | PTE_LARGE;
		pdpt[0] = PAE_PD0_GPA | PTE_PRESENT;
		pdpt[1] = PD_X_GPA | PTE_PRESENT;
		*(uint64_t *)gpa(vm, PD_X_GPA) = PT_X_GPA | PTE_PRESENT | PTE_WRITE;
		/* 2 MiB page at VA_X + 2 MiB. */
		((uint64_t *)gpa(vm, PD_X_GPA))[1] = LARGE_GPA | PDE_LARGE;
		fill_large(vm, 0x1000, 0x201000);
		lva = VA_X + 0x200000;
		loff = 0x1000;
		pde_addr = PD_X_GPA + 8;
		pde_new = (LARGE_GPA + 0x200000) | PDE_LARGE;
		fill_pt64(pt64, true);
		/* B: a second PDPT 32 bytes on. */
		pdpt[4] = PAE_PD0_GPA | PTE_PRESENT;
		pdpt[5] = PD_B_GPA | PTE_PRESENT;
		*(uint64_t *)gpa(vm, PD_B_GPA) = PT_B_GPA | PTE_PRESENT | PTE_WRITE;
		*(uint64_t *)gpa(vm, PT_B_GPA) = PAGEB_GPA | PTE_PRESENT | PTE_WRITE;
		cr3_a = PAE_PDPT_GPA;
		cr3_b = PAE_PDPT_GPA + 0x20;
		cr4 = X86_CR4_PAE;
	} else {
		uint32_t *pd32 = gpa(vm, GUEST_PD32_GPA);
		uint32_t *pd32b = gpa(vm, PD32_B_GPA);

		pd32[VA_X >> 22] = PT_X_GPA | PTE_PRESENT | PTE_WRITE;
		pt32[0] = PAGE0_GPA | PTE_PRESENT | PTE_WRITE;
		pt32[1] = 0;
		pt32[2] = PAGE2_GPA | PTE_PRESENT;
		memcpy(pd32b, pd32, 4096);
		pd32b[VA_X >> 22] = PT_B_GPA | PTE_PRESENT | PTE_WRITE;
		*(uint32_t *)gpa(vm, PT_B_GPA) = PAGEB_GPA | PTE_PRESENT | PTE_WRITE;
		/* 4 MiB page at VA_X + 4 MiB (in both address spaces). */
		pd32[(VA_X >> 22) + 1] = LARGE_GPA | PDE_LARGE;
		pd32b[(VA_X >> 22) + 1] = LARGE_GPA | PDE_LARGE;
		fill_large(vm, 0x200000, 0x600000);
		lva = VA_X + 0x400000;
		loff = 0x200000;
		pde_addr = GUEST_PD32_GPA + 4 * ((VA_X >> 22) + 1);
		pde_new = (LARGE_GPA + 0x400000) | PDE_LARGE;
		cr3_a = GUEST_PD32_GPA;
		cr3_b = PD32_B_GPA;
		cr4 = X86_CR4_PSE;
	}
	*(uint32_t *)gpa(vm, VAR_CR3_A) = cr3_a;
	*(uint32_t *)gpa(vm, VAR_CR3_B) = cr3_b;
	*(uint32_t *)gpa(vm, VAR_CR4) = cr4;
	*(uint32_t *)gpa(vm, VAR_NX) = pae;
	*(uint32_t *)gpa(vm, VAR_LVA) = lva;
	*(uint32_t *)gpa(vm, VAR_LOFF) = loff;
	*(uint32_t *)gpa(vm, VAR_PDE_ADDR) = pde_addr;
	*(uint32_t *)gpa(vm, VAR_PDE_NEW) = pde_new;

	vcpu_setup_mode(vcpu, GUEST_MODE_PROT32, GUEST_CODE_GPA);
	if (pae) {
		vcpu_get_sregs(vcpu, &sregs);
		sregs.efer |= EFER_NX;
		vcpu_set_sregs(vcpu, &sregs);
	}

	/* Paging off: the read at 1 GiB is MMIO at 1 GiB. */
	CHECK_EQ(vcpu_run(vcpu), KVM_EXIT_MMIO);
	CHECK_EQ(run->mmio.phys_addr, VA_X);
	CHECK_EQ(run->mmio.is_write, 0);
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	run->mmio.data[0] = 0x77;

	expect_sync(vcpu, 1);
	pte = pae ? pt64[0] : pt32[0];
	check_ad(pte, true, false, "after a read");
	expect_sync(vcpu, 2);
	pte = pae ? pt64[0] : pt32[0];
	check_ad(pte, true, true, "after a write");
	CHECK_EQ(*(uint64_t *)gpa(vm, PAGE1_GPA), 0x3333);
	vcpu_expect_done(vcpu);
	pte = pae ? pt64[2] : pt32[2];
	check_ad(pte, true, false, "read-only page after a refused write");
	vcpu_free(vcpu);
	vm_free(vm);
}

static void test_paged32(void)
{
	run_guest32(false);
}

static void test_pae(void)
{
	run_guest32(true);
}

/* Every case again, in VMs that ask kvmx for shadow paging. */
static void test_shadow_cap(void)
{
	REQUIRE(kvm_check_cap(KVMX_CAP_SHADOW_PAGING) > 0,
		"no KVMX_CAP_SHADOW_PAGING (a kvmx capability)");
	shadow_cap = true;
	test_long_mode();
	test_event_frame_in_table();
	test_paged32();
	test_pae();
	shadow_cap = false;
}

/* Only 0 or 1, and only before the first vCPU. */
static void test_shadow_cap_rules(void)
{
	struct kvm_enable_cap cap = { .cap = KVMX_CAP_SHADOW_PAGING };
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;

	REQUIRE(kvm_check_cap(KVMX_CAP_SHADOW_PAGING) > 0,
		"no KVMX_CAP_SHADOW_PAGING (a kvmx capability)");
	vm = vm_create_default();
	cap.args[0] = 2;
	CHECK_IOCTL_ERR(ioctl(vm->fd, KVM_ENABLE_CAP, &cap), EINVAL);
	cap.args[0] = 1;
	CHECK_IOCTL_OK(ioctl(vm->fd, KVM_ENABLE_CAP, &cap));
	cap.args[0] = 0;
	CHECK_IOCTL_OK(ioctl(vm->fd, KVM_ENABLE_CAP, &cap));
	vcpu = vcpu_create(vm, 0);
	cap.args[0] = 1;
	CHECK_IOCTL_ERR(ioctl(vm->fd, KVM_ENABLE_CAP, &cap), EINVAL);
	vcpu_free(vcpu);
	vm_free(vm);
}

static const struct test_case cases[] = {
	TEST_CASE(test_long_mode),
	TEST_CASE(test_event_frame_in_table),
	TEST_CASE(test_paged32),
	TEST_CASE(test_pae),
	TEST_CASE(test_shadow_cap),
	TEST_CASE(test_shadow_cap_rules),
};

int main(int argc, char **argv)
{
	return run_tests(cases, ARRAY_SIZE(cases));
}
