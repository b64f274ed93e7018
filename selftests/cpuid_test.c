// SPDX-License-Identifier: GPL-2.0
/*
 * cpuid_test: KVM_GET_SUPPORTED_CPUID, KVM_SET/GET_CPUID2 and the guest's
 * CPUID instruction.
 *
 * The supported table is sane (the host vendor, the basic features every
 * x86-64 has, LM/NX/SYSCALL, no duplicate entries, E2BIG when the array is
 * too small; the hypervisor bit is user space's to set: kvm 6.1 leaves it
 * clear); the guest's CPUID returns what KVM_SET_CPUID2 installed, including
 * index-significant leaves and a feature bit cleared by user space;
 * KVM_GET_CPUID2 gives the table back (too small an array: E2BIG; kvm 6.1
 * reports the size neither then nor on success); more than 256
 * entries are E2BIG; after the first KVM_RUN only the identical table may be
 * set again (EINVAL otherwise).  KVM_SET_SREGS refuses CR4 bits whose
 * feature the vCPU's CPUID table (or, before one is set, the supported
 * table) lacks.
 */
#include <cpuid.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "guest_asm.h"
#include "kvm_util.h"

#define KVM_MAX_CPUID_ENTRIES	256
#define LEAF_CUSTOM		0x40000100
#define LEAF_CUSTOM_INDEXED	0x40000101

/* CPUID.1:EDX and ECX bits (Intel SDM "CPUID" / AMD APM "CPUID Fn0000_0001"). */
#define EDX1_FPU	(1U << 0)
#define EDX1_TSC	(1U << 4)
#define EDX1_MSR	(1U << 5)
#define EDX1_PAE	(1U << 6)
#define EDX1_CX8	(1U << 8)
#define EDX1_CMOV	(1U << 15)
#define EDX1_PAT	(1U << 16)
#define EDX1_FXSR	(1U << 24)
#define EDX1_SSE	(1U << 25)
#define EDX1_SSE2	(1U << 26)
#define ECX1_SSE3	(1U << 0)
#define ECX1_OSXSAVE	(1U << 27)
#define EDX1_APIC	(1U << 9)
/* CPUID.80000001H:EDX. */
#define EDX81_SYSCALL	(1U << 11)
#define EDX81_NX	(1U << 20)
#define EDX81_LM	(1U << 29)

static struct kvm_cpuid2 *alloc_cpuid(int nent)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + nent * sizeof(struct kvm_cpuid_entry2));

	CHECK(c, "out of memory");
	c->nent = nent;
	return c;
}

static void test_supported_cpuid_sanity(void)
{
	int kvm = kvm_open();
	struct kvm_cpuid2 *c = kvm_get_supported_cpuid(kvm);
	struct kvm_cpuid_entry2 *e;
	unsigned int a, b, cx, d;
	uint32_t i, j;

	test_info("KVM_GET_SUPPORTED_CPUID: %u entries", c->nent);
	CHECK(c->nent > 4 && c->nent <= KVM_MAX_CPUID_ENTRIES, "nent %u", c->nent);
	e = cpuid_find(c, 0, 0);
	CHECK(e, "no leaf 0");
	CHECK(e->eax >= 1, "max basic leaf %u", e->eax);
	__cpuid(0, a, b, cx, d);
	CHECK(e->ebx == b && e->ecx == cx && e->edx == d, "vendor differs from the host's");

	e = cpuid_find(c, 1, 0);
	CHECK(e, "no leaf 1");
	CHECK((e->edx & (EDX1_FPU | EDX1_TSC | EDX1_MSR | EDX1_PAE | EDX1_CX8 | EDX1_CMOV |
			 EDX1_PAT | EDX1_FXSR | EDX1_SSE | EDX1_SSE2)) ==
	      (EDX1_FPU | EDX1_TSC | EDX1_MSR | EDX1_PAE | EDX1_CX8 | EDX1_CMOV |
	       EDX1_PAT | EDX1_FXSR | EDX1_SSE | EDX1_SSE2),
	      "leaf 1 edx 0x%x lacks a basic feature", e->edx);

	e = cpuid_find(c, 0x80000000, 0);
	CHECK(e && e->eax >= 0x80000001, "extended leaves missing");
	e = cpuid_find(c, 0x80000001, 0);
	CHECK(e, "no leaf 0x80000001");
	CHECK((e->edx & (EDX81_SYSCALL | EDX81_NX | EDX81_LM)) ==
	      (EDX81_SYSCALL | EDX81_NX | EDX81_LM), "leaf 0x80000001 edx 0x%x", e->edx);

	/* No entry twice. */
	for (i = 0; i < c->nent; i++) {
		CHECK(!(c->entries[i].flags & ~(KVM_CPUID_FLAG_SIGNIFCANT_INDEX |
						KVM_CPUID_FLAG_STATEFUL_FUNC |
						KVM_CPUID_FLAG_STATE_READ_NEXT)),
		      "leaf 0x%x flags 0x%x", c->entries[i].function, c->entries[i].flags);
		for (j = i + 1; j < c->nent; j++)
			CHECK(c->entries[i].function != c->entries[j].function ||
			      c->entries[i].index != c->entries[j].index,
			      "leaf 0x%x index %u listed twice", c->entries[i].function,
			      c->entries[i].index);
	}
	free(c);

	/* Too small an array: E2BIG. */
	c = alloc_cpuid(0);
	CHECK_IOCTL_ERR(ioctl(kvm, KVM_GET_SUPPORTED_CPUID, c), E2BIG);
	free(c);
	c = alloc_cpuid(2);
	CHECK_IOCTL_ERR(ioctl(kvm, KVM_GET_SUPPORTED_CPUID, c), E2BIG);
	free(c);
	close(kvm);
}

