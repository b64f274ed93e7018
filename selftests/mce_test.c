// SPDX-License-Identifier: GPL-2.0
/*
 * mce_test: the machine-check architecture a VMM configures and injects
 * into (KVM_CAP_MCE, KVM_X86_GET_MCE_CAP_SUPPORTED, KVM_X86_SETUP_MCE,
 * KVM_X86_SET_MCE) and its MSRs.
 *
 * A new vCPU has KVM_CAP_MCE banks and no MCG_CTL; userspace may set
 * MCG_STATUS (QEMU does so first thing).  SETUP_MCE refuses no banks, too
 * many and unsupported capabilities, and enables reporting in MCG_CTL and
 * every MCi_CTL; MCi_CTL takes only 0 or all ones (bits 0 and 10 may be
 * clear), MSRs past the last bank do not exist.  SET_MCE logs a corrected
 * error (a second one sets OVER), drops an uncorrected one while MCG_CTL
 * is not all ones, and otherwise raises #MC: the guest's handler reads the
 * MCG_STATUS and MCi_STATUS the host reported.  A machine check while
 * MCG_STATUS.MCIP is set, or with CR4.MCE clear, shuts the vCPU down
 * (KVM_EXIT_SHUTDOWN).
 */
#include <sys/ioctl.h>
#include <unistd.h>

#include "guest_asm.h"
#include "kvm_util.h"

#define MSR_IA32_MCG_CAP	0x179
#define MSR_IA32_MCG_STATUS	0x17a
#define MSR_IA32_MCG_CTL	0x17b
#define MSR_IA32_MCx_CTL(b)	(0x400 + 4 * (b))
#define MSR_IA32_MCx_STATUS(b)	(0x401 + 4 * (b))
#define MSR_IA32_MCx_ADDR(b)	(0x402 + 4 * (b))
#define MSR_IA32_MCx_MISC(b)	(0x403 + 4 * (b))

#define MCG_CTL_P		(1ULL << 8)
#define MCG_EXT_P		(1ULL << 9)
#define MCG_SER_P		(1ULL << 24)
#define MCG_STATUS_RIPV		(1ULL << 0)
#define MCG_STATUS_EIPV		(1ULL << 1)
#define MCG_STATUS_MCIP		(1ULL << 2)
#define MCI_STATUS_VAL		(1ULL << 63)
#define MCI_STATUS_OVER		(1ULL << 62)
#define MCI_STATUS_UC		(1ULL << 61)
#define MCI_STATUS_EN		(1ULL << 60)
#define MCI_STATUS_MISCV	(1ULL << 59)
#define MCI_STATUS_ADDRV	(1ULL << 58)
#define MCI_STATUS_PCC		(1ULL << 57)
#define MCI_STATUS_S		(1ULL << 56)

#define X86_CR4_MCE		(1ULL << 6)
#define X86_VEC_MC		18

#define NR_BANKS		10
#define MC_BANK			1
/* An uncorrected, signalled error that #MC reports. */
#define UC_STATUS		(MCI_STATUS_VAL | MCI_STATUS_UC | MCI_STATUS_EN | \
				 MCI_STATUS_ADDRV | MCI_STATUS_MISCV | \
				 MCI_STATUS_PCC | MCI_STATUS_S | 0x134)
#define UC_MCG_STATUS		(MCG_STATUS_MCIP | MCG_STATUS_EIPV)

/*
 * Stage 1: the host injects.  Stage 2: no #MC came (R15 = 0).  Stage 3:
 * the #MC handler ran: RSI = MCG_STATUS, R13 = MC1_STATUS, R12 = MC1_ADDR.
 */
extern const uint8_t mce_start[], mce_end[], mce_handler[];
asm(GUEST_SECTION
    ".code64\n"
    "mce_start:\n"
    "	xor %r15, %r15\n"
    "	GUEST_SYNC 1\n"
    "	GUEST_SYNC 2\n"
    "	GUEST_DONE\n"
    "mce_handler:\n"
    "	mov $18, %r15d\n"
    "	mov $0x405, %ecx\n"		/* MC1_STATUS */
    "	rdmsr\n"
    "	shl $32, %rdx\n"
    "	or %rdx, %rax\n"
    "	mov %rax, %r13\n"
    "	mov $0x406, %ecx\n"		/* MC1_ADDR */
    "	rdmsr\n"
    "	shl $32, %rdx\n"
    "	or %rdx, %rax\n"
    "	mov %rax, %r12\n"
    "	mov $0x17a, %ecx\n"		/* MCG_STATUS */
    "	rdmsr\n"
    "	shl $32, %rdx\n"
    "	or %rdx, %rax\n"
    "	mov %rax, %rsi\n"
    "	GUEST_SYNC 3\n"
    "	GUEST_DONE\n"
    "mce_end:\n"
    GUEST_SECTION_END);

