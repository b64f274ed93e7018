// SPDX-License-Identifier: GPL-2.0
/*
 * exit_cost: what one exit of each kind costs the guest, in TSC cycles.
 *
 * A long-mode guest times each operation with RDTSC on both sides
 * (LFENCE before each read) BENCH_ITERS times and keeps the minimum and the
 * sum; the host prints one line per operation:
 *
 *   bench <op> min <cycles> mean <cycles> n <iterations>
 *
 * Operations: CPUID (handled in the kernel), VMMCALL or VMCALL with an
 * unknown number (kernel), OUT to a port no device claims (a round trip
 * through this process), a write to unbacked memory (MMIO, round trip),
 * HLT with no in-kernel irqchip (round trip), and the first write to each
 * 4 KiB page of a fresh memslot whose host pages are already present (the
 * TDP fault alone).  An empty timed region ("rdtsc") gives the overhead of
 * the measurement itself, which the other lines include.
 *
 * Run under QEMU with -icount shift=0,sleep=off the counts are
 * deterministic: bench/run.sh runs this once against Debian's kvm and once
 * against kvmx in the same boot and prints the ratios.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "guest_asm.h"
#include "kvm_util.h"

#define BENCH_ITERS		200
#define BENCH_TDP_PAGES		256
#define BENCH_PORT		0x3f0	/* no device behind it without irqchip */
#define BENCH_TDP_SLOT		1
/* Results: two u64 (min, sum) per operation at GUEST_DATA_GPA. */

enum bench_op {
	OP_RDTSC, OP_CPUID, OP_HYPERCALL, OP_PIO, OP_MMIO, OP_HLT, OP_TDP,
	NR_OPS,
};

static const char *const op_names[NR_OPS] = {
	[OP_RDTSC]	= "rdtsc",
	[OP_CPUID]	= "cpuid",
	[OP_HYPERCALL]	= "hypercall",
	[OP_PIO]	= "pio_user",
	[OP_MMIO]	= "mmio_user",
	[OP_HLT]	= "hlt_user",
	[OP_TDP]	= "tdp_fault",
};

/*
 * TIMED slot, count, op: run the macro op count times, each between two RDTSCs; op
 * may clobber RAX, RBX, RCX, RDX, RSI, RDI.  R12 counts, R13 keeps the
 * minimum, R14 the sum, R15 the start time; RBP is op's to keep across
 * iterations (the TDP loop's page pointer).
 */
#define BENCH_MACROS							\
	".set BENCH_PORT, " GUEST_XSTR(BENCH_PORT) "\n"			\
	".macro TIMED slot, count, op\n"				\
	"	mov $\\count, %r12d\n"					\
	"	mov $-1, %r13\n"					\
	"	xor %r14d, %r14d\n"					\
	"1:	lfence\n"						\
	"	rdtsc\n"						\
	"	lfence\n"						\
	"	shl $32, %rdx\n"					\
	"	or %rax, %rdx\n"					\
	"	mov %rdx, %r15\n"					\
	"	\\op\n"							\
	"	lfence\n"						\
	"	rdtsc\n"						\
	"	lfence\n"						\
	"	shl $32, %rdx\n"					\
	"	or %rdx, %rax\n"					\
	"	sub %r15, %rax\n"					\
	"	add %rax, %r14\n"					\
	"	cmp %r13, %rax\n"					\
	"	cmovb %rax, %r13\n"					\
	"	dec %r12d\n"						\
	"	jnz 1b\n"						\
	"	mov %r13, GUEST_DATA_GPA + \\slot * 16\n"		\
	"	mov %r14, GUEST_DATA_GPA + \\slot * 16 + 8\n"		\
	".endm\n"

/*
 * The timed operations, one macro each (a macro argument cannot hold
 * several instructions: the assembler splits lines at ';' first).
 */
#define BENCH_OPS							\
	".macro OP_NOP\n"						\
	".endm\n"							\
	".macro OP_CPUID\n"						\
	"	xor %eax, %eax\n"					\
	"	xor %ecx, %ecx\n"					\
	"	cpuid\n"						\
	".endm\n"							\
	".macro OP_VMMCALL\n"						\
	"	mov $0xdead, %eax\n"					\
	"	vmmcall\n"						\
	".endm\n"							\
	".macro OP_VMCALL\n"						\
	"	mov $0xdead, %eax\n"					\
	"	vmcall\n"						\
	".endm\n"							\
	".macro OP_PIO\n"						\
	"	mov $BENCH_PORT, %edx\n"				\
	"	out %al, %dx\n"					\
	".endm\n"							\
	".macro OP_MMIO\n"						\
	"	movl $0, GUEST_MMIO_GPA\n"				\
	".endm\n"							\
	".macro OP_HLT\n"						\
	"	hlt\n"							\
	".endm\n"							\
	".macro OP_TOUCH\n"						\
	"	movb $1, (%rbp)\n"					\
	"	add $4096, %rbp\n"					\
	".endm\n"

