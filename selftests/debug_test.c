// SPDX-License-Identifier: GPL-2.0
/*
 * debug_test: KVM_SET_GUEST_DEBUG and the guest's own debug registers.
 *
 * Userspace debugging: single-stepping exits KVM_EXIT_DEBUG after every
 * instruction, also after those the hypervisor completes itself (CPUID,
 * RDMSR), with DR6.BS and TF hidden from KVM_GET_REGS; INT3 exits with
 * KVM_GUESTDBG_USE_SW_BP; a userspace instruction breakpoint and DR7.GD
 * exit with DR6 naming them; INJECT_DB delivers a #DB; unknown control
 * bits are EINVAL.  The guest's own: a TF trap after an intercepted CPUID
 * reaches the guest's #DB handler right after the CPUID, DR7.GD makes a
 * MOV DR fault with DR6.BD and GD cleared, and a DR0 breakpoint fires.
 *
 * Under QEMU's TCG (the SVM test machine) some cases cannot pass on the
 * reference either and are skipped there: TCG ignores the #BP intercept for
 * INT3, raises no general-detect #DB, and does not arm breakpoints that
 * VMRUN loads from the VMCB.  kvm-amd ignores DR7.GD set by userspace (it
 * lets the MOV DR run), so that case runs on Intel only.
 *
 * Under Bochs (the VMX test machine) kvm-intel 6.1 reports the single-step
 * trap after CPUID twice: Bochs leaves BS in the VMCS's pending debug
 * exceptions at the CPUID exit, which hardware saves clear, and kvm-intel
 * does not clear it before the next entry.  The single-step case is skipped
 * for kvm-intel there; kvmx clears the bit and runs it.
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "guest_asm.h"
#include "kvm_util.h"

#define X86_VEC_DB	1
#define RFLAGS_TF	(1ULL << 8)
#define DR6_CLEAN	0xffff0ff0ULL
#define DR6_BS		(1ULL << 14)
#define DR6_BD		(1ULL << 13)
#define DR7_GD		(1ULL << 13)

/*
 * The #DB handler counts in R14 and records DR6 (R13), DR7 (R12) and the
 * interrupted RIP (R11); it clears TF in the frame, disarms DR7 and resets
 * DR6 as an OS would, and returns.
 */
extern const uint8_t db_start[], db_end[], db_step_start[], db_step_done[],
	db_tf_cpuid_end[], db_gd_insn[], db_int3[], db_hwbp[], db_handler[];
asm(GUEST_SECTION
    ".code64\n"
    "db_start:\n"
    "	xor %r14, %r14\n"
    "	GUEST_SYNC 1\n"
    /* single-step: 1 + 2 + 2 + 5 + 2 bytes */
    "db_step_start:\n"
    "	nop\n"
    "	xor %eax, %eax\n"
    "	cpuid\n"
    "	mov $0x1b, %ecx\n"
    "	rdmsr\n"
    "db_step_done:\n"
    "	nop\n"
    "	GUEST_SYNC 2\n"
    /* the guest's own TF over CPUID: it traps after the one after POPF */
    "	xor %eax, %eax\n"
    "	pushfq\n"
    "	orq $0x100, (%rsp)\n"
    "	popfq\n"
    "	cpuid\n"
    "db_tf_cpuid_end:\n"
    "	nop\n"
    "	GUEST_SYNC 3\n"
    /* the guest's own DR7.GD */
    "	mov $0x2400, %rax\n"
    "	mov %rax, %dr7\n"
    "db_gd_insn:\n"
    "	mov %dr0, %rax\n"
    "	GUEST_SYNC 4\n"
    /* the guest's own DR0 instruction breakpoint (set by the host in RBX) */
    "	mov %rbx, %dr0\n"
    "	mov $0x401, %rax\n"
    "	mov %rax, %dr7\n"
    "db_hwbp:\n"
    "	nop\n"
    "	GUEST_SYNC 5\n"
    "db_int3:\n"
    "	int3\n"
    "	GUEST_SYNC 6\n"
    "	GUEST_DONE\n"
    "db_handler:\n"
    "	inc %r14\n"
    "	mov %dr6, %r13\n"
    "	mov %dr7, %r12\n"
    "	mov (%rsp), %r11\n"
    "	andq $~0x100, 16(%rsp)\n"
    "	mov $0x400, %r10\n"
    "	mov %r10, %dr7\n"
    "	mov $0xffff0ff0, %r10\n"
    "	mov %r10, %dr6\n"
    "	iretq\n"
    "db_end:\n"
    GUEST_SECTION_END);

