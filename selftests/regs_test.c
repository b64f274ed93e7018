// SPDX-License-Identifier: GPL-2.0
/*
 * regs_test: vCPU state round trips and the checks on what is set.
 *
 * KVM_{GET,SET}_{REGS,SREGS,FPU,XSAVE,XCRS,MSRS} give back what was set
 * (RFLAGS bit 1 always reads 1; KVM_SET_FPU leaves MXCSR alone, so it is not
 * compared); invalid special registers (CR0.PG without PE, CR0.NW without
 * CD, CR0 bits 63:32, long mode without PAE or LMA, LMA or CS.L outside long
 * mode, reserved CR4 bits, a CR3 beyond MAXPHYADDR, reserved APIC base bits)
 * are refused with EINVAL and change nothing; an invalid XSAVE image,
 * XCR0 or MSR value is refused; the registers reach the guest and the
 * guest's registers come back.
 */
#include <stdlib.h>
#include <sys/ioctl.h>

#include "guest_asm.h"
#include "kvm_util.h"

#define MSR_IA32_TSC		0x10
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
/* An index no x86 CPU or kvm defines. */
#define MSR_BOGUS		0xdeadbeef
/* KVM_{GET,SET}_MSRS refuse this many entries at once (kvm's MAX_IO_MSRS). */
#define MSR_IO_TOO_MANY		256

#define XSAVE_MXCSR_WORD	6	/* MXCSR is at byte 24 of the legacy area */
#define XSAVE_XMM0_WORD		40	/* XMM0 at byte 160 */
#define XSAVE_HDR_WORD		128	/* XSTATE_BV at byte 512, XCOMP_BV at 520 */
#define XFEATURE_FP		1ULL
#define XFEATURE_SSE		2ULL
#define XFEATURE_YMM		4ULL
#define XCR_XFEATURE_ENABLED	0

static struct kvm_vcpu *new_vcpu(struct kvm_vm **vm)
{
	*vm = vm_create_default();
	return vcpu_create(*vm, 0);
}

static void test_regs_round_trip(void)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu = new_vcpu(&vm);
	struct kvm_regs set, got;
	uint64_t *word = (uint64_t *)&set;
	size_t i;

	for (i = 0; i < sizeof(set) / 8; i++)
		word[i] = 0x1111111111111111ULL * (i + 1) + i;
	set.rflags = 0x202;	/* IF, fixed bit 1 */
	vcpu_set_regs(vcpu, &set);
	vcpu_get_regs(vcpu, &got);
	CHECK(!memcmp(&set, &got, sizeof(set)), "KVM_GET_REGS differs: rax 0x%llx r15 0x%llx rip 0x%llx rflags 0x%llx",
	      (unsigned long long)got.rax, (unsigned long long)got.r15,
	      (unsigned long long)got.rip, (unsigned long long)got.rflags);

	/* RFLAGS bit 1 is fixed to 1. */
	set.rflags = 0;
	vcpu_set_regs(vcpu, &set);
	vcpu_get_regs(vcpu, &got);
	CHECK_EQ(got.rflags, 2);
	vcpu_free(vcpu);
	vm_free(vm);
}

static void check_segment(const char *name, const struct kvm_segment *a,
			  const struct kvm_segment *b)
{
	CHECK(a->base == b->base && a->limit == b->limit && a->selector == b->selector &&
	      a->type == b->type && a->present == b->present && a->dpl == b->dpl &&
	      a->db == b->db && a->s == b->s && a->l == b->l && a->g == b->g,
	      "%s: set base 0x%llx limit 0x%x sel 0x%x type %u p %u dpl %u db %u s %u l %u g %u; "
	      "got base 0x%llx limit 0x%x sel 0x%x type %u p %u dpl %u db %u s %u l %u g %u", name,
	      (unsigned long long)a->base, a->limit, a->selector, a->type, a->present, a->dpl,
	      a->db, a->s, a->l, a->g,
	      (unsigned long long)b->base, b->limit, b->selector, b->type, b->present, b->dpl,
	      b->db, b->s, b->l, b->g);
}

