// SPDX-License-Identifier: GPL-2.0
/*
 * arch_test: guest-visible architectural details where a hypervisor must
 * answer as kvm and the CPU do.
 *
 * - The legacy performance counters (AMD PERF_CTL0-3/PERF_CTR0-3, Intel P6
 *   EVNTSEL0-1/PERFCTR0-1): with no PMU for the guest, kvm takes a write of
 *   0 and reads 0, from the guest and from KVM_SET/GET_MSRS, on both
 *   vendors.
 * - CR4 and EFER bit by bit: the guest sets each bit of CR4 (MOV) and of
 *   EFER (WRMSR) on top of its long-mode values, and userspace each CR4
 *   bit through KVM_SET_SREGS; only the bits the vCPU's CPUID allows are
 *   taken, every other one is #GP (EINVAL), never a failed VM entry.  The
 *   CPUID is KVM_GET_SUPPORTED_CPUID without PCID, VMX, SVM, SMEP, SMAP,
 *   PKU and LA57, so those bits must be refused too.  CR0 through
 *   KVM_SET_SREGS: bits 63:32, NW without CD, PG without PE are EINVAL.
 * - KVM_SET_XCRS only takes the state components of the vCPU's
 *   CPUID.0xD.0: without AVX there, YMM is EINVAL.
 * - SVM only: a state VMRUN refuses (an EFER reserved bit, which
 *   KVM_SET_SREGS does not check) ends KVM_RUN with KVM_EXIT_FAIL_ENTRY and
 *   the exit code VMEXIT_INVALID (0xffffffff) as the reason.
 * - CPUID.1:EDX.APIC follows IA32_APIC_BASE's enable bit, for the guest's
 *   CPUID and KVM_GET_CPUID2.
 * - RDTSCP (and RDPID where offered) return the guest's IA32_TSC_AUX, set
 *   by userspace or by the guest, and the host's own TSC_AUX is back when
 *   KVM_RUN returns; KVM_GET_MSR_INDEX_LIST lists TSC_AUX.
 * - An NMI the guest sends itself from its NMI handler (in-kernel local
 *   APIC) waits for the handler's IRET: it never nests.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cpuid.h>

#include "guest_asm.h"
#include "kvm_util.h"

#define MSR_EFER		0xc0000080
#define MSR_TSC_AUX		0xc0000103
#define MSR_IA32_APICBASE	0x1b
#define APICBASE_ENABLE		(1ULL << 11)

/* Where the guests of this file keep their tables and results. */
#define RESULTS_GPA		GUEST_DATA_GPA

/* ---- legacy performance counters ------------------------------------- */

static const uint32_t perf_msrs[] = {
	0xc0010000, 0xc0010001, 0xc0010002, 0xc0010003,	/* PERF_CTL0-3 */
	0xc0010004, 0xc0010005, 0xc0010006, 0xc0010007,	/* PERF_CTR0-3 */
	0x186, 0x187,					/* P6 EVNTSEL0-1 */
	0xc1, 0xc2,					/* P6 PERFCTR0-1 */
};

/*
 * The guest walks a zero-terminated table of MSR indices (32-bit entries at
 * RESULTS_GPA): WRMSR 0, RDMSR.  A #GP fails with id 1 (RSI = the MSR), a
 * value other than 0 with id 2.
 */
extern const uint8_t perf_start[], perf_end[], perf_gp[];
asm(GUEST_SECTION
    ".code64\n"
    "perf_start:\n"
    "	mov $" GUEST_XSTR(RESULTS_GPA) ", %rbx\n"
    "1:	mov (%rbx), %ecx\n"
    "	test %ecx, %ecx\n"
    "	jz 2f\n"
    "	xor %r15, %r15\n"
    "	xor %eax, %eax\n"
    "	xor %edx, %edx\n"
    "	wrmsr\n"
    "	mov $-1, %eax\n"
    "	mov $-1, %edx\n"
    "	rdmsr\n"
    "	test %r15, %r15\n"
    "	jz 3f\n"
    "	mov %rcx, %rsi\n"
    "	GUEST_FAIL 1\n"
    "3:	shl $32, %rdx\n"
    "	or %rdx, %rax\n"
    "	test %rax, %rax\n"
    "	jz 4f\n"
    "	mov %rax, %rsi\n"
    "	mov %rcx, %rdx\n"
    "	GUEST_FAIL 2\n"
    "4:	add $4, %rbx\n"
    "	jmp 1b\n"
    "2:	GUEST_DONE\n"
    "perf_gp:\n"
    "	add $8, %rsp\n"
    "	mov $13, %r15d\n"
    "	addq $2, (%rsp)\n"
    "	iretq\n"
    "perf_end:\n"
    GUEST_SECTION_END);