#define ADDR(label)	GUEST_CODE_ADDR(label, db_start)

static struct kvm_vcpu *start(struct kvm_vm **vm)
{
	struct kvm_vcpu *vcpu;
	struct ucall uc;

	REQUIRE(kvm_check_cap(KVM_CAP_SET_GUEST_DEBUG) > 0,
		"KVM_CAP_SET_GUEST_DEBUG not offered");
	*vm = vm_create_default();
	vcpu = vcpu_create(*vm, 0);
	vm_load_code(*vm, db_start, db_end);
	vm_set_idt_gate64(*vm, X86_VEC_DB, ADDR(db_handler));
	vcpu_setup_mode(vcpu, GUEST_MODE_LONG64, GUEST_CODE_GPA);
	vcpu_expect_sync(vcpu, 1, &uc);
	return vcpu;
}

static void set_debug(struct kvm_vcpu *vcpu, uint32_t control, uint64_t dr0,
		      uint64_t dr7)
{
	struct kvm_guest_debug dbg;

	memset(&dbg, 0, sizeof(dbg));
	dbg.control = control;
	dbg.arch.debugreg[0] = dr0;
	dbg.arch.debugreg[7] = dr7;
	CHECK_IOCTL_OK(ioctl(vcpu->fd, KVM_SET_GUEST_DEBUG, &dbg));
}

static void set_rip(struct kvm_vcpu *vcpu, uint64_t rip)
{
	struct kvm_regs regs;

	vcpu_get_regs(vcpu, &regs);
	regs.rip = rip;
	vcpu_set_regs(vcpu, &regs);
}

static void expect_debug_exit(struct kvm_vcpu *vcpu, uint32_t exception,
			      uint64_t pc)
{
	struct kvm_run *run = vcpu->run;

	vcpu_run_expect_exit(vcpu, KVM_EXIT_DEBUG);
	CHECK_EQ(run->debug.arch.exception, exception);
	CHECK_EQ(run->debug.arch.pc, pc);
}

/* The machine's firmware is Bochs's own BIOS (SMBIOS vendor "Bochs"). */
static bool host_is_bochs(void)
{
	char buf[64] = "";
	int fd = open("/sys/class/dmi/id/bios_vendor", O_RDONLY);
	ssize_t len;

	if (fd < 0)
		return false;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return len > 0 && strstr(buf, "Bochs");
}

static void test_control_flags(void)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu = start(&vm);
	struct kvm_guest_debug dbg;
	struct ucall uc;

	/* kvm 6.1 ignores control bits it does not know. */
	memset(&dbg, 0, sizeof(dbg));
	dbg.control = KVM_GUESTDBG_ENABLE | (1U << 30);
	CHECK_IOCTL_OK(ioctl(vcpu->fd, KVM_SET_GUEST_DEBUG, &dbg));
	vcpu_expect_sync(vcpu, 2, &uc);
	dbg.control = 0;
	CHECK_IOCTL_OK(ioctl(vcpu->fd, KVM_SET_GUEST_DEBUG, &dbg));
	vcpu_free(vcpu);
	vm_free(vm);
}

