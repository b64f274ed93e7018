// SPDX-License-Identifier: GPL-2.0
/*
 * mode_test: the guest runs code in every CPU mode.
 *
 * The ladder: one guest starts in real mode and climbs itself through
 * protected mode, 32-bit paging (CR4.PSE) and long mode, reporting CR0/EFER
 * at each step; the host checks the guest's view and KVM_GET_SREGS agree.
 * A second climb skips 32-bit paging (real -> protected -> long).
 * Then each mode is entered directly through KVM_SET_SREGS.
 */
#include <sys/ioctl.h>

#include "guest_asm.h"
#include "kvm_util.h"

#define MSR_EFER	0xc0000080
#define STAGE_REAL	1
#define STAGE_PROT	2
#define STAGE_PAGED	3
#define STAGE_LONG	4
#define STAGE_WIDE	5
#define WIDE_VALUE	0x123456789abcdef0ULL

extern const uint8_t ladder_start[], ladder_end[];
asm(GUEST_SECTION
    ".code16\n"
    "ladder_start:\n"
    "	mov %cr0, %esi\n"
    "	GUEST_SYNC 1\n"
    "	lgdtl GUEST_GDTR_GPA\n"
    "	mov %cr0, %eax\n"
    "	or $1, %eax\n"				/* CR0.PE */
    "	mov %eax, %cr0\n"
    "	ljmpl $GUEST_SEL_CODE32, $(GUEST_CODE_GPA + ladder_pm32 - ladder_start)\n"
    ".code32\n"
    "ladder_pm32:\n"
    "	mov $GUEST_SEL_DATA, %ax\n"
    "	mov %ax, %ds\n"
    "	mov %ax, %es\n"
    "	mov %ax, %ss\n"
    "	mov $GUEST_STACK_TOP, %esp\n"
    "	mov %cr0, %esi\n"
    "	GUEST_SYNC 2\n"
    "	test %ebx, %ebx\n"			/* EBX = 0: skip 32-bit paging */
    "	jz ladder_to_long\n"
    "	mov $GUEST_PD32_GPA, %eax\n"
    "	mov %eax, %cr3\n"
    "	mov %cr4, %eax\n"
    "	or $0x10, %eax\n"			/* CR4.PSE */
    "	mov %eax, %cr4\n"
    "	mov %cr0, %eax\n"
    "	or $0x80000000, %eax\n"			/* CR0.PG */
    "	mov %eax, %cr0\n"
    "	movl $0x5a5a5a5a, GUEST_DATA_GPA\n"	/* a write through the tables */
    "	mov GUEST_DATA_GPA, %ebx\n"
    "	GUEST_CHECK_EQ %ebx, 0x5a5a5a5a, 30\n"
    "	mov %cr0, %esi\n"
    "	GUEST_SYNC 3\n"
    "	mov %cr0, %eax\n"
    "	and $0x7fffffff, %eax\n"		/* paging off to switch */
    "	mov %eax, %cr0\n"
    "ladder_to_long:\n"
    "	mov %cr4, %eax\n"
    "	or $0x20, %eax\n"			/* CR4.PAE */
    "	mov %eax, %cr4\n"
    "	mov $GUEST_PML4_GPA, %eax\n"
    "	mov %eax, %cr3\n"
    "	mov $0xc0000080, %ecx\n"		/* EFER */
    "	rdmsr\n"
    "	or $0x100, %eax\n"			/* EFER.LME */
    "	wrmsr\n"
    "	mov %cr0, %eax\n"
    "	or $0x80000000, %eax\n"
    "	mov %eax, %cr0\n"
    "	ljmp $GUEST_SEL_CODE64, $(GUEST_CODE_GPA + ladder_lm64 - ladder_start)\n"
    ".code64\n"
    "ladder_lm64:\n"
    "	mov $0xc0000080, %ecx\n"
    "	rdmsr\n"
    "	mov %eax, %esi\n"
    "	GUEST_SYNC 4\n"
    "	movabs $0x123456789abcdef0, %rsi\n"
    "	GUEST_SYNC 5\n"
    "	GUEST_DONE\n"
    "ladder_end:\n"
    GUEST_SECTION_END);