static void test_legacy_perf_msrs(void)
{
	struct kvm_vm *vm = vm_create_default();
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	uint32_t *table = vm_gpa_to_hva(vm, RESULTS_GPA);
	size_t i;

	for (i = 0; i < ARRAY_SIZE(perf_msrs); i++) {
		vcpu_set_msr(vcpu, perf_msrs[i], 0);
		CHECK(vcpu_get_msr(vcpu, perf_msrs[i]) == 0,
		      "KVM_GET_MSRS 0x%x after writing 0", perf_msrs[i]);
		table[i] = perf_msrs[i];
	}
	table[i] = 0;
	vm_load_code(vm, perf_start, perf_end);
	vm_set_idt_gate64(vm, X86_VEC_GP, GUEST_CODE_ADDR(perf_gp, perf_start));
	vcpu_setup_mode(vcpu, GUEST_MODE_LONG64, GUEST_CODE_GPA);
	vcpu_expect_done(vcpu);
	vcpu_free(vcpu);
	vm_free(vm);
}

/* ---- CR4 and EFER, bit by bit ------------------------------------------ */

struct feature {
	uint32_t function;
	int reg;		/* 0 EAX, 1 EBX, 2 ECX, 3 EDX */
	int bit;
};

static uint32_t *cpuid_reg(struct kvm_cpuid_entry2 *e, int reg)
{
	return reg == 0 ? &e->eax : reg == 1 ? &e->ebx : reg == 2 ? &e->ecx : &e->edx;
}

static bool cpuid_has(struct kvm_cpuid2 *cpuid, struct feature f)
{
	struct kvm_cpuid_entry2 *e = cpuid_find(cpuid, f.function, 0);

	return e && (*cpuid_reg(e, f.reg) & (1U << f.bit));
}

/* Features withheld from the vCPU: their CR4/EFER bits must be refused. */
static const struct feature withheld[] = {
	{ 1, 2, 17 },		/* PCID */
	{ 1, 2, 5 },		/* VMX */
	{ 0x80000001, 2, 2 },	/* SVM */
	{ 7, 1, 7 },		/* SMEP */
	{ 7, 1, 20 },		/* SMAP */
	{ 7, 2, 3 },		/* PKU */
	{ 7, 2, 16 },		/* LA57 */
};

static struct kvm_cpuid2 *restricted_cpuid(struct kvm_vm *vm)
{
	struct kvm_cpuid2 *cpuid = kvm_get_supported_cpuid(vm->kvm_fd);
	size_t i;

	for (i = 0; i < ARRAY_SIZE(withheld); i++) {
		struct kvm_cpuid_entry2 *e = cpuid_find(cpuid, withheld[i].function, 0);

		if (e)
			*cpuid_reg(e, withheld[i].reg) &= ~(1U << withheld[i].bit);
	}
	return cpuid;
}

static struct kvm_vcpu *restricted_vcpu(struct kvm_vm *vm, struct kvm_cpuid2 **cpuid)
{
	struct kvm_vcpu *vcpu = __vcpu_create(vm, 0, false);

	*cpuid = restricted_cpuid(vm);
	CHECK_IOCTL_OK(ioctl(vcpu->fd, KVM_SET_CPUID2, *cpuid));
	return vcpu;
}

/* CR4 bits the vCPU may set: no feature needed, or one its CPUID has. */
static uint64_t cr4_allowed(struct kvm_cpuid2 *cpuid)
{
	uint64_t ok = 0x7ff;	/* VME PVI TSD DE PSE PAE MCE PGE PCE OSFXSR OSXMMEXCPT */

	if (cpuid_has(cpuid, (struct feature){ 7, 2, 2 }))
		ok |= 1ULL << 11;	/* UMIP */
	if (cpuid_has(cpuid, (struct feature){ 7, 1, 0 }))
		ok |= 1ULL << 16;	/* FSGSBASE */
	if (cpuid_has(cpuid, (struct feature){ 1, 2, 26 }))
		ok |= 1ULL << 18;	/* OSXSAVE */
	return ok;
}