static void test_single_step(void)
{
	static const int len[] = { 1, 2, 2, 5, 2 };
	uint64_t rip = ADDR(db_step_start);
	struct kvm_vcpu *vcpu;
	struct kvm_regs regs;
	struct kvm_run *run;
	struct kvm_vm *vm;
	struct ucall uc;
	unsigned int i;

	REQUIRE(!(host_is_bochs() && !access("/sys/module/kvm_intel", F_OK)),
		"kvm-intel under Bochs steps over CPUID twice (see the top)");
	vcpu = start(&vm);
	run = vcpu->run;
	set_rip(vcpu, rip);
	set_debug(vcpu, KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP, 0, 0x400);
	for (i = 0; i < ARRAY_SIZE(len); i++) {
		rip += len[i];
		expect_debug_exit(vcpu, X86_VEC_DB, rip);
		CHECK_EQ(run->debug.arch.dr6, DR6_CLEAN | DR6_BS);
		vcpu_get_regs(vcpu, &regs);
		CHECK_EQ(regs.rip, rip);
		CHECK_EQ(regs.rflags & RFLAGS_TF, 0);
	}
	CHECK_EQ(rip, ADDR(db_step_done));
	set_debug(vcpu, 0, 0, 0);
	vcpu_expect_sync(vcpu, 2, &uc);
	vcpu_get_regs(vcpu, &regs);
	CHECK_EQ(regs.r14, 0);		/* the guest saw no #DB */
	CHECK_EQ(regs.rflags & RFLAGS_TF, 0);
	vcpu_free(vcpu);
	vm_free(vm);
}

static void test_guest_tf_over_cpuid(void)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu = start(&vm);
	struct kvm_regs regs;
	struct ucall uc;

	vcpu_expect_sync(vcpu, 2, &uc);
	vcpu_expect_sync(vcpu, 3, &uc);
	vcpu_get_regs(vcpu, &regs);
	/* One trap, right after the CPUID that followed POPF. */
	CHECK_EQ(regs.r14, 1);
	CHECK_EQ(regs.r11, ADDR(db_tf_cpuid_end));
	CHECK(regs.r13 & DR6_BS, "guest DR6 0x%llx without BS",
	      (unsigned long long)regs.r13);
	vcpu_free(vcpu);
	vm_free(vm);
}

static void test_guest_general_detect(void)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	struct kvm_debugregs dregs;
	struct kvm_regs regs;
	struct ucall uc;

	REQUIRE(!host_is_tcg(), "QEMU TCG raises no #DB for MOV DR under DR7.GD");
	vcpu = start(&vm);
	vcpu_expect_sync(vcpu, 2, &uc);
	vcpu_expect_sync(vcpu, 3, &uc);
	vcpu_expect_sync(vcpu, 4, &uc);
	vcpu_get_regs(vcpu, &regs);
	/* The MOV faulted once (#DB before it ran), then ran with GD clear. */
	CHECK_EQ(regs.r14, 2);
	CHECK_EQ(regs.r11, ADDR(db_gd_insn));
	CHECK_EQ(regs.r13, DR6_CLEAN | DR6_BD);
	CHECK_EQ(regs.r12 & DR7_GD, 0);
	CHECK_IOCTL_OK(ioctl(vcpu->fd, KVM_GET_DEBUGREGS, &dregs));
	CHECK_EQ(dregs.dr7 & DR7_GD, 0);
	vcpu_free(vcpu);
	vm_free(vm);
}

static void test_guest_hw_breakpoint(void)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu = start(&vm);
	struct kvm_regs regs;
	struct ucall uc;

	vcpu_expect_sync(vcpu, 2, &uc);
	vcpu_expect_sync(vcpu, 3, &uc);
	vcpu_expect_sync(vcpu, 4, &uc);
	vcpu_get_regs(vcpu, &regs);
	regs.rbx = ADDR(db_hwbp);
	regs.r14 = 0;
	vcpu_set_regs(vcpu, &regs);
	vcpu_expect_sync(vcpu, 5, &uc);
	vcpu_get_regs(vcpu, &regs);
	CHECK_EQ(regs.r14, 1);
	CHECK_EQ(regs.r11, ADDR(db_hwbp));
	CHECK_EQ(regs.r13 & 0xf, 1);	/* B0 */
	vcpu_free(vcpu);
	vm_free(vm);
}

