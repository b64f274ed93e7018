// SPDX-License-Identifier: GPL-2.0
/*
 * paging_cost: guest workloads that stress the MMU, timed in guest TSC
 * cycles per round (the minimum and the mean over BENCH_ROUNDS rounds):
 *
 *   pt_churn    page-table churn: 256 times, write a PTE, touch the page,
 *               clear the PTE and INVLPG it (a process mapping and
 *               unmapping memory)
 *   rand_read   4096 reads at pseudo-random pages of a 16 MiB area mapped
 *               with 4 KiB pages (TLB misses; no exit once mapped)
 *   cr3_switch  a CR3 write (two address spaces, no PCID), then 64 reads
 *               256 KiB apart (a context switch and its TLB refill)
 *   invlpg_read 256 times, INVLPG a mapped page of the area, then read it
 *               (TLB maintenance without a page-table change: a TLB-flush
 *               heavy guest; an exit per INVLPG under shadow paging only)
 *   cr0_wp      CR0.WP off and on again (two MOV CR0, as a kernel patching
 *               its own text does), then the 64 reads of cr3_switch
 *   cr4_pge     CR4.PGE on and off again (two MOV CR4: the global TLB
 *               flush of a kernel without INVPCID), then the 64 reads
 *
 * The host prints "bench <op> min <cycles> mean <cycles> n <rounds>" as
 * exit_cost does; bench/run.sh runs it with nested and shadow paging on
 * Debian's kvm and on kvmx in the same boot.
 */
#include <string.h>
#include <sys/mman.h>

#include "guest_asm.h"
#include "kvm_util.h"

#define BENCH_ROUNDS	20
#define AREA_SLOT	1
#define AREA_GPA	GUEST_EXTRA_GPA		/* 16 MiB of data pages */
#define AREA_PAGES	4096
#define VA_AREA		0x40000000		/* PDPT[1] -> PD_X[0..7] */
#define VA_CHURN	0x41000000		/* PD_X[8] -> PT_CHURN */
#define PD_X_GPA	0x10000
#define PT_AREA_GPA	0x11000			/* 8 page tables */
#define PT_CHURN_GPA	0x19000
#define PML4_B_GPA	0x1a000
#define VAR_CR3		0xc100			/* GUEST_DATA_GPA + 0x100 */

enum { OP_CHURN, OP_RAND, OP_CR3, OP_INVLPG, OP_WP, OP_PGE, NR_OPS };

static const char *const op_names[NR_OPS] = {
	[OP_CHURN]	= "pt_churn",
	[OP_RAND]	= "rand_read",
	[OP_CR3]	= "cr3_switch",
	[OP_INVLPG]	= "invlpg_read",
	[OP_WP]		= "cr0_wp",
	[OP_PGE]	= "cr4_pge",
};

/*
 * TIMED slot, op: BENCH_ROUNDS rounds of op between RDTSCs; min and sum
 * to GUEST_DATA_GPA + slot * 16.  op may clobber RAX, RBX, RCX, RDX, RSI,
 * RDI; RBP is op's state across rounds.
 */
