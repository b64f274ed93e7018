// SPDX-License-Identifier: GPL-2.0
/*
 * msr_test: the guest's RDMSR/WRMSR and kvm's MSR lists.
 *
 * The guest writes and reads back EFER, PAT, STAR/LSTAR/CSTAR/SFMASK,
 * FS/GS/KERNEL_GS_BASE and SYSENTER_CS/ESP/EIP; the host sees those values
 * through KVM_GET_MSRS and KVM_GET_SREGS, and the guest sees a value the
 * host set; the TSC written by the guest counts on from there.  An unknown
 * MSR, a reserved EFER bit and a reserved APIC base bit raise #GP(0) in the
 * guest (its IDT catches it).  KVM_GET_MSR_INDEX_LIST holds the MSRs a VMM
 * must save (E2BIG with the count when the array is too small), and every
 * MSR of KVM_GET_MSR_FEATURE_INDEX_LIST reads through the device fd.
 */
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "guest_asm.h"
#include "kvm_util.h"

#define MSR_IA32_TSC		0x10
#define MSR_IA32_APICBASE	0x1b
#define MSR_IA32_SYSENTER_CS	0x174
#define MSR_IA32_SYSENTER_ESP	0x175
#define MSR_IA32_SYSENTER_EIP	0x176
#define MSR_IA32_CR_PAT		0x277
#define MSR_EFER		0xc0000080
#define MSR_STAR		0xc0000081
#define MSR_LSTAR		0xc0000082
#define MSR_CSTAR		0xc0000083
#define MSR_SYSCALL_MASK	0xc0000084
#define MSR_FS_BASE		0xc0000100
#define MSR_GS_BASE		0xc0000101
#define MSR_KERNEL_GS_BASE	0xc0000102
#define MSR_BOGUS		0xdeadbeef

#define HOST_SET_VALUE		0x7f00deadb000ULL
#define GUEST_TSC_VALUE		(1ULL << 40)

/* (index, value) pairs the guest writes and reads back, at GUEST_DATA_GPA. */
struct msr_pair {
	uint64_t index;
	uint64_t value;
};

static const struct msr_pair guest_msrs[] = {
	{ MSR_EFER, EFER_SCE | EFER_LME | EFER_LMA },
	{ MSR_IA32_CR_PAT, 0x0006050400070406ULL },
	{ MSR_STAR, 0x0023001000000000ULL },
	{ MSR_LSTAR, 0xffffffff81000000ULL },
	{ MSR_CSTAR, 0xffffffff81001000ULL },
	{ MSR_SYSCALL_MASK, 0x47700 },
	{ MSR_FS_BASE, 0x7f0000001000ULL },
	{ MSR_GS_BASE, 0xffff888000000000ULL },
	{ MSR_KERNEL_GS_BASE, 0x7f0000002000ULL },
	/* 32-bit values: AMD keeps only the low half of these. */
	{ MSR_IA32_SYSENTER_CS, 0x10 },
	{ MSR_IA32_SYSENTER_ESP, 0x8000f000 },
	{ MSR_IA32_SYSENTER_EIP, 0x81234567 },
};

/*
 * Stage 1: RSI = KERNEL_GS_BASE as the host set it.
 * Stage 2: the table written and read back (a mismatch is a UCALL_FAIL with
 *	    the MSR index as id).
 * Stages 3-6: R15 = the vector caught (0 if none), R14 = its error code, for
 *	    RDMSR and WRMSR of an unknown MSR, a reserved EFER bit, a
 *	    reserved APIC base bit.  (Not a non-canonical LSTAR: SVM passes
 *	    LSTAR through, so that #GP is the CPU's, and QEMU's TCG does not
 *	    raise it; regs_test checks kvm's own check through KVM_SET_MSRS.)
 * Stage 7: RSI = the TSC just after writing GUEST_TSC_VALUE to it.
 */