static void test_user_general_detect(void)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	struct kvm_regs regs;
	struct ucall uc;

	/* kvmx does it on both vendors; kvm-amd lets the MOV run instead. */
	REQUIRE(kvm_cpu_is_intel(), "kvm-amd ignores DR7.GD from KVM_SET_GUEST_DEBUG");
	vcpu = start(&vm);
	set_rip(vcpu, ADDR(db_gd_insn));
	set_debug(vcpu, KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_HW_BP, 0,
		  0x400 | DR7_GD);
	expect_debug_exit(vcpu, X86_VEC_DB, ADDR(db_gd_insn));
	CHECK_EQ(vcpu->run->debug.arch.dr6, DR6_CLEAN | DR6_BD);
	set_debug(vcpu, 0, 0, 0);
	vcpu_expect_sync(vcpu, 4, &uc);
	vcpu_get_regs(vcpu, &regs);
	CHECK_EQ(regs.r14, 0);
	vcpu_free(vcpu);
	vm_free(vm);
}

static void test_user_hw_breakpoint(void)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	struct kvm_regs regs;
	struct ucall uc;

	REQUIRE(!(host_is_tcg() && kvm_cpu_is_amd()),
		"QEMU TCG does not arm breakpoints VMRUN loads from the VMCB");
	vcpu = start(&vm);
	vcpu_get_regs(vcpu, &regs);
	regs.rip = ADDR(db_hwbp);
	regs.rbx = 0;
	vcpu_set_regs(vcpu, &regs);
	set_debug(vcpu, KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_HW_BP,
		  ADDR(db_hwbp), 0x400 | 0x2);
	expect_debug_exit(vcpu, X86_VEC_DB, ADDR(db_hwbp));
	CHECK_EQ(vcpu->run->debug.arch.dr6, DR6_CLEAN | 1);
	CHECK_EQ(vcpu->run->debug.arch.dr7, 0x402);
	set_debug(vcpu, 0, 0, 0);
	vcpu_expect_sync(vcpu, 5, &uc);
	vcpu_get_regs(vcpu, &regs);
	CHECK_EQ(regs.r14, 0);
	vcpu_free(vcpu);
	vm_free(vm);
}

static void test_sw_breakpoint(void)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	struct ucall uc;

	REQUIRE(!host_is_tcg(), "QEMU TCG ignores the #BP intercept for INT3");
	vcpu = start(&vm);
	set_rip(vcpu, ADDR(db_int3));
	set_debug(vcpu, KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_SW_BP, 0, 0);
	expect_debug_exit(vcpu, 3, ADDR(db_int3));
	set_debug(vcpu, 0, 0, 0);
	set_rip(vcpu, ADDR(db_int3) + 1);
	vcpu_expect_sync(vcpu, 6, &uc);
	vcpu_free(vcpu);
	vm_free(vm);
}

static void test_inject_db(void)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu = start(&vm);
	struct kvm_regs regs;
	struct ucall uc;

	set_debug(vcpu, KVM_GUESTDBG_INJECT_DB, 0, 0);
	vcpu_expect_sync(vcpu, 2, &uc);
	vcpu_get_regs(vcpu, &regs);
	CHECK_EQ(regs.r14, 1);
	CHECK_EQ(regs.r11, ADDR(db_step_start));
	vcpu_free(vcpu);
	vm_free(vm);
}

static const struct test_case cases[] = {
	TEST_CASE(test_control_flags),
	TEST_CASE(test_single_step),
	TEST_CASE(test_guest_tf_over_cpuid),
	TEST_CASE(test_guest_general_detect),
	TEST_CASE(test_guest_hw_breakpoint),
	TEST_CASE(test_user_general_detect),
	TEST_CASE(test_user_hw_breakpoint),
	TEST_CASE(test_sw_breakpoint),
	TEST_CASE(test_inject_db),
};

int main(int argc, char **argv)
{
	return run_tests(cases, ARRAY_SIZE(cases));
}
