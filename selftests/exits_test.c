// SPDX-License-Identifier: GPL-2.0
/*
 * exits_test: HLT, triple fault and hypercall exits.
 *
 * Without an in-kernel irqchip HLT exits to user space as KVM_EXIT_HLT with
 * RIP past the HLT, and the next KVM_RUN continues there (real and long
 * mode).  A triple fault (an exception with an unusable IDT) exits as
 * KVM_EXIT_SHUTDOWN.  VMCALL (Intel) / VMMCALL (AMD) with an unknown number
 * returns -KVM_ENOSYS (-1000) in RAX, truncated to 32 bits outside 64-bit
 * mode, and KVM_HC_VAPIC_POLL_IRQ returns 0; the guest continues after the
 * instruction.
 */
#include <linux/kvm_para.h>

#include "guest_asm.h"
#include "kvm_util.h"

extern const uint8_t hlt_rm_start[], hlt_rm_end[], hlt_rm_after[];
asm(GUEST_SECTION
    ".code16\n"
    "hlt_rm_start:\n"
    "	hlt\n"
    "hlt_rm_after:\n"
    "	mov $0x77, %esi\n"
    "	GUEST_SYNC 1\n"
    "	GUEST_DONE\n"
    "hlt_rm_end:\n"
    GUEST_SECTION_END);

extern const uint8_t hlt64_start[], hlt64_end[], hlt64_after[];
asm(GUEST_SECTION
    ".code64\n"
    "hlt64_start:\n"
    "	mov $3, %ebx\n"
    "1:	hlt\n"
    "	dec %ebx\n"
    "	jnz 1b\n"
    "hlt64_after:\n"
    "	GUEST_DONE\n"
    "hlt64_end:\n"
    GUEST_SECTION_END);

/* An exception with IDT limit 0: #UD -> #GP -> #DF -> shutdown. */
extern const uint8_t triple_start[], triple_end[];
asm(GUEST_SECTION
    ".code64\n"
    "triple_start:\n"
    "	lidt (GUEST_DATA_GPA)\n"
    "	GUEST_SYNC 1\n"
    "	ud2\n"
    "	GUEST_DONE\n"
    "triple_end:\n"
    GUEST_SECTION_END);

/* The same in protected mode: loading a null SS raises #GP. */
extern const uint8_t triple32_start[], triple32_end[];
asm(GUEST_SECTION
    ".code32\n"
    "triple32_start:\n"
    "	lidt (GUEST_DATA_GPA)\n"
    "	xor %eax, %eax\n"
    "	mov %eax, %ss\n"			/* #GP: null SS at CPL 0 */
    "	GUEST_DONE\n"
    "triple32_end:\n"
    GUEST_SECTION_END);

#define HYPERCALL_UNKNOWN	0xdead

#define HC_BODY64(insn)						\
	"	mov $0xdead, %eax\n"				\
	"	mov $1, %ebx\n"					\
	"	mov $2, %ecx\n"					\
	"	" insn "\n"					\
	"	mov %rax, %rsi\n"				\
	"	GUEST_SYNC 1\n"					\
	"	mov $1, %eax\n"	/* KVM_HC_VAPIC_POLL_IRQ */	\
	"	" insn "\n"					\
	"	mov %rax, %rsi\n"				\
	"	GUEST_SYNC 2\n"					\
	"	movabs $0x100000000, %rax\n"			\
	"	" insn "\n"					\
	"	mov %rax, %rsi\n"				\
	"	GUEST_SYNC 3\n"					\
	"	GUEST_DONE\n"

#define HC_BODY32(insn)						\
	"	mov $0xdead, %eax\n"				\
	"	" insn "\n"					\
	"	mov %eax, %esi\n"				\
	"	GUEST_SYNC 1\n"					\
	"	GUEST_DONE\n"

extern const uint8_t vmcall64_start[], vmcall64_end[];
extern const uint8_t vmmcall64_start[], vmmcall64_end[];
extern const uint8_t vmcall32_start[], vmcall32_end[];
extern const uint8_t vmmcall32_start[], vmmcall32_end[];
asm(GUEST_SECTION
    ".code64\n"
    "vmcall64_start:\n" HC_BODY64("vmcall") "vmcall64_end:\n"
    "vmmcall64_start:\n" HC_BODY64("vmmcall") "vmmcall64_end:\n"
    ".code32\n"
    "vmcall32_start:\n" HC_BODY32("vmcall") "vmcall32_end:\n"
    "vmmcall32_start:\n" HC_BODY32("vmmcall") "vmmcall32_end:\n"
    GUEST_SECTION_END);