extern const uint8_t msr_start[], msr_end[], msr_gp_handler[];
asm(GUEST_SECTION
    ".code64\n"
    "msr_start:\n"
    "	mov $0xc0000102, %ecx\n"
    "	rdmsr\n"
    "	shl $32, %rdx\n"
    "	or %rdx, %rax\n"
    "	mov %rax, %rsi\n"
    "	GUEST_SYNC 1\n"
    "	mov $GUEST_DATA_GPA, %rbx\n"
    "1:	mov (%rbx), %ecx\n"
    "	test %ecx, %ecx\n"
    "	jz 2f\n"
    "	mov 8(%rbx), %eax\n"
    "	mov 12(%rbx), %edx\n"
    "	wrmsr\n"
    "	xor %eax, %eax\n"
    "	xor %edx, %edx\n"
    "	rdmsr\n"
    "	shl $32, %rdx\n"
    "	or %rdx, %rax\n"
    "	cmp 8(%rbx), %rax\n"
    "	je 3f\n"
    "	mov %rax, %rsi\n"
    "	mov 8(%rbx), %rdx\n"
    "	mov %rcx, %rdi\n"
    "	GUEST_UCALL UCALL_FAIL\n"
    "3:	add $16, %rbx\n"
    "	jmp 1b\n"
    "2:	GUEST_SYNC 2\n"
    "	xor %r15, %r15\n"
    "	mov $-1, %r14\n"
    "	mov $0xdeadbeef, %ecx\n"
    "	rdmsr\n"
    "	GUEST_SYNC 3\n"
    "	xor %r15, %r15\n"
    "	mov $-1, %r14\n"
    "	mov $0xdeadbeef, %ecx\n"
    "	xor %eax, %eax\n"
    "	xor %edx, %edx\n"
    "	wrmsr\n"
    "	GUEST_SYNC 4\n"
    "	xor %r15, %r15\n"
    "	mov $-1, %r14\n"
    "	mov $0xc0000080, %ecx\n"
    "	rdmsr\n"
    "	or $0x100000, %eax\n"			/* EFER bit 20: reserved */
    "	wrmsr\n"
    "	GUEST_SYNC 5\n"
    "	xor %r15, %r15\n"
    "	mov $-1, %r14\n"
    "	mov $0x1b, %ecx\n"			/* IA32_APIC_BASE */
    "	rdmsr\n"
    "	or $1, %eax\n"				/* bit 0: reserved */
    "	wrmsr\n"
    "	GUEST_SYNC 6\n"
    "	mov $0x10, %ecx\n"
    "	xor %eax, %eax\n"
    "	mov $0x100, %edx\n"			/* GUEST_TSC_VALUE = 1 << 40 */
    "	wrmsr\n"
    "	rdtsc\n"
    "	shl $32, %rdx\n"
    "	or %rdx, %rax\n"
    "	mov %rax, %rsi\n"
    "	GUEST_SYNC 7\n"
    "	GUEST_DONE\n"
    /* #GP: record it, skip the 2-byte RDMSR/WRMSR. */
    "msr_gp_handler:\n"
    "	pop %r14\n"
    "	mov $13, %r15d\n"
    "	addq $2, (%rsp)\n"
    "	iretq\n"
    "msr_end:\n"
    GUEST_SECTION_END);

static struct kvm_vcpu *start_msr_guest(struct kvm_vm **vm)
{
	struct kvm_vcpu *vcpu;
	struct msr_pair *table;

	*vm = vm_create_default();
	vcpu = vcpu_create(*vm, 0);
	vm_load_code(*vm, msr_start, msr_end);
	vm_set_idt_gate64(*vm, X86_VEC_GP, GUEST_CODE_ADDR(msr_gp_handler, msr_start));
	table = vm_gpa_to_hva(*vm, GUEST_DATA_GPA);
	memcpy(table, guest_msrs, sizeof(guest_msrs));
	table[ARRAY_SIZE(guest_msrs)].index = 0;
	vcpu_setup_mode(vcpu, GUEST_MODE_LONG64, GUEST_CODE_GPA);
	vcpu_set_msr(vcpu, MSR_KERNEL_GS_BASE, HOST_SET_VALUE);
	return vcpu;
}

static void test_guest_msr_round_trip(void)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu = start_msr_guest(&vm);
	struct kvm_sregs sregs;
	struct ucall uc;
	size_t i;

	vcpu_expect_sync(vcpu, 1, &uc);
	CHECK_EQ(uc.args[1], HOST_SET_VALUE);
	vcpu_expect_sync(vcpu, 2, &uc);
	/* What the guest wrote, the host reads. */
	for (i = 0; i < ARRAY_SIZE(guest_msrs); i++) {
		uint64_t v = vcpu_get_msr(vcpu, guest_msrs[i].index);

		CHECK(v == guest_msrs[i].value, "MSR 0x%llx: guest wrote 0x%llx, host reads 0x%llx",
		      (unsigned long long)guest_msrs[i].index,
		      (unsigned long long)guest_msrs[i].value, (unsigned long long)v);
	}
	vcpu_get_sregs(vcpu, &sregs);
	CHECK_EQ(sregs.fs.base, 0x7f0000001000ULL);
	CHECK_EQ(sregs.gs.base, 0xffff888000000000ULL);
	CHECK_EQ(sregs.efer, EFER_SCE | EFER_LME | EFER_LMA);
	vcpu_free(vcpu);
	vm_free(vm);
}