/* EFER bits a long-mode guest may set. */
static uint64_t efer_allowed(struct kvm_cpuid2 *cpuid)
{
	uint64_t ok = EFER_SCE | EFER_LME | EFER_LMA;

	if (cpuid_has(cpuid, (struct feature){ 0x80000001, 3, 20 }))
		ok |= EFER_NX;
	if (cpuid_has(cpuid, (struct feature){ 0x80000001, 3, 25 }))
		ok |= 1ULL << 14;	/* FFXSR */
	return ok;
}

/*
 * For each bit n of 0..63: CR4 |= 1 << n, then CR4 back; then the same for
 * EFER.  Results at RESULTS_GPA: 64 bytes for CR4, 64 for EFER, each 1 if
 * the write raised #GP(0), 2 for another vector or error code, 0 if taken.
 * EFER.LMSLE (bit 13) is left alone: kvm-amd with nested=1 (its default)
 * takes it whatever the guest's CPUID says, and QEMU's VMRUN then refuses
 * the state.
 */
extern const uint8_t bits_start[], bits_end[], bits_gp[];
asm(GUEST_SECTION
    ".code64\n"
    "bits_start:\n"
    "	mov %cr4, %rbp\n"
    "	xor %ebx, %ebx\n"
    "1:	xor %r15, %r15\n"
    "	mov $-1, %r14\n"
    "	mov %rbp, %rax\n"
    "	bts %rbx, %rax\n"
    "	mov %rax, %cr4\n"
    "	mov %rbp, %cr4\n"
    "	call 9f\n"
    "	mov %al, " GUEST_XSTR(RESULTS_GPA) "(%rbx)\n"
    "	inc %ebx\n"
    "	cmp $64, %ebx\n"
    "	jb 1b\n"
    "	mov $0xc0000080, %ecx\n"
    "	rdmsr\n"
    "	shl $32, %rdx\n"
    "	or %rax, %rdx\n"
    "	mov %rdx, %rbp\n"
    "	xor %ebx, %ebx\n"
    "2:	cmp $13, %ebx\n"			/* LMSLE: not tried, see above */
    "	je 3f\n"
    "	xor %r15, %r15\n"
    "	mov $-1, %r14\n"
    "	mov %rbp, %rax\n"
    "	bts %rbx, %rax\n"
    "	mov %rax, %rdx\n"
    "	shr $32, %rdx\n"
    "	wrmsr\n"
    "	mov %rbp, %rax\n"
    "	mov %rbp, %rdx\n"
    "	shr $32, %rdx\n"
    "	wrmsr\n"
    "	call 9f\n"
    "	mov %al, " GUEST_XSTR(RESULTS_GPA) "+64(%rbx)\n"
    "3:	inc %ebx\n"
    "	cmp $64, %ebx\n"
    "	jb 2b\n"
    "	GUEST_DONE\n"
    /* AL = the verdict from R15 (vector) and R14 (error code). */
    "9:	xor %eax, %eax\n"
    "	test %r15, %r15\n"
    "	jz 8f\n"
    "	mov $2, %al\n"
    "	cmp $13, %r15\n"
    "	jne 8f\n"
    "	test %r14, %r14\n"
    "	jnz 8f\n"
    "	mov $1, %al\n"
    "8:	ret\n"
    /* #GP: record it and skip the faulting MOV CR4 (3 bytes) or WRMSR (2). */
    "bits_gp:\n"
    "	pop %r14\n"
    "	mov $13, %r15d\n"
    "	push %rax\n"
    "	mov 8(%rsp), %rax\n"
    "	cmpb $0x0f, (%rax)\n"
    "	jne 7f\n"
    "	cmpb $0x30, 1(%rax)\n"
    "	je 6f\n"
    "	addq $1, 8(%rsp)\n"
    "6:	addq $2, 8(%rsp)\n"
    "7:	pop %rax\n"
    "	iretq\n"
    "bits_end:\n"
    GUEST_SECTION_END);

/*
 * kvm-amd on a CPU without decode assists (QEMU's TCG) emulates MOV CR4
 * with its instruction emulator, which keeps only the low 32 bits of the
 * value: bits 63:32 are dropped, not refused.  With decode assists, and on
 * Intel, kvm raises #GP(0) as the SDM and APM say, and so does kvmx.
 */
