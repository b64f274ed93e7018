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

/*
 * Real-mode events through the IVT: INT n, INT3 (returns past itself), a
 * divide error and #UD (return to the faulting instruction: the handlers
 * step over it), LIDT with a 16-bit BP-based operand, then an NMI from
 * the host.  Each handler adds its own digit to SI; IRET ends them.
 * Under shadow paging on VMX this is virtual-8086 mode, where INT n is
 * redirected by the CPU and everything else passes through kvmx.
 */
extern const uint8_t rev_start[], rev_end[], rev_int30[], rev_bp[], rev_de[],
	rev_ud[], rev_nmi[];
asm(GUEST_SECTION
    ".code16\n"
    "rev_start:\n"
    "	xor %esi, %esi\n"
    "	push $0\n"				/* IDTR: limit 0x3ff, base 0 */
    "	push $0\n"
    "	push $0x3ff\n"
    "	mov %sp, %bp\n"
    "	lidt 0(%bp)\n"
    "	add $6, %sp\n"
    "	int $0x30\n"
    "	int3\n"
    "	mov $1, %ax\n"
    "	xor %bl, %bl\n"
    "	div %bl\n"				/* F6 F3 */
    "	ud2\n"
    "	GUEST_SYNC 1\n"
    "	GUEST_SYNC 2\n"
    "	GUEST_DONE\n"
    "rev_int30:\n"
    "	add $0x1, %si\n"
    "	iret\n"
    "rev_bp:\n"
    "	add $0x10, %si\n"
    "	iret\n"
    "rev_de:\n"
    "	add $0x100, %si\n"
    "	jmp 1f\n"
    "rev_ud:\n"
    "	add $0x1000, %si\n"
    "1:	push %bp\n"
    "	mov %sp, %bp\n"
    "	addw $2, 2(%bp)\n"			/* past DIV r/m8 or UD2 */
    "	pop %bp\n"
    "	iret\n"
    "rev_nmi:\n"
    "	add $0x10000, %esi\n"
    "	iret\n"
    "rev_end:\n"
    ".code64\n"
    GUEST_SECTION_END);

static void ivt_set(struct kvm_vm *vm, int vector, uint16_t ip)
{
	uint16_t entry[2] = { ip, 0 };

	memcpy(vm_gpa_to_hva(vm, vector * 4), entry, sizeof(entry));
}

static void test_real_mode_events(void)
{
	struct kvm_vm *vm = vm_create_default();
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	struct kvm_regs regs;
	struct ucall uc;

	vm_load_code(vm, rev_start, rev_end);
	ivt_set(vm, 0x30, GUEST_CODE_ADDR(rev_int30, rev_start));
	ivt_set(vm, 3, GUEST_CODE_ADDR(rev_bp, rev_start));
	ivt_set(vm, 0, GUEST_CODE_ADDR(rev_de, rev_start));
	ivt_set(vm, 6, GUEST_CODE_ADDR(rev_ud, rev_start));
	ivt_set(vm, 2, GUEST_CODE_ADDR(rev_nmi, rev_start));
	vcpu_setup_mode(vcpu, GUEST_MODE_REAL, GUEST_CODE_GPA);

	vcpu_expect_sync(vcpu, 1, &uc);
	CHECK_EQ(uc.args[1], 0x1111);
	CHECK_IOCTL_OK(ioctl(vcpu->fd, KVM_NMI));
	vcpu_expect_sync(vcpu, 2, &uc);
	CHECK_EQ(uc.args[1], 0x11111);
	/* Every handler returned: SP is back at the top of the stack. */
	vcpu_get_regs(vcpu, &regs);
	CHECK_EQ(regs.rsp & 0xffff, GUEST_STACK_TOP & 0xffff);
	CHECK_EQ(regs.rflags & (1u << 17), 0);	/* EFLAGS.VM */
	vcpu_expect_done(vcpu);
	vcpu_free(vcpu);
	vm_free(vm);
}

/*
 * From RESET: the first instruction is fetched at 0xfffffff0 (CS base
 * 0xffff0000, not selector * 16) and is the usual far JMP into low memory,
 * which reloads CS.  VMX without unrestricted guest runs real mode in
 * virtual-8086 mode, which cannot hold that base: kvmx runs the JMP itself.
 */
#define RESET_SLOT	3
#define RESET_PAGE_GPA	0xfffff000ULL

extern const uint8_t rv_start[], rv_end[];
asm(GUEST_SECTION
    ".code16\n"
    "rv_start:\n"
    "	mov %cs, %si\n"
    "	GUEST_SYNC 1\n"
    "	GUEST_DONE\n"
    "rv_end:\n"
    ".code64\n"
    GUEST_SECTION_END);

static void test_reset_vector(void)
{
	struct kvm_vm *vm = vm_create_default();
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	/* jmp 0x0800:0x0000, i.e. GUEST_CODE_GPA 0x8000 */
	static const uint8_t jmp[] = { 0xea, 0x00, 0x00, 0x00, 0x08 };
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct ucall uc;
	uint8_t *top;

	vm_load_code(vm, rv_start, rv_end);
	top = vm_add_memslot(vm, RESET_SLOT, RESET_PAGE_GPA, 4096, 0);
	memset(top, 0xf4, 4096);			/* HLT everywhere else */
	memcpy(top + 0xff0, jmp, sizeof(jmp));
	/* Only a stack: CS:IP stay at RESET's 0xf000:0xfff0. */
	vcpu_get_regs(vcpu, &regs);
	regs.rsp = GUEST_STACK_TOP;
	vcpu_set_regs(vcpu, &regs);

	vcpu_expect_sync(vcpu, 1, &uc);
	CHECK_EQ(uc.args[1] & 0xffff, 0x0800);
	vcpu_get_sregs(vcpu, &sregs);
	CHECK_EQ(sregs.cs.selector, 0x0800);
	CHECK_EQ(sregs.cs.base, 0x8000);
	vcpu_expect_done(vcpu);
	vcpu_free(vcpu);
	vm_free(vm);
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
	TEST_CASE(test_reset_vector),
	TEST_CASE(test_direct_real),
	TEST_CASE(test_real_mode_events),
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