static void expect_gp(struct kvm_vcpu *vcpu, uint64_t stage, const char *what)
{
	struct kvm_regs regs;
	struct ucall uc;

	vcpu_expect_sync(vcpu, stage, &uc);
	vcpu_get_regs(vcpu, &regs);
	CHECK(regs.r15 == X86_VEC_GP && regs.r14 == 0,
	      "%s: guest caught vector %llu error code 0x%llx, want #GP(0)", what,
	      (unsigned long long)regs.r15, (unsigned long long)regs.r14);
}

static void test_guest_msr_gp(void)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu = start_msr_guest(&vm);
	struct ucall uc;

	vcpu_expect_sync(vcpu, 1, &uc);
	vcpu_expect_sync(vcpu, 2, &uc);
	expect_gp(vcpu, 3, "RDMSR of an unknown MSR");
	expect_gp(vcpu, 4, "WRMSR of an unknown MSR");
	expect_gp(vcpu, 5, "WRMSR of a reserved EFER bit");
	CHECK_EQ(vcpu_get_msr(vcpu, MSR_EFER), EFER_SCE | EFER_LME | EFER_LMA);
	expect_gp(vcpu, 6, "WRMSR of a reserved APIC base bit");
	CHECK_EQ(vcpu_get_msr(vcpu, MSR_IA32_APICBASE) & 1, 0);
	vcpu_free(vcpu);
	vm_free(vm);
}

static void test_guest_tsc(void)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu = start_msr_guest(&vm);
	struct ucall uc;
	uint64_t host_tsc;
	int stage;

	for (stage = 1; stage <= 6; stage++)
		vcpu_expect_sync(vcpu, stage, &uc);
	vcpu_expect_sync(vcpu, 7, &uc);
	CHECK(uc.args[1] >= GUEST_TSC_VALUE && uc.args[1] - GUEST_TSC_VALUE < (1ULL << 36),
	      "guest TSC 0x%llx after writing 0x%llx", (unsigned long long)uc.args[1],
	      (unsigned long long)GUEST_TSC_VALUE);
	host_tsc = vcpu_get_msr(vcpu, MSR_IA32_TSC);
	CHECK(host_tsc >= uc.args[1], "TSC went back: guest 0x%llx, host then 0x%llx",
	      (unsigned long long)uc.args[1], (unsigned long long)host_tsc);
	vcpu_expect_done(vcpu);
	vcpu_free(vcpu);
	vm_free(vm);
}

static struct kvm_msr_list *get_list(int fd, unsigned long ioctl_nr)
{
	struct kvm_msr_list probe = { .nmsrs = 0 }, *list;

	CHECK_IOCTL_ERR(ioctl(fd, ioctl_nr, &probe), E2BIG);
	CHECK(probe.nmsrs > 0, "the list is empty");
	list = calloc(1, sizeof(*list) + probe.nmsrs * sizeof(uint32_t));
	CHECK(list, "out of memory");
	list->nmsrs = probe.nmsrs;
	CHECK_IOCTL_OK(ioctl(fd, ioctl_nr, list));
	CHECK_EQ(list->nmsrs, probe.nmsrs);
	return list;
}

static bool list_has(const struct kvm_msr_list *list, uint32_t index)
{
	uint32_t i;

	for (i = 0; i < list->nmsrs; i++)
		if (list->indices[i] == index)
			return true;
	return false;
}

static void test_msr_index_list(void)
{
	static const uint32_t must[] = {
		MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
		MSR_STAR, MSR_CSTAR, MSR_KERNEL_GS_BASE, MSR_SYSCALL_MASK, MSR_LSTAR,
		MSR_IA32_TSC, MSR_IA32_CR_PAT,
	};
	int kvm = kvm_open();
	struct kvm_msr_list *list = get_list(kvm, KVM_GET_MSR_INDEX_LIST);
	uint32_t i, j;

	test_info("KVM_GET_MSR_INDEX_LIST: %u MSRs", list->nmsrs);
	for (i = 0; i < ARRAY_SIZE(must); i++)
		CHECK(list_has(list, must[i]), "MSR 0x%x not listed", must[i]);
	CHECK(!list_has(list, MSR_BOGUS), "an unknown MSR is listed");
	for (i = 0; i < list->nmsrs; i++)
		for (j = i + 1; j < list->nmsrs; j++)
			CHECK(list->indices[i] != list->indices[j], "MSR 0x%x listed twice",
			      list->indices[i]);
	free(list);
	/* It is a device ioctl: a VM fd does not know it. */
	{
		struct kvm_vm *vm = vm_create();
		struct kvm_msr_list probe = { .nmsrs = 0 };

		CHECK_IOCTL_ERR(ioctl(vm->fd, KVM_GET_MSR_INDEX_LIST, &probe), ENOTTY);
		vm_free(vm);
	}
	close(kvm);
}