static bool ref_drops_cr4_high_bits(void)
{
	unsigned int eax, ebx, ecx, edx;

	if (hv_is_kvmx() || !kvm_cpu_is_amd())
		return false;
	__cpuid(0x8000000a, eax, ebx, ecx, edx);
	return !(edx & (1U << 7));
}

static void test_cr4_efer_bits_guest(void)
{
	struct kvm_vm *vm = vm_create_default();
	struct kvm_cpuid2 *cpuid;
	struct kvm_vcpu *vcpu = restricted_vcpu(vm, &cpuid);
	uint8_t *res = vm_gpa_to_hva(vm, RESULTS_GPA);
	uint64_t cr4_ok = cr4_allowed(cpuid), efer_ok = efer_allowed(cpuid);
	bool high_dropped = ref_drops_cr4_high_bits();
	int bit, bad = 0;

	memset(res, 0xff, 128);
	vm_load_code(vm, bits_start, bits_end);
	vm_set_idt_gate64(vm, X86_VEC_GP, GUEST_CODE_ADDR(bits_gp, bits_start));
	vcpu_setup_mode(vcpu, GUEST_MODE_LONG64, GUEST_CODE_GPA);
	vcpu_run(vcpu);
	if (!vcpu_is_ucall_exit(vcpu)) {
		struct kvm_sregs s;

		for (bit = 0; bit < 128 && res[bit] != 0xff; bit++)
			;
		vcpu_get_sregs(vcpu, &s);
		CHECK(0, "exit %u (%s) writing %s bit %d: cr4 0x%llx efer 0x%llx",
		      vcpu->run->exit_reason, exit_reason_str(vcpu->run->exit_reason),
		      bit < 64 ? "CR4" : "EFER", bit % 64,
		      (unsigned long long)s.cr4, (unsigned long long)s.efer);
	}
	for (bit = 0; bit < 64; bit++) {
		int want = (cr4_ok >> bit) & 1 ? 0 : 1;

		if (bit >= 32 && high_dropped)
			want = 0;
		if (res[bit] != want) {
			test_info("MOV CR4 bit %d: %s, want %s", bit,
				  res[bit] == 0 ? "taken" : res[bit] == 1 ? "#GP(0)" : "another fault",
				  want ? "#GP(0)" : "taken");
			bad++;
		}
		want = (efer_ok >> bit) & 1 ? 0 : 1;
		if (bit != 13 && res[64 + bit] != want) {
			test_info("WRMSR EFER bit %d: %s, want %s", bit,
				  res[64 + bit] == 0 ? "taken" :
				  res[64 + bit] == 1 ? "#GP(0)" : "another fault",
				  want ? "#GP(0)" : "taken");
			bad++;
		}
	}
	CHECK(bad == 0, "%d CR4/EFER bits answered otherwise (above)", bad);
	free(cpuid);
	vcpu_free(vcpu);
	vm_free(vm);
}

static void test_cr4_cr0_bits_sregs(void)
{
	struct kvm_vm *vm = vm_create_default();
	struct kvm_cpuid2 *cpuid;
	struct kvm_vcpu *vcpu = restricted_vcpu(vm, &cpuid);
	uint64_t cr4_ok = cr4_allowed(cpuid);
	struct kvm_sregs base, s;
	int bit, bad = 0;

	vcpu_setup_mode(vcpu, GUEST_MODE_LONG64, GUEST_CODE_GPA);
	vcpu_get_sregs(vcpu, &base);
	for (bit = 0; bit < 64; bit++) {
		bool want_ok = (cr4_ok >> bit) & 1;
		long r;

		s = base;
		s.cr4 |= 1ULL << bit;
		r = ioctl(vcpu->fd, KVM_SET_SREGS, &s);
		if ((r == 0) != want_ok) {
			test_info("KVM_SET_SREGS CR4 bit %d: ret %ld errno %d, want %s",
				  bit, r, r ? errno : 0, want_ok ? "success" : "EINVAL");
			bad++;
		}
		vcpu_set_sregs(vcpu, &base);
	}
	CHECK(bad == 0, "%d CR4 bits answered otherwise (above)", bad);
	s = base;
	s.cr0 |= 1ULL << 32;
	CHECK_IOCTL_ERR(ioctl(vcpu->fd, KVM_SET_SREGS, &s), EINVAL);
	s = base;
	s.cr0 |= X86_CR0_NW;
	CHECK_IOCTL_ERR(ioctl(vcpu->fd, KVM_SET_SREGS, &s), EINVAL);
	guest_mode_sregs(GUEST_MODE_PROT32, &s);
	s.cr0 = (s.cr0 | X86_CR0_PG) & ~X86_CR0_PE;
	CHECK_IOCTL_ERR(ioctl(vcpu->fd, KVM_SET_SREGS, &s), EINVAL);
	free(cpuid);
	vcpu_free(vcpu);
	vm_free(vm);
}