static void check_sregs_equal(const struct kvm_sregs *a, const struct kvm_sregs *b)
{
	CHECK_EQ(b->cr0, a->cr0);
	CHECK_EQ(b->cr2, a->cr2);
	CHECK_EQ(b->cr3, a->cr3);
	CHECK_EQ(b->cr4, a->cr4);
	CHECK_EQ(b->cr8, a->cr8);
	CHECK_EQ(b->efer, a->efer);
	CHECK_EQ(b->apic_base, a->apic_base);
	CHECK_EQ(b->gdt.base, a->gdt.base);
	CHECK_EQ(b->gdt.limit, a->gdt.limit);
	CHECK_EQ(b->idt.base, a->idt.base);
	CHECK_EQ(b->idt.limit, a->idt.limit);
	check_segment("cs", &a->cs, &b->cs);
	check_segment("ds", &a->ds, &b->ds);
	check_segment("es", &a->es, &b->es);
	check_segment("fs", &a->fs, &b->fs);
	check_segment("gs", &a->gs, &b->gs);
	check_segment("ss", &a->ss, &b->ss);
	check_segment("tr", &a->tr, &b->tr);
}

static void test_sregs_round_trip(void)
{
	static const enum guest_mode modes[] = {
		GUEST_MODE_REAL, GUEST_MODE_PROT32, GUEST_MODE_PAGED32, GUEST_MODE_LONG64,
	};
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu = new_vcpu(&vm);
	struct kvm_sregs set, got;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		vcpu_get_sregs(vcpu, &set);
		guest_mode_sregs(modes[i], &set);
		set.cr2 = 0x1234000 + i;
		set.cr8 = 5;
		set.fs.base = 0x7000 + i * 0x100;
		set.gs.base = 0xfff000;
		vcpu_set_sregs(vcpu, &set);
		vcpu_get_sregs(vcpu, &got);
		test_info("mode %d: cr0 0x%llx cr4 0x%llx efer 0x%llx", modes[i],
			  (unsigned long long)got.cr0, (unsigned long long)got.cr4,
			  (unsigned long long)got.efer);
		check_sregs_equal(&set, &got);
	}
	vcpu_free(vcpu);
	vm_free(vm);
}

/* Each invalid KVM_SET_SREGS is EINVAL and leaves the state as it was. */
static void expect_sregs_einval(struct kvm_vcpu *vcpu, const struct kvm_sregs *bad,
				const char *what)
{
	struct kvm_sregs before, after;
	int r;

	vcpu_get_sregs(vcpu, &before);
	r = ioctl(vcpu->fd, KVM_SET_SREGS, bad);
	CHECK(r == -1 && errno == EINVAL, "KVM_SET_SREGS(%s): ret %d errno %d, want EINVAL",
	      what, r, r ? errno : 0);
	vcpu_get_sregs(vcpu, &after);
	check_sregs_equal(&before, &after);
}

static void test_invalid_sregs(void)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu = new_vcpu(&vm);
	struct kvm_sregs good, bad;

	vcpu_get_sregs(vcpu, &good);
	guest_mode_sregs(GUEST_MODE_PROT32, &good);
	vcpu_set_sregs(vcpu, &good);

	bad = good;
	bad.cr0 = (good.cr0 & ~X86_CR0_PE) | X86_CR0_PG;
	expect_sregs_einval(vcpu, &bad, "CR0.PG without CR0.PE");
	bad = good;
	bad.cr0 = (good.cr0 & ~X86_CR0_CD) | X86_CR0_NW;
	expect_sregs_einval(vcpu, &bad, "CR0.NW without CR0.CD");
	bad = good;
	bad.cr0 |= 1ULL << 32;
	expect_sregs_einval(vcpu, &bad, "CR0 bit 32");
	bad = good;
	bad.cr4 |= 1ULL << 30;
	expect_sregs_einval(vcpu, &bad, "reserved CR4 bit 30");
	bad = good;
	bad.cr4 |= 1ULL << 40;
	expect_sregs_einval(vcpu, &bad, "CR4 bit 40");
	bad = good;
	bad.efer |= EFER_LMA;
	expect_sregs_einval(vcpu, &bad, "EFER.LMA outside long mode");
	bad = good;
	bad.cs.l = 1;
	bad.cs.db = 0;
	expect_sregs_einval(vcpu, &bad, "CS.L outside long mode");
	bad = good;
	bad.apic_base |= 1;
	expect_sregs_einval(vcpu, &bad, "reserved APIC base bit 0");

	guest_mode_sregs(GUEST_MODE_LONG64, &good);
	bad = good;
	bad.cr4 &= ~X86_CR4_PAE;
	expect_sregs_einval(vcpu, &bad, "long mode without CR4.PAE");
	bad = good;
	bad.efer &= ~EFER_LMA;
	expect_sregs_einval(vcpu, &bad, "EFER.LME and CR0.PG without EFER.LMA");
	bad = good;
	bad.cr3 = 1ULL << 62;
	expect_sregs_einval(vcpu, &bad, "CR3 beyond MAXPHYADDR in long mode");
	/* The valid long-mode state is accepted after all these. */
	vcpu_set_sregs(vcpu, &good);
	vcpu_free(vcpu);
	vm_free(vm);
}