static struct kvm_vcpu *start(struct kvm_vm **vm, enum guest_mode mode,
			      const uint8_t *s, const uint8_t *e)
{
	struct kvm_vcpu *vcpu;

	*vm = vm_create_default();
	vcpu = vcpu_create(*vm, 0);
	vm_load_code(*vm, s, e);
	vcpu_setup_mode(vcpu, mode, GUEST_CODE_GPA);
	return vcpu;
}

static void test_hlt_real_mode(void)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu = start(&vm, GUEST_MODE_REAL, hlt_rm_start, hlt_rm_end);
	struct kvm_regs regs;
	struct ucall uc;

	vcpu_run_expect_exit(vcpu, KVM_EXIT_HLT);
	vcpu_get_regs(vcpu, &regs);
	CHECK_EQ(regs.rip, GUEST_CODE_ADDR(hlt_rm_after, hlt_rm_start));
	vcpu_expect_sync(vcpu, 1, &uc);
	CHECK_EQ(uc.args[1], 0x77);
	vcpu_expect_done(vcpu);
	vcpu_free(vcpu);
	vm_free(vm);
}

static void test_hlt_long_mode(void)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu = start(&vm, GUEST_MODE_LONG64, hlt64_start, hlt64_end);
	struct kvm_regs regs;
	int i;

	for (i = 0; i < 3; i++) {
		vcpu_run_expect_exit(vcpu, KVM_EXIT_HLT);
		vcpu_get_regs(vcpu, &regs);
		CHECK_EQ(regs.rbx, 3 - i);
	}
	vcpu_expect_done(vcpu);
	vcpu_get_regs(vcpu, &regs);
	CHECK_EQ(regs.rbx, 0);
	vcpu_free(vcpu);
	vm_free(vm);
}

static void test_triple_fault_long_mode(void)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu = start(&vm, GUEST_MODE_LONG64, triple_start, triple_end);
	struct kvm_sregs sregs;
	struct ucall uc;

	vcpu_expect_sync(vcpu, 1, &uc);
	vcpu_get_sregs(vcpu, &sregs);
	CHECK_EQ(sregs.idt.limit, 0);
	vcpu_run_expect_exit(vcpu, KVM_EXIT_SHUTDOWN);
	vcpu_free(vcpu);
	vm_free(vm);
}

static void test_triple_fault_prot_mode(void)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu = start(&vm, GUEST_MODE_PROT32, triple32_start, triple32_end);

	vcpu_run_expect_exit(vcpu, KVM_EXIT_SHUTDOWN);
	vcpu_free(vcpu);
	vm_free(vm);
}

static void run_hypercall64(const uint8_t *s, const uint8_t *e)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu = start(&vm, GUEST_MODE_LONG64, s, e);
	struct ucall uc;

	vcpu_expect_sync(vcpu, 1, &uc);
	CHECK_EQ(uc.args[1], (uint64_t)-KVM_ENOSYS);
	vcpu_expect_sync(vcpu, 2, &uc);
	CHECK_EQ(uc.args[1], 0);
	/* In 64-bit mode the whole RAX is the number: 1 << 32 is unknown. */
	vcpu_expect_sync(vcpu, 3, &uc);
	CHECK_EQ(uc.args[1], (uint64_t)-KVM_ENOSYS);
	vcpu_expect_done(vcpu);
	vcpu_free(vcpu);
	vm_free(vm);
}

static void run_hypercall32(const uint8_t *s, const uint8_t *e)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu = start(&vm, GUEST_MODE_PROT32, s, e);
	struct ucall uc;

	vcpu_expect_sync(vcpu, 1, &uc);
	CHECK_EQ(uc.args[1] & 0xffffffff, (uint32_t)-KVM_ENOSYS);
	vcpu_expect_done(vcpu);
	vcpu_free(vcpu);
	vm_free(vm);
}

static void test_hypercall_unknown_nr_64(void)
{
	if (kvm_cpu_is_intel())
		run_hypercall64(vmcall64_start, vmcall64_end);
	else if (kvm_cpu_is_amd())
		run_hypercall64(vmmcall64_start, vmmcall64_end);
	else
		test_skip("neither Intel nor AMD");
}

static void test_hypercall_unknown_nr_32(void)
{
	if (kvm_cpu_is_intel())
		run_hypercall32(vmcall32_start, vmcall32_end);
	else if (kvm_cpu_is_amd())
		run_hypercall32(vmmcall32_start, vmmcall32_end);
	else
		test_skip("neither Intel nor AMD");
}

static const struct test_case cases[] = {
	TEST_CASE(test_hlt_real_mode),
	TEST_CASE(test_hlt_long_mode),
	TEST_CASE(test_triple_fault_long_mode),
	TEST_CASE(test_triple_fault_prot_mode),
	TEST_CASE(test_hypercall_unknown_nr_64),
	TEST_CASE(test_hypercall_unknown_nr_32),
};

int main(int argc, char **argv)
{
	return run_tests(cases, ARRAY_SIZE(cases));
}