/* The KVM paravirt leaves (Documentation/virt/kvm/x86/cpuid.rst). */
static void test_supported_cpuid_kvm_signature(void)
{
	int kvm = kvm_open();
	struct kvm_cpuid2 *c = kvm_get_supported_cpuid(kvm);
	struct kvm_cpuid_entry2 *e = cpuid_find(c, 0x40000000, 0);
	char sig[13];

	CHECK(e, "no leaf 0x40000000");
	memcpy(sig, &e->ebx, 4);
	memcpy(sig + 4, &e->ecx, 4);
	memcpy(sig + 8, &e->edx, 4);
	sig[12] = 0;
	CHECK(!memcmp(sig, "KVMKVMKVM\0\0\0", 12), "signature \"%s\"", sig);
	CHECK(e->eax >= 0x40000001, "max hypervisor leaf 0x%x", e->eax);
	CHECK(cpuid_find(c, 0x40000001, 0), "no leaf 0x40000001");
	free(c);
	close(kvm);
}

/*
 * Reports CPUID results: leaf in RDI-stage order, values in R8..R11 (EAX,
 * EBX, ECX, EDX) read by the host with KVM_GET_REGS.
 */
#define GUEST_CPUID(leaf, subleaf, stage)	\
	"	mov $" #leaf ", %eax\n"		\
	"	mov $" #subleaf ", %ecx\n"	\
	"	cpuid\n"			\
	"	mov %eax, %r8d\n"		\
	"	mov %ebx, %r9d\n"		\
	"	mov %ecx, %r10d\n"		\
	"	mov %edx, %r11d\n"		\
	"	GUEST_SYNC " #stage "\n"

extern const uint8_t cpuid_start[], cpuid_end[];
asm(GUEST_SECTION
    ".code64\n"
    "cpuid_start:\n"
    GUEST_CPUID(0, 0, 1)
    GUEST_CPUID(1, 0, 2)
    GUEST_CPUID(0x40000100, 0, 3)
    GUEST_CPUID(0x40000101, 0, 4)
    GUEST_CPUID(0x40000101, 1, 5)
    GUEST_CPUID(0x80000001, 0, 6)
    "	GUEST_DONE\n"
    "cpuid_end:\n"
    GUEST_SECTION_END);

struct cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
};

static struct cpuid_regs guest_cpuid(struct kvm_vcpu *vcpu, uint64_t stage)
{
	struct kvm_regs regs;
	struct ucall uc;
	struct cpuid_regs r;

	vcpu_expect_sync(vcpu, stage, &uc);
	vcpu_get_regs(vcpu, &regs);
	r.eax = regs.r8;
	r.ebx = regs.r9;
	r.ecx = regs.r10;
	r.edx = regs.r11;
	return r;
}

/* The supported table plus three custom entries and SSE3 cleared. */
static struct kvm_cpuid2 *custom_cpuid(int kvm)
{
	struct kvm_cpuid2 *sup = kvm_get_supported_cpuid(kvm);
	struct kvm_cpuid2 *c = alloc_cpuid(sup->nent + 3);
	struct kvm_cpuid_entry2 *e;

