// SPDX-License-Identifier: GPL-2.0
/*
 * translate_test: KVM_TRANSLATE walks the guest's page tables.
 *
 * Without paging a linear address is its physical address; with 32-bit PSE
 * paging and 4-level paging the translation follows the tables (2 MiB and
 * 4 KiB pages, an offset inside the page kept), and an address whose walk
 * meets a non-present entry is reported invalid.  kvm always reports
 * writeable = 1 and usermode = 0.  The guest reads through the same
 * mapping and sees the page KVM_TRANSLATE named.
 */
#include <sys/ioctl.h>

#include "guest_asm.h"
#include "kvm_util.h"

/*
 * Extra mappings of the long-mode tables, built in free guest RAM:
 * VA 1 GiB (PDPT[1]) -> PD at EXTRA_PD_GPA, whose entry 0 is a 2 MiB page
 * at GPA 0 and entry 1 a page table at EXTRA_PT_GPA, whose entry 3 maps
 * TARGET_GPA.  VA 2 GiB (PDPT[2]) is not present.
 */
#define EXTRA_PD_GPA		(GUEST_FREE_GPA)
#define EXTRA_PT_GPA		(GUEST_FREE_GPA + 0x1000)
#define TARGET_GPA		(GUEST_FREE_GPA + 0x5000)
#define VA_1G			0x40000000ULL
#define VA_4K_PAGE		(VA_1G + 0x200000 + 3 * 0x1000)
#define VA_UNMAPPED		0x80000000ULL
#define TARGET_VALUE		0x7a7a7a7a12345678ULL

extern const uint8_t tr_start[], tr_end[];
asm(GUEST_SECTION
    ".code64\n"
    "tr_start:\n"
    "	movabs $0x40203048, %rbx\n"		/* VA_4K_PAGE + 0x48 */
    "	mov (%rbx), %rsi\n"
    "	GUEST_SYNC 1\n"
    "	GUEST_DONE\n"
    "tr_end:\n"
    GUEST_SECTION_END);

static struct kvm_translation translate(struct kvm_vcpu *vcpu, uint64_t gva)
{
	struct kvm_translation tr = { .linear_address = gva };

	CHECK_IOCTL_OK(ioctl(vcpu->fd, KVM_TRANSLATE, &tr));
	return tr;
}

static void expect_translation(struct kvm_vcpu *vcpu, uint64_t gva, uint64_t gpa)
{
	struct kvm_translation tr = translate(vcpu, gva);

	CHECK(tr.valid && tr.physical_address == gpa,
	      "KVM_TRANSLATE(0x%llx): valid %u gpa 0x%llx, want gpa 0x%llx",
	      (unsigned long long)gva, tr.valid, (unsigned long long)tr.physical_address,
	      (unsigned long long)gpa);
	CHECK_EQ(tr.writeable, 1);
	CHECK_EQ(tr.usermode, 0);
}

static void build_extra_mappings(struct kvm_vm *vm)
{
	uint64_t *pdpt = vm_gpa_to_hva(vm, GUEST_PDPT_GPA);
	uint64_t *pd = vm_gpa_to_hva(vm, EXTRA_PD_GPA);
	uint64_t *pt = vm_gpa_to_hva(vm, EXTRA_PT_GPA);

	pdpt[1] = EXTRA_PD_GPA | PTE_PRESENT | PTE_WRITE;
	pd[0] = 0 | PTE_PRESENT | PTE_WRITE | PTE_LARGE;
	pd[1] = EXTRA_PT_GPA | PTE_PRESENT | PTE_WRITE;
	pt[3] = TARGET_GPA | PTE_PRESENT | PTE_WRITE;
}

static void test_no_paging(void)
{
	struct kvm_vm *vm = vm_create_default();
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);

	/* At RESET (real mode) and in flat protected mode: identity. */
	expect_translation(vcpu, 0x1234, 0x1234);
	expect_translation(vcpu, 0xfffff000, 0xfffff000);
	vcpu_setup_mode(vcpu, GUEST_MODE_PROT32, GUEST_CODE_GPA);
	expect_translation(vcpu, 0x12345678, 0x12345678);
	vcpu_free(vcpu);
	vm_free(vm);
}

static void test_paged32(void)
{
	struct kvm_vm *vm = vm_create_default();
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	uint32_t *pd32 = vm_gpa_to_hva(vm, GUEST_PD32_GPA);
	struct kvm_translation tr;

	vcpu_setup_mode(vcpu, GUEST_MODE_PAGED32, GUEST_CODE_GPA);
	expect_translation(vcpu, 0x00123456, 0x00123456);
	expect_translation(vcpu, 0x10000010, 0x10000010);
	/* Remap the 4 MiB page at 8 MiB onto 0 and unmap the one at 12 MiB. */
	pd32[2] = 0 | PTE_PRESENT | PTE_WRITE | PTE_LARGE;
	pd32[3] = 0;
	expect_translation(vcpu, 0x00812345, 0x00012345);
	tr = translate(vcpu, 0x00c00000);
	CHECK(!tr.valid, "unmapped 0xc00000 translated to 0x%llx",
	      (unsigned long long)tr.physical_address);
	vcpu_free(vcpu);
	vm_free(vm);
}

static void test_long_mode(void)
{
	struct kvm_vm *vm = vm_create_default();
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	struct kvm_translation tr;

	build_extra_mappings(vm);
	vcpu_setup_mode(vcpu, GUEST_MODE_LONG64, GUEST_CODE_GPA);
	expect_translation(vcpu, 0x1ff123, 0x1ff123);		/* identity, 2 MiB */
	expect_translation(vcpu, VA_1G + 0x1234, 0x1234);	/* alias, 2 MiB */
	expect_translation(vcpu, VA_4K_PAGE + 0x48, TARGET_GPA + 0x48);	/* 4 KiB */
	tr = translate(vcpu, VA_4K_PAGE + 0x1000);		/* PT entry 4: 0 */
	CHECK(!tr.valid, "non-present PTE translated to 0x%llx",
	      (unsigned long long)tr.physical_address);
	tr = translate(vcpu, VA_UNMAPPED);			/* PDPT entry 2: 0 */
	CHECK(!tr.valid, "non-present PDPTE translated to 0x%llx",
	      (unsigned long long)tr.physical_address);
	vcpu_free(vcpu);
	vm_free(vm);
}

static void test_guest_agrees(void)
{
	struct kvm_vm *vm = vm_create_default();
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	struct kvm_translation tr;
	struct ucall uc;

	build_extra_mappings(vm);
	vm_load_code(vm, tr_start, tr_end);
	vcpu_setup_mode(vcpu, GUEST_MODE_LONG64, GUEST_CODE_GPA);
	tr = translate(vcpu, VA_4K_PAGE + 0x48);
	CHECK(tr.valid, "not translated");
	*(uint64_t *)vm_gpa_to_hva(vm, tr.physical_address) = TARGET_VALUE;
	vcpu_expect_sync(vcpu, 1, &uc);
	CHECK_EQ(uc.args[1], TARGET_VALUE);
	vcpu_expect_done(vcpu);
	vcpu_free(vcpu);
	vm_free(vm);
}

static const struct test_case cases[] = {
	TEST_CASE(test_no_paging),
	TEST_CASE(test_paged32),
	TEST_CASE(test_long_mode),
	TEST_CASE(test_guest_agrees),
};

int main(int argc, char **argv)
{
	return run_tests(cases, ARRAY_SIZE(cases));
}