static void check_sregs(struct kvm_vcpu *vcpu, uint64_t cr0_set, uint64_t cr0_clear,
			uint64_t efer_set, uint64_t efer_clear)
{
	struct kvm_sregs sregs;

	vcpu_get_sregs(vcpu, &sregs);
	CHECK((sregs.cr0 & cr0_set) == cr0_set && !(sregs.cr0 & cr0_clear),
	      "KVM_GET_SREGS cr0 0x%llx: want set 0x%llx clear 0x%llx",
	      (unsigned long long)sregs.cr0, (unsigned long long)cr0_set,
	      (unsigned long long)cr0_clear);
	CHECK((sregs.efer & efer_set) == efer_set && !(sregs.efer & efer_clear),
	      "KVM_GET_SREGS efer 0x%llx: want set 0x%llx clear 0x%llx",
	      (unsigned long long)sregs.efer, (unsigned long long)efer_set,
	      (unsigned long long)efer_clear);
}

static void run_ladder(bool paged32)
{
	struct kvm_vm *vm = vm_create_default();
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct ucall uc;

	vm_load_code(vm, ladder_start, ladder_end);
	vcpu_setup_mode(vcpu, GUEST_MODE_REAL, GUEST_CODE_GPA);
	vcpu_get_regs(vcpu, &regs);
	regs.rbx = paged32;
	vcpu_set_regs(vcpu, &regs);

	vcpu_expect_sync(vcpu, STAGE_REAL, &uc);
	CHECK(!(uc.args[1] & X86_CR0_PE), "real mode: guest CR0 0x%llx",
	      (unsigned long long)uc.args[1]);
	check_sregs(vcpu, 0, X86_CR0_PE | X86_CR0_PG, 0, EFER_LMA);

	vcpu_expect_sync(vcpu, STAGE_PROT, &uc);
	CHECK((uc.args[1] & (X86_CR0_PE | X86_CR0_PG)) == X86_CR0_PE,
	      "protected mode: guest CR0 0x%llx", (unsigned long long)uc.args[1]);
	check_sregs(vcpu, X86_CR0_PE, X86_CR0_PG, 0, EFER_LMA);
	vcpu_get_sregs(vcpu, &sregs);
	CHECK_EQ(sregs.cs.selector, GUEST_SEL_CODE32);
	CHECK_EQ(sregs.cs.db, 1);

	if (paged32) {
		vcpu_expect_sync(vcpu, STAGE_PAGED, &uc);
		CHECK((uc.args[1] & (X86_CR0_PE | X86_CR0_PG)) == (X86_CR0_PE | X86_CR0_PG),
		      "paged mode: guest CR0 0x%llx", (unsigned long long)uc.args[1]);
		check_sregs(vcpu, X86_CR0_PE | X86_CR0_PG, 0, 0, EFER_LMA);
		vcpu_get_sregs(vcpu, &sregs);
		CHECK_EQ(sregs.cr3, GUEST_PD32_GPA);
		CHECK(sregs.cr4 & X86_CR4_PSE, "cr4 0x%llx", (unsigned long long)sregs.cr4);
	}

	vcpu_expect_sync(vcpu, STAGE_LONG, &uc);
	CHECK((uc.args[1] & (EFER_LME | EFER_LMA)) == (EFER_LME | EFER_LMA),
	      "long mode: guest EFER 0x%llx", (unsigned long long)uc.args[1]);
	check_sregs(vcpu, X86_CR0_PE | X86_CR0_PG, 0, EFER_LME | EFER_LMA, 0);
	vcpu_get_sregs(vcpu, &sregs);
	CHECK_EQ(sregs.cs.l, 1);
	CHECK_EQ(sregs.cs.selector, GUEST_SEL_CODE64);
	CHECK_EQ(sregs.cr3, GUEST_PML4_GPA);

	vcpu_expect_sync(vcpu, STAGE_WIDE, &uc);
	CHECK_EQ(uc.args[1], WIDE_VALUE);
	vcpu_expect_done(vcpu);
	vcpu_free(vcpu);
	vm_free(vm);
}

/* real -> protected -> long: the minimal climb. */
static void test_ladder_real_prot_long(void)
{
	run_ladder(false);
}

/* real -> protected -> 32-bit paging -> long. */
static void test_ladder_real_prot_paged_long(void)
{
	run_ladder(true);
}

/*
 * A guest for the direct entries: adds RBX + RCX into RSI (so the host sees
 * the guest computed something), reports CR0 in stage 1 and the sum in
 * stage 2.  Its bytes decode the same in 16-, 32- and 64-bit code only for
 * this narrow instruction set, so one copy per mode is assembled.
 */