	CHECK(sup->nent + 3 <= KVM_MAX_CPUID_ENTRIES, "supported table too large");
	memcpy(c->entries, sup->entries, sup->nent * sizeof(sup->entries[0]));
	e = &c->entries[sup->nent];
	e[0] = (struct kvm_cpuid_entry2){ .function = LEAF_CUSTOM,
		.eax = 0x11111111, .ebx = 0x22222222, .ecx = 0x33333333, .edx = 0x44444444 };
	e[1] = (struct kvm_cpuid_entry2){ .function = LEAF_CUSTOM_INDEXED, .index = 0,
		.flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
		.eax = 0xa0, .ebx = 0xb0, .ecx = 0xc0, .edx = 0xd0 };
	e[2] = (struct kvm_cpuid_entry2){ .function = LEAF_CUSTOM_INDEXED, .index = 1,
		.flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
		.eax = 0xa1, .ebx = 0xb1, .ecx = 0xc1, .edx = 0xd1 };
	e = cpuid_find(c, 1, 0);
	CHECK(e, "no leaf 1");
	e->ecx &= ~ECX1_SSE3;
	free(sup);
	return c;
}

static void test_guest_sees_set_cpuid(void)
{
	struct kvm_vm *vm = vm_create_default();
	struct kvm_vcpu *vcpu = __vcpu_create(vm, 0, false);
	struct kvm_cpuid2 *c = custom_cpuid(vm->kvm_fd);
	struct kvm_cpuid_entry2 *e;
	struct cpuid_regs r;

	CHECK_IOCTL_OK(ioctl(vcpu->fd, KVM_SET_CPUID2, c));
	vm_load_code(vm, cpuid_start, cpuid_end);
	vcpu_setup_mode(vcpu, GUEST_MODE_LONG64, GUEST_CODE_GPA);

	e = cpuid_find(c, 0, 0);
	r = guest_cpuid(vcpu, 1);
	CHECK(r.eax == e->eax && r.ebx == e->ebx && r.ecx == e->ecx && r.edx == e->edx,
	      "leaf 0: guest %08x %08x %08x %08x, set %08x %08x %08x %08x",
	      r.eax, r.ebx, r.ecx, r.edx, e->eax, e->ebx, e->ecx, e->edx);

	e = cpuid_find(c, 1, 0);
	r = guest_cpuid(vcpu, 2);
	CHECK(!(r.ecx & ECX1_SSE3), "leaf 1 ecx 0x%x: SSE3 was cleared", r.ecx);
	/* OSXSAVE and APIC follow CR4 and the APIC base; the rest is as set. */
	CHECK_EQ(r.ecx & ~ECX1_OSXSAVE, e->ecx & ~ECX1_OSXSAVE);
	CHECK_EQ(r.edx & ~EDX1_APIC, e->edx & ~EDX1_APIC);
	CHECK_EQ(r.eax, e->eax);

	r = guest_cpuid(vcpu, 3);
	CHECK(r.eax == 0x11111111 && r.ebx == 0x22222222 && r.ecx == 0x33333333 &&
	      r.edx == 0x44444444, "custom leaf: %08x %08x %08x %08x", r.eax, r.ebx, r.ecx, r.edx);
	r = guest_cpuid(vcpu, 4);
	CHECK(r.eax == 0xa0 && r.ebx == 0xb0 && r.ecx == 0xc0 && r.edx == 0xd0,
	      "indexed leaf, index 0: %x %x %x %x", r.eax, r.ebx, r.ecx, r.edx);
	r = guest_cpuid(vcpu, 5);
	CHECK(r.eax == 0xa1 && r.ebx == 0xb1 && r.ecx == 0xc1 && r.edx == 0xd1,
	      "indexed leaf, index 1: %x %x %x %x", r.eax, r.ebx, r.ecx, r.edx);
	e = cpuid_find(c, 0x80000001, 0);
	r = guest_cpuid(vcpu, 6);
	CHECK_EQ(r.edx, e->edx);
	vcpu_expect_done(vcpu);
	free(c);
	vcpu_free(vcpu);
	vm_free(vm);
}

/*
 * KVM_GET_CPUID2 of a table of nent entries.  One entry less is E2BIG; kvm
 * 6.1 reports the size in neither case, so the caller must know it.
 */