static void test_fpu_round_trip(void)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu = new_vcpu(&vm);
	struct kvm_fpu set, got;
	int i;

	CHECK_IOCTL_OK(ioctl(vcpu->fd, KVM_GET_FPU, &set));
	/* At RESET: FCW 0x37f (Intel SDM "x87 FPU Initialization"). */
	CHECK_EQ(set.fcw, 0x37f);
	set.fcw = 0x27f;
	set.fsw = 0x0800;
	set.ftwx = 0x81;
	set.last_opcode = 0x1d9;
	set.last_ip = 0x12345678;
	set.last_dp = 0x9abcdef0;
	for (i = 0; i < 16; i++)
		memset(set.xmm[i], 0x10 + i, 16);
	for (i = 0; i < 8; i++)
		memset(set.fpr[i], 0x80 + i, 10);
	CHECK_IOCTL_OK(ioctl(vcpu->fd, KVM_SET_FPU, &set));
	CHECK_IOCTL_OK(ioctl(vcpu->fd, KVM_GET_FPU, &got));
	CHECK_EQ(got.fcw, set.fcw);
	CHECK_EQ(got.fsw, set.fsw);
	CHECK_EQ(got.ftwx, set.ftwx);
	CHECK_EQ(got.last_opcode, set.last_opcode);
	CHECK_EQ(got.last_ip, set.last_ip);
	CHECK_EQ(got.last_dp, set.last_dp);
	CHECK(!memcmp(got.xmm, set.xmm, sizeof(set.xmm)), "XMM registers differ");
	for (i = 0; i < 8; i++)
		CHECK(!memcmp(got.fpr[i], set.fpr[i], 10), "ST%d differs", i);
	vcpu_free(vcpu);
	vm_free(vm);
}

static void test_xsave(void)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	struct kvm_xsave *set, *got, *bad;
	uint64_t xstate_bv;

	REQUIRE(kvm_check_cap(KVM_CAP_XSAVE), "no KVM_CAP_XSAVE");
	vcpu = new_vcpu(&vm);
	set = calloc(1, sizeof(*set));
	got = calloc(1, sizeof(*got));
	bad = calloc(1, sizeof(*bad));
	CHECK(set && got && bad, "out of memory");

	CHECK_IOCTL_OK(ioctl(vcpu->fd, KVM_GET_XSAVE, set));
	memset(&set->region[XSAVE_XMM0_WORD], 0x5c, 16);
	memcpy(&xstate_bv, &set->region[XSAVE_HDR_WORD], 8);
	xstate_bv |= XFEATURE_FP | XFEATURE_SSE;
	memcpy(&set->region[XSAVE_HDR_WORD], &xstate_bv, 8);
	CHECK_IOCTL_OK(ioctl(vcpu->fd, KVM_SET_XSAVE, set));
	CHECK_IOCTL_OK(ioctl(vcpu->fd, KVM_GET_XSAVE, got));
	CHECK(!memcmp(&got->region[XSAVE_XMM0_WORD], &set->region[XSAVE_XMM0_WORD], 16),
	      "XMM0 in the XSAVE image differs");
	CHECK_EQ(got->region[XSAVE_MXCSR_WORD], set->region[XSAVE_MXCSR_WORD]);

	/* The same through KVM_GET_FPU. */
	{
		struct kvm_fpu fpu;

		CHECK_IOCTL_OK(ioctl(vcpu->fd, KVM_GET_FPU, &fpu));
		CHECK(!memcmp(fpu.xmm[0], &set->region[XSAVE_XMM0_WORD], 16),
		      "KVM_GET_FPU XMM0 differs from the XSAVE image");
	}

	/*
	 * The header is checked only when the host kernel itself uses XSAVE
	 * (kvm then reports KVM_CAP_XCRS); without, the image is FXSAVE's and
	 * kvm 6.1 ignores the header (the Bochs machine's kernel turns XSAVE
	 * off: its CPU model's XSAVE sizes are inconsistent).
	 */
	if (!kvm_check_cap(KVM_CAP_XCRS)) {
		test_info("host without XSAVE: the XSAVE header is not validated");
		goto out;
	}
	/* An XSTATE_BV bit kvm cannot save. */
	*bad = *set;
	xstate_bv |= 1ULL << 62;
	memcpy(&bad->region[XSAVE_HDR_WORD], &xstate_bv, 8);
	CHECK_IOCTL_ERR(ioctl(vcpu->fd, KVM_SET_XSAVE, bad), EINVAL);
	/* The compacted format is not accepted from user space. */
	*bad = *set;
	bad->region[XSAVE_HDR_WORD + 3] = 0x80000000;	/* XCOMP_BV bit 63 */
	CHECK_IOCTL_ERR(ioctl(vcpu->fd, KVM_SET_XSAVE, bad), EINVAL);
	/* A reserved MXCSR bit. */
	*bad = *set;
	bad->region[XSAVE_MXCSR_WORD] |= 0x80000000;
	CHECK_IOCTL_ERR(ioctl(vcpu->fd, KVM_SET_XSAVE, bad), EINVAL);
	/* None of that changed the state. */
	CHECK_IOCTL_OK(ioctl(vcpu->fd, KVM_GET_XSAVE, got));
	CHECK(!memcmp(&got->region[XSAVE_XMM0_WORD], &set->region[XSAVE_XMM0_WORD], 16),
	      "XMM0 changed by a refused KVM_SET_XSAVE");
	CHECK_EQ(got->region[XSAVE_MXCSR_WORD], set->region[XSAVE_MXCSR_WORD]);