static void test_msr_feature_list(void)
{
	int kvm = kvm_open();
	struct kvm_msr_list *list;
	struct kvm_msrs *msrs;
	uint32_t i;

	REQUIRE(kvm_check_cap(KVM_CAP_GET_MSR_FEATURES), "no KVM_CAP_GET_MSR_FEATURES");
	list = get_list(kvm, KVM_GET_MSR_FEATURE_INDEX_LIST);
	test_info("KVM_GET_MSR_FEATURE_INDEX_LIST: %u MSRs", list->nmsrs);
	msrs = calloc(1, sizeof(*msrs) + list->nmsrs * sizeof(struct kvm_msr_entry));
	CHECK(msrs, "out of memory");
	msrs->nmsrs = list->nmsrs;
	for (i = 0; i < list->nmsrs; i++)
		msrs->entries[i].index = list->indices[i];
	/* Every feature MSR reads through the device fd. */
	CHECK_EQ(CHECK_IOCTL_OK(ioctl(kvm, KVM_GET_MSRS, msrs)), list->nmsrs);
	/* An unknown one does not. */
	msrs->nmsrs = 1;
	msrs->entries[0].index = MSR_BOGUS;
	CHECK_EQ(CHECK_IOCTL_OK(ioctl(kvm, KVM_GET_MSRS, msrs)), 0);
	free(msrs);
	free(list);
	close(kvm);
}

/*
 * MSR accesses handed to userspace (KVM_CAP_X86_USER_SPACE_MSR) and the MSR
 * filter, on the msr_start guest: a filter denying reads of KERNEL_GS_BASE
 * (an MSR SVM lets the guest read without an exit) turns stage 1's RDMSR
 * into a FILTER exit whose data the guest gets; without the filter stage 2
 * runs in the kernel; the unknown MSR of stages 3 and 4 exits as UNKNOWN,
 * and userspace answers #GP for the read and success for the write.
 */
static void expect_msr_exit(struct kvm_vcpu *vcpu, uint32_t exit_reason,
			    uint32_t reason, uint32_t index)
{
	struct kvm_run *run = vcpu->run;

	vcpu_run_expect_exit(vcpu, exit_reason);
	CHECK_EQ(run->msr.reason, reason);
	CHECK_EQ(run->msr.index, index);
}

static void test_msr_user_exits(void)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_X86_USER_SPACE_MSR };
	uint8_t deny = 0;
	struct kvm_msr_filter filter = {
		.flags = KVM_MSR_FILTER_DEFAULT_ALLOW,
		.ranges[0] = {
			.flags = KVM_MSR_FILTER_READ, .nmsrs = 1,
			.base = MSR_KERNEL_GS_BASE, .bitmap = &deny,
		},
	};
	struct kvm_msr_filter none = { .flags = KVM_MSR_FILTER_DEFAULT_DENY };
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	struct kvm_regs regs;
	struct ucall uc;

	REQUIRE(kvm_check_cap(KVM_CAP_X86_USER_SPACE_MSR) &&
		kvm_check_cap(KVM_CAP_X86_MSR_FILTER), "no userspace MSR exits");
	vcpu = start_msr_guest(&vm);
	cap.args[0] = 1ULL << 31;
	CHECK_IOCTL_ERR(ioctl(vm->fd, KVM_ENABLE_CAP, &cap), EINVAL);
	cap.args[0] = KVM_MSR_EXIT_REASON_UNKNOWN | KVM_MSR_EXIT_REASON_FILTER;
	CHECK_IOCTL_OK(ioctl(vm->fd, KVM_ENABLE_CAP, &cap));
	/* Denying everything with no range at all is refused. */
	CHECK_IOCTL_ERR(ioctl(vm->fd, KVM_X86_SET_MSR_FILTER, &none), EINVAL);
	CHECK_IOCTL_OK(ioctl(vm->fd, KVM_X86_SET_MSR_FILTER, &filter));

	expect_msr_exit(vcpu, KVM_EXIT_X86_RDMSR, KVM_MSR_EXIT_REASON_FILTER,
			MSR_KERNEL_GS_BASE);
	vcpu->run->msr.data = 0x1234;
	vcpu_expect_sync(vcpu, 1, &uc);
	CHECK_EQ(uc.args[1], 0x1234);
	none.flags = KVM_MSR_FILTER_DEFAULT_ALLOW;
	CHECK_IOCTL_OK(ioctl(vm->fd, KVM_X86_SET_MSR_FILTER, &none));
	vcpu_expect_sync(vcpu, 2, &uc);

	expect_msr_exit(vcpu, KVM_EXIT_X86_RDMSR, KVM_MSR_EXIT_REASON_UNKNOWN,
			MSR_BOGUS);
	vcpu->run->msr.error = 1;
	expect_gp(vcpu, 3, "RDMSR refused by userspace");
	expect_msr_exit(vcpu, KVM_EXIT_X86_WRMSR, KVM_MSR_EXIT_REASON_UNKNOWN,
			MSR_BOGUS);
	CHECK_EQ(vcpu->run->msr.data, 0);
	vcpu_expect_sync(vcpu, 4, &uc);
	vcpu_get_regs(vcpu, &regs);
	CHECK_EQ(regs.r15, 0);		/* no #GP: userspace took the write */
	vcpu_free(vcpu);
	vm_free(vm);
}