/*
 * KVM_SET_XCRS takes only the state components of the vCPU's CPUID.0xD.0,
 * here without AVX (YMM, bit 2): x87|SSE|YMM is EINVAL, x87|SSE taken.
 * (The guest's XSETBV follows the same rule in both hypervisors, but QEMU's
 * TCG runs XSETBV without its intercept, so a guest cannot show it here.)
 */
static void test_xcrs_follow_cpuid(void)
{
	struct kvm_vm *vm = vm_create_default();
	struct kvm_vcpu *vcpu = __vcpu_create(vm, 0, false);
	struct kvm_cpuid2 *cpuid = kvm_get_supported_cpuid(vm->kvm_fd);
	struct kvm_cpuid_entry2 *xsave = cpuid_find(cpuid, 0xd, 0);
	struct kvm_xcrs xcrs = { .nr_xcrs = 1 };

	REQUIRE(cpuid_has(cpuid, (struct feature){ 1, 2, 26 }) && xsave &&
		(xsave->eax & 4), "no XSAVE with AVX state offered");
	xsave->eax &= ~4U;
	CHECK_IOCTL_OK(ioctl(vcpu->fd, KVM_SET_CPUID2, cpuid));
	free(cpuid);
	xcrs.xcrs[0].value = 7;
	CHECK_IOCTL_ERR(ioctl(vcpu->fd, KVM_SET_XCRS, &xcrs), EINVAL);
	xcrs.xcrs[0].value = 3;
	CHECK_IOCTL_OK(ioctl(vcpu->fd, KVM_SET_XCRS, &xcrs));
	memset(&xcrs, 0, sizeof(xcrs));
	CHECK_IOCTL_OK(ioctl(vcpu->fd, KVM_GET_XCRS, &xcrs));
	CHECK_EQ(xcrs.xcrs[0].value, 3);
	vcpu_free(vcpu);
	vm_free(vm);
}

/* A guest that only halts: for entries that must fail. */
extern const uint8_t hlt_start[], hlt_end[];
asm(GUEST_SECTION
    ".code64\n"
    "hlt_start:\n"
    "	GUEST_DONE\n"
    "hlt_end:\n"
    GUEST_SECTION_END);

static void test_svm_fail_entry(void)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	struct kvm_sregs s;

	REQUIRE(kvm_cpu_is_amd(), "SVM's VMEXIT_INVALID");
	vm = vm_create_default();
	vcpu = vcpu_create(vm, 0);
	vm_load_code(vm, hlt_start, hlt_end);
	vcpu_setup_mode(vcpu, GUEST_MODE_LONG64, GUEST_CODE_GPA);
	vcpu_get_sregs(vcpu, &s);
	s.efer |= 1ULL << 20;		/* reserved: VMRUN refuses it */
	vcpu_set_sregs(vcpu, &s);
	vcpu_run_expect_exit(vcpu, KVM_EXIT_FAIL_ENTRY);
	CHECK_EQ(vcpu->run->fail_entry.hardware_entry_failure_reason, 0xffffffffULL);
	vcpu_free(vcpu);
	vm_free(vm);
}

/* ---- CPUID.1:EDX.APIC --------------------------------------------------- */

/*
 * CPUID.1:EDX bit 9 into RSI, SYNC 1; IA32_APIC_BASE without its enable
 * bit, SYNC 2 with the bit again; the old value back, SYNC 3 with it.
 */