static struct kvm_cpuid2 *get_cpuid2(struct kvm_vcpu *vcpu, uint32_t nent)
{
	struct kvm_cpuid2 *c = alloc_cpuid(nent - 1);

	CHECK_IOCTL_ERR(ioctl(vcpu->fd, KVM_GET_CPUID2, c), E2BIG);
	free(c);
	c = alloc_cpuid(nent);
	CHECK_IOCTL_OK(ioctl(vcpu->fd, KVM_GET_CPUID2, c));
	CHECK_EQ(c->nent, nent);
	return c;
}

static void test_get_cpuid2(void)
{
	struct kvm_vm *vm = vm_create_default();
	struct kvm_vcpu *vcpu = __vcpu_create(vm, 0, false);
	struct kvm_cpuid2 *c = custom_cpuid(vm->kvm_fd);
	struct kvm_cpuid2 *small = alloc_cpuid(1);
	struct kvm_cpuid2 *got;
	struct kvm_cpuid_entry2 *e;
	uint32_t i;

	/* Before any KVM_SET_CPUID2 the table is empty. */
	got = alloc_cpuid(0);
	CHECK_IOCTL_OK(ioctl(vcpu->fd, KVM_GET_CPUID2, got));
	free(got);

	CHECK_IOCTL_OK(ioctl(vcpu->fd, KVM_SET_CPUID2, c));
	CHECK_IOCTL_ERR(ioctl(vcpu->fd, KVM_GET_CPUID2, small), E2BIG);
	got = get_cpuid2(vcpu, c->nent);
	/*
	 * Every entry comes back; kvm rewrites a few registers at run time
	 * (leaf 1 OSXSAVE/APIC, leaf 7 OSPKE, leaf 0xD sizes), so the values
	 * are compared for the leaves it leaves alone.
	 */
	for (i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *want = &c->entries[i];

		e = cpuid_find(got, want->function, want->index);
		CHECK(e, "leaf 0x%x index %u missing", want->function, want->index);
		if (want->function != 0 && want->function != 0x80000001 &&
		    want->function < 0x40000100)
			continue;
		CHECK(e->eax == want->eax && e->ebx == want->ebx && e->ecx == want->ecx &&
		      e->edx == want->edx, "leaf 0x%x index %u: got %08x %08x %08x %08x",
		      want->function, want->index, e->eax, e->ebx, e->ecx, e->edx);
	}
	e = cpuid_find(got, LEAF_CUSTOM_INDEXED, 1);
	CHECK(e && e->eax == 0xa1, "indexed leaf lost its index");
	free(small);
	free(got);
	free(c);
	vcpu_free(vcpu);
	vm_free(vm);
}

static void test_set_cpuid2_limits(void)
{
	struct kvm_vm *vm = vm_create_default();
	struct kvm_vcpu *vcpu = __vcpu_create(vm, 0, false);
	struct kvm_cpuid2 *c = alloc_cpuid(KVM_MAX_CPUID_ENTRIES + 1);

	CHECK_IOCTL_ERR(ioctl(vcpu->fd, KVM_SET_CPUID2, c), E2BIG);
	free(c);
	vcpu_free(vcpu);
	vm_free(vm);
}

static void test_set_cpuid2_after_run(void)
{
	struct kvm_vm *vm = vm_create_default();
	struct kvm_vcpu *vcpu = __vcpu_create(vm, 0, false);
	struct kvm_cpuid2 *c = custom_cpuid(vm->kvm_fd);
	struct kvm_cpuid2 *got;
	struct kvm_cpuid_entry2 *e;
	struct ucall uc;

	CHECK_IOCTL_OK(ioctl(vcpu->fd, KVM_SET_CPUID2, c));
	vm_load_code(vm, cpuid_start, cpuid_end);
	vcpu_setup_mode(vcpu, GUEST_MODE_LONG64, GUEST_CODE_GPA);
	vcpu_expect_sync(vcpu, 1, &uc);

	/* The table as kvm holds it may be set again... */
	got = get_cpuid2(vcpu, c->nent);
	CHECK_IOCTL_OK(ioctl(vcpu->fd, KVM_SET_CPUID2, got));
	/* ...but not a different one. */
	e = cpuid_find(got, LEAF_CUSTOM, 0);
	CHECK(e, "custom leaf missing");
	e->eax ^= 1;
	CHECK_IOCTL_ERR(ioctl(vcpu->fd, KVM_SET_CPUID2, got), EINVAL);
	got->nent--;
	CHECK_IOCTL_ERR(ioctl(vcpu->fd, KVM_SET_CPUID2, got), EINVAL);
	/* The guest still sees the original. */
	{
		struct cpuid_regs r;

		guest_cpuid(vcpu, 2);
		r = guest_cpuid(vcpu, 3);
		CHECK_EQ(r.eax, 0x11111111);
	}
	free(got);
	free(c);
	vcpu_free(vcpu);
	vm_free(vm);
}