out:
	free(bad);
	free(got);
	free(set);
	vcpu_free(vcpu);
	vm_free(vm);
}

static int set_xcr0(struct kvm_vcpu *vcpu, uint64_t value)
{
	struct kvm_xcrs xcrs = { .nr_xcrs = 1 };

	xcrs.xcrs[0].xcr = XCR_XFEATURE_ENABLED;
	xcrs.xcrs[0].value = value;
	return ioctl(vcpu->fd, KVM_SET_XCRS, &xcrs);
}

static uint64_t get_xcr0(struct kvm_vcpu *vcpu)
{
	struct kvm_xcrs xcrs;
	uint32_t i;

	memset(&xcrs, 0, sizeof(xcrs));
	CHECK_IOCTL_OK(ioctl(vcpu->fd, KVM_GET_XCRS, &xcrs));
	for (i = 0; i < xcrs.nr_xcrs; i++)
		if (xcrs.xcrs[i].xcr == XCR_XFEATURE_ENABLED)
			return xcrs.xcrs[i].value;
	test_fail(__FILE__, __LINE__, "KVM_GET_XCRS has no XCR0 (nr_xcrs %u)", xcrs.nr_xcrs);
}

static void test_xcrs(void)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	struct kvm_xcrs xcrs;

	REQUIRE(kvm_check_cap(KVM_CAP_XCRS), "no KVM_CAP_XCRS");
	vcpu = new_vcpu(&vm);
	/* XCR0 starts as x87 only. */
	CHECK_EQ(get_xcr0(vcpu), XFEATURE_FP);
	CHECK_IOCTL_OK(set_xcr0(vcpu, XFEATURE_FP | XFEATURE_SSE));
	CHECK_EQ(get_xcr0(vcpu), XFEATURE_FP | XFEATURE_SSE);
	/* x87 is mandatory; YMM needs SSE; unknown features are refused. */
	CHECK_IOCTL_ERR(set_xcr0(vcpu, 0), EINVAL);
	CHECK_IOCTL_ERR(set_xcr0(vcpu, XFEATURE_SSE), EINVAL);
	CHECK_IOCTL_ERR(set_xcr0(vcpu, XFEATURE_FP | XFEATURE_YMM), EINVAL);
	CHECK_IOCTL_ERR(set_xcr0(vcpu, XFEATURE_FP | (1ULL << 62)), EINVAL);
	CHECK_EQ(get_xcr0(vcpu), XFEATURE_FP | XFEATURE_SSE);
	/* Flags must be 0, at most KVM_MAX_XCRS entries. */
	memset(&xcrs, 0, sizeof(xcrs));
	xcrs.nr_xcrs = 1;
	xcrs.flags = 1;
	xcrs.xcrs[0].value = XFEATURE_FP;
	CHECK_IOCTL_ERR(ioctl(vcpu->fd, KVM_SET_XCRS, &xcrs), EINVAL);
	xcrs.flags = 0;
	xcrs.nr_xcrs = KVM_MAX_XCRS + 1;
	CHECK_IOCTL_ERR(ioctl(vcpu->fd, KVM_SET_XCRS, &xcrs), EINVAL);
	CHECK_EQ(get_xcr0(vcpu), XFEATURE_FP | XFEATURE_SSE);
	vcpu_free(vcpu);
	vm_free(vm);
}