extern const uint8_t apicbit_start[], apicbit_end[];
asm(GUEST_SECTION
    ".code64\n"
    "apicbit_start:\n"
    "	call 9f\n"
    "	GUEST_SYNC 1\n"
    "	mov $0x1b, %ecx\n"
    "	rdmsr\n"
    "	mov %eax, %ebp\n"
    "	mov %edx, %r12d\n"
    "	and $~0x800, %eax\n"
    "	wrmsr\n"
    "	call 9f\n"
    "	GUEST_SYNC 2\n"
    "	mov $0x1b, %ecx\n"
    "	mov %ebp, %eax\n"
    "	mov %r12d, %edx\n"
    "	wrmsr\n"
    "	call 9f\n"
    "	GUEST_SYNC 3\n"
    "	GUEST_DONE\n"
    "9:	mov $1, %eax\n"
    "	xor %ecx, %ecx\n"
    "	cpuid\n"
    "	shr $9, %edx\n"
    "	and $1, %edx\n"
    "	mov %edx, %esi\n"
    "	ret\n"
    "apicbit_end:\n"
    GUEST_SECTION_END);

static void test_apic_cpuid_bit(void)
{
	struct kvm_vm *vm = vm_create_default();
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	struct ucall uc;

	vm_load_code(vm, apicbit_start, apicbit_end);
	vcpu_setup_mode(vcpu, GUEST_MODE_LONG64, GUEST_CODE_GPA);
	vcpu_expect_sync(vcpu, 1, &uc);
	CHECK(uc.args[1] == 1, "CPUID.1:EDX.APIC with the APIC enabled");
	vcpu_expect_sync(vcpu, 2, &uc);
	CHECK(uc.args[1] == 0, "CPUID.1:EDX.APIC with the APIC disabled");
	CHECK_EQ(vcpu_get_msr(vcpu, MSR_IA32_APICBASE) & APICBASE_ENABLE, 0);
	CHECK(!(vcpu_get_cpuid_entry(vcpu, 1, 0).edx & (1U << 9)),
	      "KVM_GET_CPUID2 shows APIC with the APIC disabled");
	vcpu_expect_sync(vcpu, 3, &uc);
	CHECK(uc.args[1] == 1, "CPUID.1:EDX.APIC with the APIC enabled again");
	CHECK(vcpu_get_cpuid_entry(vcpu, 1, 0).edx & (1U << 9),
	      "KVM_GET_CPUID2 lacks APIC with the APIC enabled again");
	vcpu_expect_done(vcpu);
	vcpu_free(vcpu);
	vm_free(vm);
}

/* ---- TSC_AUX: RDTSCP and RDPID ------------------------------------------ */

#define HOST_TSC_AUX	0x12345678
#define GUEST_TSC_AUX	0x4321

/*
 * SYNC 1: RDTSCP's ECX; SYNC 2: RDMSR TSC_AUX; then WRMSR TSC_AUX =
 * GUEST_TSC_AUX, SYNC 3: RDTSCP's ECX.  If R12 is set (RDPID offered):
 * SYNC 4: RDPID's value.
 */
extern const uint8_t aux_start[], aux_end[];
asm(GUEST_SECTION
    ".code64\n"
    "aux_start:\n"
    "	rdtscp\n"
    "	mov %ecx, %esi\n"
    "	GUEST_SYNC 1\n"
    "	mov $0xc0000103, %ecx\n"
    "	rdmsr\n"
    "	mov %eax, %esi\n"
    "	GUEST_SYNC 2\n"
    "	mov $0xc0000103, %ecx\n"
    "	mov $" GUEST_XSTR(GUEST_TSC_AUX) ", %eax\n"
    "	xor %edx, %edx\n"
    "	wrmsr\n"
    "	rdtscp\n"
    "	mov %ecx, %esi\n"
    "	GUEST_SYNC 3\n"
    "	test %r12, %r12\n"
    "	jz 1f\n"
    "	rdpid %rsi\n"
    "	GUEST_SYNC 4\n"
    "1:	GUEST_DONE\n"
    "aux_end:\n"
    GUEST_SECTION_END);

static unsigned int host_rdtscp_aux(void)
{
	unsigned int lo, hi, aux;

	asm volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(aux));
	return aux;
}

static void check_host_tsc_aux(const char *when)
{
	int cpu = sched_getcpu();
	unsigned int aux = host_rdtscp_aux();

	/* Linux keeps the CPU number in the low 12 bits (vDSO getcpu). */
	CHECK(cpu < 0 || (int)(aux & 0xfff) == cpu,
	      "%s: the host's RDTSCP gives TSC_AUX 0x%x on CPU %d", when, aux, cpu);
}