extern const uint8_t pc_start[], pc_end[];
asm(GUEST_SECTION
    ".set PC_ROUNDS, " GUEST_XSTR(BENCH_ROUNDS) "\n"
    ".macro TIMED slot, op\n"
    "	mov $PC_ROUNDS, %r12d\n"
    "	mov $-1, %r13\n"
    "	xor %r14d, %r14d\n"
    "1:	lfence\n"
    "	rdtsc\n"
    "	lfence\n"
    "	shl $32, %rdx\n"
    "	or %rax, %rdx\n"
    "	mov %rdx, %r15\n"
    "	\\op\n"
    "	lfence\n"
    "	rdtsc\n"
    "	lfence\n"
    "	shl $32, %rdx\n"
    "	or %rdx, %rax\n"
    "	sub %r15, %rax\n"
    "	add %rax, %r14\n"
    "	cmp %r13, %rax\n"
    "	cmovb %rax, %r13\n"
    "	dec %r12d\n"
    "	jnz 1b\n"
    "	mov %r13, " GUEST_XSTR(GUEST_DATA_GPA) " + \\slot * 16\n"
    "	mov %r14, " GUEST_XSTR(GUEST_DATA_GPA) " + \\slot * 16 + 8\n"
    ".endm\n"
    ".macro OP_CHURN\n"
    "	mov $" GUEST_XSTR(PT_CHURN_GPA) ", %rbx\n"
    "	mov $" GUEST_XSTR(AREA_GPA) " + 3, %rcx\n"
    "	mov $" GUEST_XSTR(VA_CHURN) ", %rsi\n"
    "	mov $256, %edi\n"
    "2:	mov %rcx, (%rbx)\n"
    "	movb $1, (%rsi)\n"
    "	movq $0, (%rbx)\n"
    "	invlpg (%rsi)\n"
    "	add $8, %rbx\n"
    "	add $4096, %rcx\n"
    "	add $4096, %rsi\n"
    "	dec %edi\n"
    "	jnz 2b\n"
    ".endm\n"
    ".macro OP_RAND\n"
    "	mov $" GUEST_XSTR(AREA_PAGES) ", %edi\n"
    "2:	imul $1103515245, %ebp, %ebp\n"
    "	add $12345, %ebp\n"
    "	mov %ebp, %eax\n"
    "	shr $8, %eax\n"
    "	and $" GUEST_XSTR(AREA_PAGES) " - 1, %eax\n"
    "	shl $12, %rax\n"
    "	mov " GUEST_XSTR(VA_AREA) "(%rax), %rdx\n"
    "	dec %edi\n"
    "	jnz 2b\n"
    ".endm\n"
    ".macro READ64\n"
    "	mov $" GUEST_XSTR(VA_AREA) ", %rsi\n"
    "	mov $64, %edi\n"
    "2:	mov (%rsi), %rdx\n"
    "	add $0x40000, %rsi\n"
    "	dec %edi\n"
    "	jnz 2b\n"
    ".endm\n"
    ".macro OP_CR3\n"
    "	mov " GUEST_XSTR(VAR_CR3) ", %rax\n"
    "	xor $" GUEST_XSTR(GUEST_PML4_GPA) " ^ " GUEST_XSTR(PML4_B_GPA) ", %rax\n"
    "	mov %rax, " GUEST_XSTR(VAR_CR3) "\n"
    "	mov %rax, %cr3\n"
    "	READ64\n"
    ".endm\n"
    ".macro OP_INVLPG\n"
    "	mov $" GUEST_XSTR(VA_AREA) ", %rsi\n"
    "	mov $256, %edi\n"
    "2:	invlpg (%rsi)\n"
    "	mov (%rsi), %rdx\n"
    "	add $4096, %rsi\n"
    "	dec %edi\n"
    "	jnz 2b\n"
    ".endm\n"
    ".macro OP_WP\n"
    "	mov %cr0, %rax\n"
    "	btr $16, %rax\n"
    "	mov %rax, %cr0\n"
    "	bts $16, %rax\n"
    "	mov %rax, %cr0\n"
    "	READ64\n"
    ".endm\n"
    ".macro OP_PGE\n"
    "	mov %cr4, %rax\n"
    "	bts $7, %rax\n"
    "	mov %rax, %cr4\n"
    "	btr $7, %rax\n"
    "	mov %rax, %cr4\n"
    "	READ64\n"
    ".endm\n"
    ".code64\n"
    "pc_start:\n"
    "	TIMED 0, OP_CHURN\n"
    "	mov $1, %ebp\n"
    "	TIMED 1, OP_RAND\n"
    "	movq $" GUEST_XSTR(GUEST_PML4_GPA) ", " GUEST_XSTR(VAR_CR3) "\n"
    "	TIMED 2, OP_CR3\n"
    "	TIMED 3, OP_INVLPG\n"
    "	TIMED 4, OP_WP\n"
    "	TIMED 5, OP_PGE\n"
    "	GUEST_DONE\n"
    "pc_end:\n"
    GUEST_SECTION_END);

static void build_tables(struct kvm_vm *vm)
{
	uint64_t *pdpt = vm_gpa_to_hva(vm, GUEST_PDPT_GPA);
	uint64_t *pd = vm_gpa_to_hva(vm, PD_X_GPA);
	uint64_t *pt = vm_gpa_to_hva(vm, PT_AREA_GPA);
	uint64_t rw = PTE_PRESENT | PTE_WRITE;
	int i;

	pdpt[1] = PD_X_GPA | rw;
	for (i = 0; i < AREA_PAGES / 512; i++)
		pd[i] = (PT_AREA_GPA + i * 0x1000) | rw;
	pd[8] = PT_CHURN_GPA | rw;
	for (i = 0; i < AREA_PAGES; i++)
		pt[i] = (AREA_GPA + (uint64_t)i * 0x1000) | rw;
	/* Address space B: the same tables under another PML4. */
	memcpy(vm_gpa_to_hva(vm, PML4_B_GPA),
	       vm_gpa_to_hva(vm, GUEST_PML4_GPA), 4096);
}

static void test_paging_cost(void)
{
	struct kvm_vm *vm = vm_create_default();
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	size_t size = AREA_PAGES * GUEST_PAGE_SIZE;
	const uint64_t *res;
	void *area;
	int op;

	vm_load_code(vm, pc_start, pc_end);
	build_tables(vm);
	/* 4 KiB host pages, present before the guest runs. */
	area = vm_alloc_backing(size);
	madvise(area, size, MADV_NOHUGEPAGE);
	memset(area, 1, size);
	CHECK_IOCTL_OK(__vm_set_memslot(vm, AREA_SLOT, AREA_GPA, size, 0, area));

	vcpu_setup_mode(vcpu, GUEST_MODE_LONG64, GUEST_CODE_GPA);
	vcpu_expect_done(vcpu);

	res = vm_gpa_to_hva(vm, GUEST_DATA_GPA);
	for (op = 0; op < NR_OPS; op++)
		printf("bench %s min %llu mean %llu n %d\n", op_names[op],
		       (unsigned long long)res[2 * op],
		       (unsigned long long)(res[2 * op + 1] / BENCH_ROUNDS),
		       BENCH_ROUNDS);
	fflush(stdout);
	vcpu_free(vcpu);
	vm_free(vm);
	munmap(area, size);
}

static const struct test_case cases[] = {
	TEST_CASE(test_paging_cost),
};

int main(int argc, char **argv)
{
	return run_tests(cases, ARRAY_SIZE(cases));
}