extern const uint8_t real_start[], real_end[];
extern const uint8_t prot_start[], prot_end[];
extern const uint8_t long_start[], long_end[];
asm(GUEST_SECTION
    ".code16\n"
    "real_start:\n"
    "	mov %cr0, %esi\n"
    "	GUEST_SYNC 1\n"
    "	mov %ebx, %esi\n"
    "	add %ecx, %esi\n"
    "	GUEST_SYNC 2\n"
    "	GUEST_DONE\n"
    "real_end:\n"
    ".code32\n"
    "prot_start:\n"
    "	mov %cr0, %esi\n"
    "	GUEST_SYNC 1\n"
    "	mov %ebx, %esi\n"
    "	add %ecx, %esi\n"
    "	push %esi\n"				/* the stack works */
    "	pop %esi\n"
    "	GUEST_SYNC 2\n"
    "	GUEST_DONE\n"
    "prot_end:\n"
    ".code64\n"
    "long_start:\n"
    "	mov %cr0, %rsi\n"
    "	GUEST_SYNC 1\n"
    "	mov %rbx, %rsi\n"
    "	add %rcx, %rsi\n"
    "	push %rsi\n"
    "	pop %rsi\n"
    "	GUEST_SYNC 2\n"
    "	GUEST_DONE\n"
    "long_end:\n"
    GUEST_SECTION_END);

static void run_direct(enum guest_mode mode, const uint8_t *start, const uint8_t *end,
		       uint64_t cr0_set, uint64_t cr0_clear, uint64_t b, uint64_t c)
{
	struct kvm_vm *vm = vm_create_default();
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	struct kvm_regs regs;
	struct ucall uc;

	vm_load_code(vm, start, end);
	vcpu_setup_mode(vcpu, mode, GUEST_CODE_GPA);
	vcpu_get_regs(vcpu, &regs);
	regs.rbx = b;
	regs.rcx = c;
	vcpu_set_regs(vcpu, &regs);

	vcpu_expect_sync(vcpu, 1, &uc);
	CHECK((uc.args[1] & cr0_set) == cr0_set && !(uc.args[1] & cr0_clear),
	      "guest CR0 0x%llx: want set 0x%llx clear 0x%llx",
	      (unsigned long long)uc.args[1], (unsigned long long)cr0_set,
	      (unsigned long long)cr0_clear);
	vcpu_expect_sync(vcpu, 2, &uc);
	CHECK_EQ(uc.args[1], b + c);
	vcpu_expect_done(vcpu);
	vcpu_free(vcpu);
	vm_free(vm);
}

static void test_direct_real(void)
{
	run_direct(GUEST_MODE_REAL, real_start, real_end, 0, X86_CR0_PE,
		   0x1000, 0x234);
}

static void test_direct_prot32(void)
{
	run_direct(GUEST_MODE_PROT32, prot_start, prot_end, X86_CR0_PE,
		   X86_CR0_PG, 0x10000000, 0x2345678);
}

static void test_direct_paged32(void)
{
	run_direct(GUEST_MODE_PAGED32, prot_start, prot_end,
		   X86_CR0_PE | X86_CR0_PG, 0, 0x10000000, 0x2345678);
}

static void test_direct_long64(void)
{
	run_direct(GUEST_MODE_LONG64, long_start, long_end,
		   X86_CR0_PE | X86_CR0_PG, 0, 0x100000000000ULL, 0x23456789aULL);
}

/* A fresh vCPU is at RESET: real mode, CS.selector 0xf000, RIP 0xfff0. */
static void test_reset_state(void)
{
	struct kvm_vm *vm = vm_create_default();
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	vcpu_get_sregs(vcpu, &sregs);
	vcpu_get_regs(vcpu, &regs);
	CHECK_EQ(sregs.cs.selector, X86_RESET_CS_SELECTOR);
	CHECK_EQ(sregs.cs.base, 0xffff0000);
	CHECK_EQ(regs.rip, 0xfff0);
	CHECK_EQ(regs.rflags, 2);
	CHECK_EQ(sregs.cr0 & (X86_CR0_PE | X86_CR0_PG), 0);
	CHECK_EQ(sregs.cr0 & X86_CR0_ET, X86_CR0_ET);
	CHECK_EQ(sregs.cr3, 0);
	CHECK_EQ(sregs.cr4, 0);
	CHECK_EQ(sregs.efer, 0);
	CHECK_EQ(sregs.ds.limit, 0xffff);
	vcpu_free(vcpu);
	vm_free(vm);
}

static const struct test_case cases[] = {
	TEST_CASE(test_reset_state),
	TEST_CASE(test_direct_real),
	TEST_CASE(test_direct_prot32),
	TEST_CASE(test_direct_paged32),
	TEST_CASE(test_direct_long64),
	TEST_CASE(test_ladder_real_prot_long),
	TEST_CASE(test_ladder_real_prot_paged_long),
};

int main(int argc, char **argv)
{
	return run_tests(cases, ARRAY_SIZE(cases));
}