static void test_msrs_round_trip(void)
{
	static const struct { uint32_t index; uint64_t value; } msrs[] = {
		{ MSR_EFER, EFER_SCE },
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
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu = new_vcpu(&vm);
	size_t i;

	for (i = 0; i < ARRAY_SIZE(msrs); i++) {
		vcpu_set_msr(vcpu, msrs[i].index, msrs[i].value);
		CHECK(vcpu_get_msr(vcpu, msrs[i].index) == msrs[i].value,
		      "MSR 0x%x: set 0x%llx, got 0x%llx", msrs[i].index,
		      (unsigned long long)msrs[i].value,
		      (unsigned long long)vcpu_get_msr(vcpu, msrs[i].index));
	}
	vcpu_free(vcpu);
	vm_free(vm);
}

static void test_msrs_tsc(void)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu = new_vcpu(&vm);
	uint64_t base = 1ULL << 40, tsc;

	vcpu_set_msr(vcpu, MSR_IA32_TSC, base);
	tsc = vcpu_get_msr(vcpu, MSR_IA32_TSC);
	/* The TSC keeps counting from the value set, forward only. */
	CHECK(tsc >= base && tsc - base < (1ULL << 38), "TSC set 0x%llx read 0x%llx",
	      (unsigned long long)base, (unsigned long long)tsc);
	vcpu_free(vcpu);
	vm_free(vm);
}

static void test_msrs_invalid(void)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu = new_vcpu(&vm);
	struct kvm_msrs *many;
	uint64_t value;

	/* KVM_{GET,SET}_MSRS return how many entries they processed. */
	CHECK_EQ(__vcpu_get_msr(vcpu, MSR_BOGUS, &value), 0);
	CHECK_EQ(__vcpu_set_msr(vcpu, MSR_BOGUS, 0), 0);
	/* PAT memory type 2 is reserved. */
	vcpu_set_msr(vcpu, MSR_IA32_CR_PAT, 0x0007040600070406ULL);
	CHECK_EQ(__vcpu_set_msr(vcpu, MSR_IA32_CR_PAT, 0x0202020202020202ULL), 0);
	CHECK_EQ(vcpu_get_msr(vcpu, MSR_IA32_CR_PAT), 0x0007040600070406ULL);
	/* Non-canonical bases. */
	vcpu_set_msr(vcpu, MSR_LSTAR, 0);
	CHECK_EQ(__vcpu_set_msr(vcpu, MSR_LSTAR, 0x8000000000000000ULL), 0);
	CHECK_EQ(__vcpu_set_msr(vcpu, MSR_FS_BASE, 0x0000800000000000ULL), 0);
	CHECK_EQ(vcpu_get_msr(vcpu, MSR_LSTAR), 0);
	/* Reserved EFER bit. */
	CHECK_EQ(__vcpu_set_msr(vcpu, MSR_EFER, 1ULL << 20), 0);

	/* Processing stops at the first failing entry. */
	many = calloc(1, sizeof(*many) + MSR_IO_TOO_MANY * sizeof(struct kvm_msr_entry));
	CHECK(many, "out of memory");
	many->nmsrs = 3;
	many->entries[0].index = MSR_STAR;
	many->entries[0].data = 0x1000;
	many->entries[1].index = MSR_BOGUS;
	many->entries[2].index = MSR_LSTAR;
	many->entries[2].data = 0x2000;
	CHECK_EQ(CHECK_IOCTL_OK(ioctl(vcpu->fd, KVM_SET_MSRS, many)), 1);
	CHECK_EQ(vcpu_get_msr(vcpu, MSR_STAR), 0x1000);
	CHECK_EQ(vcpu_get_msr(vcpu, MSR_LSTAR), 0);
	/* Too many entries at once. */
	many->nmsrs = MSR_IO_TOO_MANY;
	CHECK_IOCTL_ERR(ioctl(vcpu->fd, KVM_GET_MSRS, many), E2BIG);
	CHECK_IOCTL_ERR(ioctl(vcpu->fd, KVM_SET_MSRS, many), E2BIG);
	free(many);
	vcpu_free(vcpu);
	vm_free(vm);
}