static uint64_t supported_mce_cap(void)
{
	uint64_t cap = 0;
	int fd = kvm_open();

	CHECK_IOCTL_OK(ioctl(fd, KVM_X86_GET_MCE_CAP_SUPPORTED, &cap));
	close(fd);
	return cap;
}

static void setup_mce(struct kvm_vcpu *vcpu, uint64_t cap)
{
	CHECK_IOCTL_OK(ioctl(vcpu->fd, KVM_X86_SETUP_MCE, &cap));
}

static int set_mce(struct kvm_vcpu *vcpu, uint8_t bank, uint64_t status,
		   uint64_t mcg_status, uint64_t addr)
{
	struct kvm_x86_mce m = {
		.status = status, .addr = addr, .misc = 0x86,
		.mcg_status = mcg_status, .bank = bank,
	};

	return ioctl(vcpu->fd, KVM_X86_SET_MCE, &m);
}

static struct kvm_vcpu *start_guest(struct kvm_vm **vm, bool cr4_mce)
{
	struct kvm_vcpu *vcpu;
	struct kvm_sregs sregs;

	*vm = vm_create_default();
	vcpu = vcpu_create(*vm, 0);
	vm_load_code(*vm, mce_start, mce_end);
	vm_set_idt_gate64(*vm, X86_VEC_MC, GUEST_CODE_ADDR(mce_handler, mce_start));
	vcpu_setup_mode(vcpu, GUEST_MODE_LONG64, GUEST_CODE_GPA);
	if (cr4_mce) {
		vcpu_get_sregs(vcpu, &sregs);
		sregs.cr4 |= X86_CR4_MCE;
		vcpu_set_sregs(vcpu, &sregs);
	}
	setup_mce(vcpu, MCG_CTL_P | NR_BANKS);
	return vcpu;
}

static void test_caps(void)
{
	uint64_t cap;

	CHECK_EQ(kvm_check_cap(KVM_CAP_MCE), 32);
	cap = supported_mce_cap();
	CHECK((cap & (MCG_CTL_P | MCG_SER_P)) == (MCG_CTL_P | MCG_SER_P),
	      "supported MCG_CAP 0x%llx lacks MCG_CTL_P or MCG_SER_P",
	      (unsigned long long)cap);
	CHECK_EQ(cap & 0xff, 0);
}

static void test_default_state(void)
{
	struct kvm_vm *vm = vm_create_default();
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	uint64_t v;

	CHECK_EQ(vcpu_get_msr(vcpu, MSR_IA32_MCG_CAP), 32);
	CHECK_EQ(vcpu_get_msr(vcpu, MSR_IA32_MCG_CTL), 0);
	CHECK_EQ(vcpu_get_msr(vcpu, MSR_IA32_MCx_CTL(31)), 0);
	/* QEMU's first KVM_SET_MSRS holds MCG_STATUS. */
	vcpu_set_msr(vcpu, MSR_IA32_MCG_STATUS, MCG_STATUS_RIPV);
	CHECK_EQ(vcpu_get_msr(vcpu, MSR_IA32_MCG_STATUS), MCG_STATUS_RIPV);
	vcpu_set_msr(vcpu, MSR_IA32_MCG_STATUS, 0);
	/* Without MCG_CTL_P, MCG_CTL takes 0 only; MCG_CAP is read-only. */
	CHECK_EQ(__vcpu_set_msr(vcpu, MSR_IA32_MCG_CTL, 0), 1);
	CHECK_EQ(__vcpu_set_msr(vcpu, MSR_IA32_MCG_CTL, ~0ULL), 0);
	CHECK_EQ(__vcpu_set_msr(vcpu, MSR_IA32_MCG_CAP, 4), 0);
	/* Bank 31 exists; P5_MC_ADDR reads as 0. */
	CHECK_EQ(__vcpu_get_msr(vcpu, MSR_IA32_MCx_MISC(31), &v), 1);
	CHECK_EQ(__vcpu_get_msr(vcpu, 0, &v), 1);
	CHECK_EQ(v, 0);
	vcpu_free(vcpu);
	vm_free(vm);
}