static bool msr_listed(int kvm_fd, uint32_t index)
{
	struct kvm_msr_list probe = { .nmsrs = 0 }, *list;
	bool found = false;
	uint32_t i;

	CHECK_IOCTL_ERR(ioctl(kvm_fd, KVM_GET_MSR_INDEX_LIST, &probe), E2BIG);
	list = calloc(1, sizeof(*list) + probe.nmsrs * sizeof(uint32_t));
	CHECK(list, "out of memory");
	list->nmsrs = probe.nmsrs;
	CHECK_IOCTL_OK(ioctl(kvm_fd, KVM_GET_MSR_INDEX_LIST, list));
	for (i = 0; i < list->nmsrs; i++)
		found |= list->indices[i] == index;
	free(list);
	return found;
}

static void test_rdtscp_rdpid(void)
{
	struct kvm_vm *vm = vm_create_default();
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	struct kvm_cpuid2 *cpuid = kvm_get_supported_cpuid(vm->kvm_fd);
	bool rdtscp = cpuid_has(cpuid, (struct feature){ 0x80000001, 3, 27 });
	bool rdpid = cpuid_has(cpuid, (struct feature){ 7, 2, 22 });
	struct kvm_regs regs;
	struct ucall uc;

	free(cpuid);
	REQUIRE(rdtscp, "KVM_GET_SUPPORTED_CPUID offers no RDTSCP");
	CHECK(msr_listed(vm->kvm_fd, MSR_TSC_AUX), "KVM_GET_MSR_INDEX_LIST lacks TSC_AUX");
	test_info("RDPID %s", rdpid ? "offered: tested too" : "not offered");
	vm_load_code(vm, aux_start, aux_end);
	vcpu_setup_mode(vcpu, GUEST_MODE_LONG64, GUEST_CODE_GPA);
	vcpu_get_regs(vcpu, &regs);
	regs.r12 = rdpid;
	vcpu_set_regs(vcpu, &regs);
	CHECK_EQ(vcpu_get_msr(vcpu, MSR_TSC_AUX), 0);
	vcpu_set_msr(vcpu, MSR_TSC_AUX, HOST_TSC_AUX);
	vcpu_expect_sync(vcpu, 1, &uc);
	CHECK_EQ(uc.args[1], HOST_TSC_AUX);
	check_host_tsc_aux("after the guest's RDTSCP");
	vcpu_expect_sync(vcpu, 2, &uc);
	CHECK_EQ(uc.args[1], HOST_TSC_AUX);
	vcpu_expect_sync(vcpu, 3, &uc);
	CHECK_EQ(uc.args[1], GUEST_TSC_AUX);
	CHECK_EQ(vcpu_get_msr(vcpu, MSR_TSC_AUX), GUEST_TSC_AUX);
	check_host_tsc_aux("after the guest's WRMSR");
	if (rdpid) {
		vcpu_expect_sync(vcpu, 4, &uc);
		CHECK_EQ(uc.args[1], GUEST_TSC_AUX);
	}
	vcpu_expect_done(vcpu);
	vcpu_free(vcpu);
	vm_free(vm);
}

/* ---- NMI from the NMI handler ------------------------------------------- */

/*
 * Flat protected mode, in-kernel local APIC.  The guest sends itself an
 * NMI (ICR: shorthand self, delivery mode NMI).  Its handler counts
 * (RESULTS_GPA+8) and tracks its nesting depth (+0) and the deepest one
 * seen (+4); the first run sends itself another NMI and exits to
 * userspace (SYNC 1), which gives the hypervisor an entry at which to
 * deliver it, then returns.  The second NMI must wait for that IRET:
 * SYNC 2 reports the deepest nesting (1), SYNC 3 the count (2), SYNC 4
 * the EIP the second NMI interrupted (+12), which must lie outside the
 * handler (delivered at the IRET itself, it would be the IRET's).
 */