/*
 * The guest sees the registers set (RAX..R15) and its own changes come
 * back: it reports RAX + RBX + ... , then sets every GPR to a pattern.
 */
extern const uint8_t gpr_start[], gpr_end[];
asm(GUEST_SECTION
    ".code64\n"
    "gpr_start:\n"
    "	mov %rax, %rsi\n"
    "	add %rbx, %rsi\n"
    "	add %rcx, %rsi\n"
    "	add %rdx, %rsi\n"
    "	add %rbp, %rsi\n"
    "	add %r8, %rsi\n"
    "	add %r9, %rsi\n"
    "	add %r10, %rsi\n"
    "	add %r11, %rsi\n"
    "	add %r12, %rsi\n"
    "	add %r13, %rsi\n"
    "	add %r14, %rsi\n"
    "	add %r15, %rsi\n"
    "	add %rdi, %rsi\n"
    "	GUEST_SYNC 1\n"
    "	mov $0xb0, %ebx\n"
    "	mov $0xc0, %ecx\n"
    "	mov $0xb9, %ebp\n"
    "	mov $0x80, %r8d\n"
    "	mov $0x90, %r9d\n"
    "	movabs $0x1000000000000010, %r10\n"
    "	mov $0x11, %r11d\n"
    "	mov $0x12, %r12d\n"
    "	mov $0x13, %r13d\n"
    "	mov $0x14, %r14d\n"
    "	mov $0x15, %r15d\n"
    "	GUEST_SYNC 2\n"
    "	GUEST_DONE\n"
    "gpr_end:\n"
    GUEST_SECTION_END);

static void test_guest_sees_regs(void)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu = new_vcpu(&vm);
	struct kvm_regs regs;
	struct ucall uc;

	vm_load_code(vm, gpr_start, gpr_end);
	vcpu_setup_mode(vcpu, GUEST_MODE_LONG64, GUEST_CODE_GPA);
	vcpu_get_regs(vcpu, &regs);
	regs.rax = 1;
	regs.rbx = 2;
	regs.rcx = 4;
	regs.rdx = 8;
	regs.rbp = 0x10;
	regs.r8 = 0x20;
	regs.r9 = 0x40;
	regs.r10 = 0x80;
	regs.r11 = 0x100;
	regs.r12 = 0x200;
	regs.r13 = 0x400;
	regs.r14 = 0x800;
	regs.r15 = 0x1000;
	regs.rdi = 0x100000000000ULL;
	vcpu_set_regs(vcpu, &regs);
	vcpu_expect_sync(vcpu, 1, &uc);
	CHECK_EQ(uc.args[1], 0x100000001fffULL);
	vcpu_expect_sync(vcpu, 2, &uc);
	vcpu_get_regs(vcpu, &regs);
	CHECK_EQ(regs.rbx, 0xb0);
	CHECK_EQ(regs.rcx, 0xc0);
	CHECK_EQ(regs.rbp, 0xb9);
	CHECK_EQ(regs.r8, 0x80);
	CHECK_EQ(regs.r9, 0x90);
	CHECK_EQ(regs.r10, 0x1000000000000010ULL);
	CHECK_EQ(regs.r11, 0x11);
	CHECK_EQ(regs.r12, 0x12);
	CHECK_EQ(regs.r13, 0x13);
	CHECK_EQ(regs.r14, 0x14);
	CHECK_EQ(regs.r15, 0x15);
	CHECK_EQ(regs.rsp, GUEST_STACK_TOP);
	vcpu_expect_done(vcpu);
	vcpu_free(vcpu);
	vm_free(vm);
}

static const struct test_case cases[] = {
	TEST_CASE(test_regs_round_trip),
	TEST_CASE(test_sregs_round_trip),
	TEST_CASE(test_invalid_sregs),
	TEST_CASE(test_fpu_round_trip),
	TEST_CASE(test_xsave),
	TEST_CASE(test_xcrs),
	TEST_CASE(test_msrs_round_trip),
	TEST_CASE(test_msrs_tsc),
	TEST_CASE(test_msrs_invalid),
	TEST_CASE(test_guest_sees_regs),
};

int main(int argc, char **argv)
{
	return run_tests(cases, ARRAY_SIZE(cases));
}