#define CR4_OSXSAVE	(1ULL << 18)
#define CR4_SMEP	(1ULL << 20)
#define CR4_PKE		(1ULL << 22)
#define ECX1_XSAVE	(1U << 26)
#define EBX7_SMEP	(1U << 7)

static int set_cr4(struct kvm_vcpu *vcpu, uint64_t bits)
{
	struct kvm_sregs sregs;

	vcpu_get_sregs(vcpu, &sregs);
	sregs.cr4 |= bits;
	return ioctl(vcpu->fd, KVM_SET_SREGS, &sregs);
}

/*
 * KVM_SET_SREGS checks CR4 against the features the supported table
 * offers and, once KVM_SET_CPUID2 installed one, against the vCPU's table
 * (kvm's cr4_guest_rsvd_bits): a bit the guest's CPUID lacks is EINVAL.
 */
static void test_cr4_follows_cpuid(void)
{
	struct kvm_vm *vm = vm_create_default();
	struct kvm_vcpu *vcpu = __vcpu_create(vm, 0, false);
	struct kvm_cpuid2 *c = kvm_get_supported_cpuid(vm->kvm_fd);
	struct kvm_cpuid_entry2 *l1 = cpuid_find(c, 1, 0);
	struct kvm_cpuid_entry2 *l7 = cpuid_find(c, 7, 0);
	bool xsave = l1 && (l1->ecx & ECX1_XSAVE);
	bool smep = l7 && (l7->ebx & EBX7_SMEP);
	bool pku = l7 && (l7->ecx & (1U << 3));

	/* Before KVM_SET_CPUID2: whatever the supported table offers. */
	if (xsave)
		CHECK_IOCTL_OK(set_cr4(vcpu, CR4_OSXSAVE));
	if (smep)
		CHECK_IOCTL_OK(set_cr4(vcpu, CR4_SMEP));
	if (!pku)
		CHECK_IOCTL_ERR(set_cr4(vcpu, CR4_PKE), EINVAL);
	/* A table without XSAVE and SMEP: those CR4 bits become reserved. */
	if (l1)
		l1->ecx &= ~ECX1_XSAVE;
	if (l7)
		l7->ebx &= ~EBX7_SMEP;
	CHECK_IOCTL_OK(ioctl(vcpu->fd, KVM_SET_CPUID2, c));
	{
		struct kvm_sregs sregs;

		vcpu_get_sregs(vcpu, &sregs);
		sregs.cr4 &= ~(CR4_OSXSAVE | CR4_SMEP);
		vcpu_set_sregs(vcpu, &sregs);
	}
	CHECK_IOCTL_ERR(set_cr4(vcpu, CR4_OSXSAVE), EINVAL);
	CHECK_IOCTL_ERR(set_cr4(vcpu, CR4_SMEP), EINVAL);
	/* The full table again: allowed again. */
	free(c);
	c = kvm_get_supported_cpuid(vm->kvm_fd);
	CHECK_IOCTL_OK(ioctl(vcpu->fd, KVM_SET_CPUID2, c));
	if (xsave)
		CHECK_IOCTL_OK(set_cr4(vcpu, CR4_OSXSAVE));
	free(c);
	vcpu_free(vcpu);
	vm_free(vm);
}

static const struct test_case cases[] = {
	TEST_CASE(test_supported_cpuid_sanity),
	TEST_CASE(test_supported_cpuid_kvm_signature),
	TEST_CASE(test_guest_sees_set_cpuid),
	TEST_CASE(test_get_cpuid2),
	TEST_CASE(test_set_cpuid2_limits),
	TEST_CASE(test_set_cpuid2_after_run),
	TEST_CASE(test_cr4_follows_cpuid),
};

int main(int argc, char **argv)
{
	return run_tests(cases, ARRAY_SIZE(cases));
}