#define NMI_ICR_SELF	0x44400
extern const uint8_t nmi_start[], nmi_end[], nmi_handler[];
asm(GUEST_SECTION
    ".code32\n"
    "nmi_start:\n"
    "	movl $0x1ff, 0xfee000f0\n"		/* SVR: APIC enabled */
    "	movl $0, " GUEST_XSTR(RESULTS_GPA) "\n"
    "	movl $0, " GUEST_XSTR(RESULTS_GPA) "+4\n"
    "	movl $0, " GUEST_XSTR(RESULTS_GPA) "+8\n"
    "	movl $" GUEST_XSTR(NMI_ICR_SELF) ", 0xfee00300\n"
    "	mov $1000000, %ecx\n"
    "1:	cmpl $2, " GUEST_XSTR(RESULTS_GPA) "+8\n"
    "	jae 2f\n"
    "	dec %ecx\n"
    "	jnz 1b\n"
    "2:	mov " GUEST_XSTR(RESULTS_GPA) "+4, %esi\n"
    "	GUEST_SYNC 2\n"
    "	mov " GUEST_XSTR(RESULTS_GPA) "+8, %esi\n"
    "	GUEST_SYNC 3\n"
    "	mov " GUEST_XSTR(RESULTS_GPA) "+12, %esi\n"
    "	GUEST_SYNC 4\n"
    "	GUEST_DONE\n"
    "nmi_handler:\n"
    "	push %eax\n"
    "	push %edx\n"
    "	push %esi\n"
    "	push %edi\n"
    "	mov 16(%esp), %eax\n"			/* the interrupted EIP */
    "	mov %eax, " GUEST_XSTR(RESULTS_GPA) "+12\n"
    "	incl " GUEST_XSTR(RESULTS_GPA) "\n"
    "	mov " GUEST_XSTR(RESULTS_GPA) ", %eax\n"
    "	cmp " GUEST_XSTR(RESULTS_GPA) "+4, %eax\n"
    "	jbe 3f\n"
    "	mov %eax, " GUEST_XSTR(RESULTS_GPA) "+4\n"
    "3:	incl " GUEST_XSTR(RESULTS_GPA) "+8\n"
    "	cmpl $1, " GUEST_XSTR(RESULTS_GPA) "+8\n"
    "	jne 4f\n"
    "	movl $" GUEST_XSTR(NMI_ICR_SELF) ", 0xfee00300\n"
    "	GUEST_SYNC 1\n"
    "4:	decl " GUEST_XSTR(RESULTS_GPA) "\n"
    "	pop %edi\n"
    "	pop %esi\n"
    "	pop %edx\n"
    "	pop %eax\n"
    "	iret\n"
    "nmi_end:\n"
    GUEST_SECTION_END);

static void test_nmi_in_nmi_handler_waits_for_iret(void)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	struct ucall uc;

	REQUIRE(kvm_check_cap(KVM_CAP_IRQCHIP), "no KVM_CAP_IRQCHIP");
	vm = vm_create_default();
	CHECK_IOCTL_OK(ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0));
	vcpu = vcpu_create(vm, 0);
	vm_load_code(vm, nmi_start, nmi_end);
	vm_set_idt_gate32(vm, 2, GUEST_CODE_ADDR(nmi_handler, nmi_start));
	vcpu_setup_mode(vcpu, GUEST_MODE_PROT32, GUEST_CODE_GPA);
	vcpu_expect_sync(vcpu, 1, &uc);
	vcpu_expect_sync(vcpu, 2, &uc);
	CHECK(uc.args[1] == 1, "NMI handler nesting depth %llu: the second NMI came before IRET",
	      (unsigned long long)uc.args[1]);
	vcpu_expect_sync(vcpu, 3, &uc);
	CHECK(uc.args[1] == 2, "%llu NMIs handled, want 2", (unsigned long long)uc.args[1]);
	vcpu_expect_sync(vcpu, 4, &uc);
	CHECK(uc.args[1] < GUEST_CODE_ADDR(nmi_handler, nmi_start) ||
	      uc.args[1] >= GUEST_CODE_ADDR(nmi_end, nmi_start),
	      "the second NMI interrupted EIP 0x%llx, inside the first one's handler",
	      (unsigned long long)uc.args[1]);
	vcpu_expect_done(vcpu);
	vcpu_free(vcpu);
	vm_free(vm);
}

static const struct test_case cases[] = {
	TEST_CASE(test_legacy_perf_msrs),
	TEST_CASE(test_cr4_efer_bits_guest),
	TEST_CASE(test_cr4_cr0_bits_sregs),
	TEST_CASE(test_xcrs_follow_cpuid),
	TEST_CASE(test_svm_fail_entry),
	TEST_CASE(test_apic_cpuid_bit),
	TEST_CASE(test_rdtscp_rdpid),
	TEST_CASE(test_nmi_in_nmi_handler_waits_for_iret),
};

int main(int argc, char **argv)
{
	return run_tests(cases, ARRAY_SIZE(cases));
}