static void test_setup(void)
{
	struct kvm_vm *vm = vm_create_default();
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	uint64_t cap, v;

	cap = 0;
	CHECK_IOCTL_ERR(ioctl(vcpu->fd, KVM_X86_SETUP_MCE, &cap), EINVAL);
	cap = MCG_CTL_P | 33;
	CHECK_IOCTL_ERR(ioctl(vcpu->fd, KVM_X86_SETUP_MCE, &cap), EINVAL);
	cap = MCG_EXT_P | NR_BANKS;
	if (!(supported_mce_cap() & MCG_EXT_P))
		CHECK_IOCTL_ERR(ioctl(vcpu->fd, KVM_X86_SETUP_MCE, &cap), EINVAL);
	setup_mce(vcpu, MCG_CTL_P | NR_BANKS);
	CHECK_EQ(vcpu_get_msr(vcpu, MSR_IA32_MCG_CAP) & (0xff | MCG_CTL_P),
		 MCG_CTL_P | NR_BANKS);
	CHECK_EQ(vcpu_get_msr(vcpu, MSR_IA32_MCG_CTL), ~0ULL);
	CHECK_EQ(vcpu_get_msr(vcpu, MSR_IA32_MCx_CTL(0)), ~0ULL);
	CHECK_EQ(vcpu_get_msr(vcpu, MSR_IA32_MCx_CTL(NR_BANKS - 1)), ~0ULL);
	CHECK_EQ(vcpu_get_msr(vcpu, MSR_IA32_MCx_STATUS(NR_BANKS - 1)), 0);
	/* Past the last bank: no MSR. */
	CHECK_EQ(__vcpu_get_msr(vcpu, MSR_IA32_MCx_CTL(NR_BANKS), &v), 0);
	CHECK_EQ(__vcpu_set_msr(vcpu, MSR_IA32_MCx_STATUS(NR_BANKS), 0), 0);
	/* MCi_CTL: all ones, 0, or all ones but bits 0 and 10. */
	CHECK_EQ(__vcpu_set_msr(vcpu, MSR_IA32_MCx_CTL(2), 5), 0);
	CHECK_EQ(__vcpu_set_msr(vcpu, MSR_IA32_MCx_CTL(2), ~0ULL & ~0x401ULL), 1);
	CHECK_EQ(__vcpu_set_msr(vcpu, MSR_IA32_MCx_CTL(2), 0), 1);
	/* MCG_CTL: 0 or all ones. */
	CHECK_EQ(__vcpu_set_msr(vcpu, MSR_IA32_MCG_CTL, 1), 0);
	/* Userspace restores any status. */
	vcpu_set_msr(vcpu, MSR_IA32_MCx_STATUS(3), MCI_STATUS_VAL | 5);
	CHECK_EQ(vcpu_get_msr(vcpu, MSR_IA32_MCx_STATUS(3)), MCI_STATUS_VAL | 5);
	vcpu_free(vcpu);
	vm_free(vm);
}