/* The guest, with the vendor's hypercall operation. */
#define BENCH_GUEST(name, hypercall_op)					\
	".code64\n"							\
	#name "_start:\n"						\
	"	TIMED 0, BENCH_ITERS, OP_NOP\n"			\
	"	TIMED 1, BENCH_ITERS, OP_CPUID\n"			\
	"	TIMED 2, BENCH_ITERS, " hypercall_op "\n"		\
	"	TIMED 3, BENCH_ITERS, OP_PIO\n"			\
	"	TIMED 4, BENCH_ITERS, OP_MMIO\n"			\
	"	TIMED 5, BENCH_ITERS, OP_HLT\n"			\
	"	mov $GUEST_EXTRA_GPA, %rbp\n"				\
	"	TIMED 6, BENCH_TDP_PAGES, OP_TOUCH\n"			\
	"	GUEST_DONE\n"						\
	#name "_end:\n"

asm(".set BENCH_ITERS, " GUEST_XSTR(BENCH_ITERS) "\n"
    ".set BENCH_TDP_PAGES, " GUEST_XSTR(BENCH_TDP_PAGES) "\n"
    BENCH_MACROS
    BENCH_OPS);

extern const uint8_t bench_amd_start[], bench_amd_end[];
extern const uint8_t bench_intel_start[], bench_intel_end[];
asm(GUEST_SECTION
    BENCH_GUEST(bench_amd, "OP_VMMCALL")
    BENCH_GUEST(bench_intel, "OP_VMCALL")
    GUEST_SECTION_END);

/* Run to the guest's DONE, completing the exits it times. */
static void run_guest(struct kvm_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	unsigned int user_exits = 0;
	struct kvm_regs regs;

	for (;;) {
		vcpu_run(vcpu);
		if (vcpu_is_ucall_exit(vcpu))
			break;
		if ((run->exit_reason == KVM_EXIT_IO &&
		     run->io.port == BENCH_PORT) ||
		    (run->exit_reason == KVM_EXIT_MMIO &&
		     run->mmio.phys_addr == GUEST_MMIO_GPA) ||
		    run->exit_reason == KVM_EXIT_HLT) {
			user_exits++;
			continue;
		}
		CHECK(0, "unexpected exit %s", exit_reason_str(run->exit_reason));
	}
	/* The only ucall is GUEST_DONE; RAX holds the call type. */
	vcpu_get_regs(vcpu, &regs);
	CHECK_EQ((uint32_t)regs.rax, UCALL_DONE);
	CHECK_EQ(user_exits, 3 * BENCH_ITERS);
}

static void test_exit_cost(void)
{
	struct kvm_vm *vm = vm_create_default();
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	size_t tdp_size = BENCH_TDP_PAGES * GUEST_PAGE_SIZE;
	const uint64_t *res;
	void *tdp_mem;
	int op;

	if (kvm_cpu_is_amd())
		vm_load_code(vm, bench_amd_start, bench_amd_end);
	else if (kvm_cpu_is_intel())
		vm_load_code(vm, bench_intel_start, bench_intel_end);
	else
		test_skip("neither Intel nor AMD");

	/*
	 * 4 KiB host pages, all present before the guest touches them: the
	 * first guest write then costs one TDP fault and nothing else.
	 */
	tdp_mem = vm_alloc_backing(tdp_size);
	madvise(tdp_mem, tdp_size, MADV_NOHUGEPAGE);
	memset(tdp_mem, 0, tdp_size);
	CHECK_IOCTL_OK(__vm_set_memslot(vm, BENCH_TDP_SLOT, GUEST_EXTRA_GPA,
					tdp_size, 0, tdp_mem));

	vcpu_setup_mode(vcpu, GUEST_MODE_LONG64, GUEST_CODE_GPA);
	run_guest(vcpu);

	res = vm_gpa_to_hva(vm, GUEST_DATA_GPA);
	for (op = 0; op < NR_OPS; op++) {
		uint64_t n = op == OP_TDP ? BENCH_TDP_PAGES : BENCH_ITERS;

		printf("bench %s min %llu mean %llu n %llu\n", op_names[op],
		       (unsigned long long)res[2 * op],
		       (unsigned long long)(res[2 * op + 1] / n),
		       (unsigned long long)n);
	}
	fflush(stdout);
	vcpu_free(vcpu);
	vm_free(vm);
	munmap(tdp_mem, tdp_size);
}

static const struct test_case cases[] = {
	TEST_CASE(test_exit_cost),
};

int main(int argc, char **argv)
{
	return run_tests(cases, ARRAY_SIZE(cases));
}