/*
 * MSR_PLATFORM_INFO: stage 1 reads it (RSI, R15 = 13 after a #GP), stage 2
 * reads it again after the host turned KVM_CAP_MSR_PLATFORM_INFO off.
 */
#define MSR_PLATFORM_INFO	0xce
#define PLATFORM_INFO_VALUE	0xff00		/* a max turbo ratio */
extern const uint8_t pi_start[], pi_end[], pi_gp_handler[];
asm(GUEST_SECTION
    ".code64\n"
    "pi_start:\n"
    "	xor %r15, %r15\n"
    "	mov $0xce, %ecx\n"
    "	rdmsr\n"
    "	shl $32, %rdx\n"
    "	or %rdx, %rax\n"
    "	mov %rax, %rsi\n"
    "	GUEST_SYNC 1\n"
    "	xor %r15, %r15\n"
    "	mov $0xce, %ecx\n"
    "	rdmsr\n"
    "	GUEST_SYNC 2\n"
    "	GUEST_DONE\n"
    "pi_gp_handler:\n"
    "	add $8, %rsp\n"
    "	mov $13, %r15d\n"
    "	addq $2, (%rsp)\n"
    "	iretq\n"
    "pi_end:\n"
    GUEST_SECTION_END);

static void test_platform_info(void)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_MSR_PLATFORM_INFO };
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	struct kvm_regs regs;
	struct ucall uc;

	REQUIRE(kvm_check_cap(KVM_CAP_MSR_PLATFORM_INFO),
		"no KVM_CAP_MSR_PLATFORM_INFO");
	vm = vm_create_default();
	vcpu = vcpu_create(vm, 0);
	vm_load_code(vm, pi_start, pi_end);
	vm_set_idt_gate64(vm, X86_VEC_GP, GUEST_CODE_ADDR(pi_gp_handler, pi_start));
	vcpu_setup_mode(vcpu, GUEST_MODE_LONG64, GUEST_CODE_GPA);
	vcpu_set_msr(vcpu, MSR_PLATFORM_INFO, PLATFORM_INFO_VALUE);
	CHECK_EQ(vcpu_get_msr(vcpu, MSR_PLATFORM_INFO), PLATFORM_INFO_VALUE);
	/* Readable by default. */
	vcpu_expect_sync(vcpu, 1, &uc);
	vcpu_get_regs(vcpu, &regs);
	CHECK_EQ(regs.r15, 0);
	CHECK_EQ(regs.rsi, PLATFORM_INFO_VALUE);
	cap.args[0] = 0;
	CHECK_IOCTL_OK(ioctl(vm->fd, KVM_ENABLE_CAP, &cap));
	vcpu_expect_sync(vcpu, 2, &uc);
	vcpu_get_regs(vcpu, &regs);
	CHECK_EQ(regs.r15, 13);
	vcpu_free(vcpu);
	vm_free(vm);
}

static const struct test_case cases[] = {
	TEST_CASE(test_guest_msr_round_trip),
	TEST_CASE(test_guest_msr_gp),
	TEST_CASE(test_guest_tsc),
	TEST_CASE(test_msr_index_list),
	TEST_CASE(test_msr_feature_list),
	TEST_CASE(test_platform_info),
	TEST_CASE(test_msr_user_exits),
};

int main(int argc, char **argv)
{
	return run_tests(cases, ARRAY_SIZE(cases));
}