static void test_corrected(void)
{
	struct kvm_vm *vm = vm_create_default();
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	uint64_t st = MCI_STATUS_VAL | MCI_STATUS_EN | MCI_STATUS_ADDRV | 0x7;

	setup_mce(vcpu, MCG_CTL_P | NR_BANKS);
	CHECK_IOCTL_ERR(set_mce(vcpu, NR_BANKS, st, 0, 0x1000), EINVAL);
	CHECK_IOCTL_ERR(set_mce(vcpu, 0, st & ~MCI_STATUS_VAL, 0, 0x1000), EINVAL);
	CHECK_IOCTL_OK(set_mce(vcpu, 4, st, 0, 0x1000));
	CHECK_EQ(vcpu_get_msr(vcpu, MSR_IA32_MCx_STATUS(4)), st);
	CHECK_EQ(vcpu_get_msr(vcpu, MSR_IA32_MCx_ADDR(4)), 0x1000);
	CHECK_EQ(vcpu_get_msr(vcpu, MSR_IA32_MCx_MISC(4)), 0x86);
	CHECK_IOCTL_OK(set_mce(vcpu, 4, st, 0, 0x2000));
	CHECK_EQ(vcpu_get_msr(vcpu, MSR_IA32_MCx_STATUS(4)), st | MCI_STATUS_OVER);
	CHECK_EQ(vcpu_get_msr(vcpu, MSR_IA32_MCx_ADDR(4)), 0x2000);
	/* Uncorrected with MCG_CTL off: dropped, nothing logged. */
	vcpu_set_msr(vcpu, MSR_IA32_MCG_CTL, 0);
	CHECK_IOCTL_OK(set_mce(vcpu, 5, UC_STATUS, UC_MCG_STATUS, 0x3000));
	CHECK_EQ(vcpu_get_msr(vcpu, MSR_IA32_MCx_STATUS(5)), 0);
	CHECK_EQ(vcpu_get_msr(vcpu, MSR_IA32_MCG_STATUS), 0);
	vcpu_free(vcpu);
	vm_free(vm);
}

static void test_inject(void)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu = start_guest(&vm, true);
	struct kvm_regs regs;
	struct ucall uc;

	vcpu_expect_sync(vcpu, 1, &uc);
	CHECK_IOCTL_OK(set_mce(vcpu, MC_BANK, UC_STATUS, UC_MCG_STATUS, 0x5000));
	CHECK_EQ(vcpu_get_msr(vcpu, MSR_IA32_MCG_STATUS), UC_MCG_STATUS);
	vcpu_expect_sync(vcpu, 3, &uc);
	vcpu_get_regs(vcpu, &regs);
	CHECK_EQ(regs.r15, X86_VEC_MC);
	CHECK_EQ(uc.args[1], UC_MCG_STATUS);
	CHECK_EQ(regs.r13, UC_STATUS);
	CHECK_EQ(regs.r12, 0x5000);
	/* A second one while MCIP is set: shutdown. */
	CHECK_IOCTL_OK(set_mce(vcpu, 2, UC_STATUS, UC_MCG_STATUS, 0x6000));
	vcpu_run_expect_exit(vcpu, KVM_EXIT_SHUTDOWN);
	vcpu_free(vcpu);
	vm_free(vm);
}

static void test_no_cr4_mce(void)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu = start_guest(&vm, false);
	struct ucall uc;

	vcpu_expect_sync(vcpu, 1, &uc);
	CHECK_IOCTL_OK(set_mce(vcpu, MC_BANK, UC_STATUS, UC_MCG_STATUS, 0x5000));
	vcpu_run_expect_exit(vcpu, KVM_EXIT_SHUTDOWN);
	vcpu_free(vcpu);
	vm_free(vm);
}

static void test_bank_disabled(void)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu = start_guest(&vm, true);
	struct kvm_regs regs;
	struct ucall uc;

	vcpu_expect_sync(vcpu, 1, &uc);
	/* MC1_CTL not all ones: the bank does not report uncorrected errors. */
	vcpu_set_msr(vcpu, MSR_IA32_MCx_CTL(MC_BANK), 0);
	CHECK_IOCTL_OK(set_mce(vcpu, MC_BANK, UC_STATUS, UC_MCG_STATUS, 0x5000));
	vcpu_expect_sync(vcpu, 2, &uc);
	vcpu_get_regs(vcpu, &regs);
	CHECK_EQ(regs.r15, 0);
	CHECK_EQ(vcpu_get_msr(vcpu, MSR_IA32_MCx_STATUS(MC_BANK)), 0);
	vcpu_expect_done(vcpu);
	vcpu_free(vcpu);
	vm_free(vm);
}

static const struct test_case cases[] = {
	TEST_CASE(test_caps),
	TEST_CASE(test_default_state),
	TEST_CASE(test_setup),
	TEST_CASE(test_corrected),
	TEST_CASE(test_inject),
	TEST_CASE(test_no_cr4_mce),
	TEST_CASE(test_bank_disabled),
};

int main(int argc, char **argv)
{
	return run_tests(cases, ARRAY_SIZE(cases));
}
