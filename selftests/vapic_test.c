// SPDX-License-Identifier: GPL-2.0
/*
 * vapic_test: KVM_SET_VAPIC_ADDR, the TPR mirror of kvm's in-kernel LAPIC
 * (QEMU calls it with 0 at every vCPU reset when the irqchip is in the
 * kernel, and aborts if it fails).
 *
 * Without an in-kernel LAPIC it is EINVAL; with one, 0 (off) and an
 * address in guest RAM succeed and an address outside it is EINVAL.  Once
 * set, the guest's write of a TPR value into byte 0 of that page is the
 * APIC's TPR after the next exit (KVM_GET_LAPIC); the hypervisor writes
 * the TPR there before entering only while the APIC is enabled, which it
 * is not here (software-disabled after RESET), as on kvm.
 */
#include <string.h>
#include <sys/ioctl.h>

#include "guest_asm.h"
#include "kvm_util.h"

#define APIC_REG_TPR	0x80
#define VAPIC_GPA	(GUEST_DATA_GPA + 0x100)

/* Stage 1: TPR 0x40 through the vAPIC page.  Stage 2: just an exit. */
extern const uint8_t vapic_start[], vapic_end[];
asm(GUEST_SECTION
    ".code64\n"
    "vapic_start:\n"
    "	movb $0x40, GUEST_DATA_GPA + 0x100\n"
    "	GUEST_SYNC 1\n"
    "	GUEST_SYNC 2\n"
    "	GUEST_DONE\n"
    "vapic_end:\n"
    GUEST_SECTION_END);

static int set_vapic(struct kvm_vcpu *vcpu, uint64_t gpa)
{
	struct kvm_vapic_addr va = { .vapic_addr = gpa };

	return ioctl(vcpu->fd, KVM_SET_VAPIC_ADDR, &va);
}

static uint32_t lapic_tpr(struct kvm_vcpu *vcpu)
{
	struct kvm_lapic_state s;
	uint32_t v;

	CHECK_IOCTL_OK(ioctl(vcpu->fd, KVM_GET_LAPIC, &s));
	memcpy(&v, s.regs + APIC_REG_TPR, 4);
	return v;
}

static void test_no_lapic(void)
{
	struct kvm_vm *vm = vm_create_default();
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);

	CHECK_IOCTL_ERR(set_vapic(vcpu, 0), EINVAL);
	vcpu_free(vcpu);
	vm_free(vm);
}

static void test_tpr_mirror(void)
{
	struct kvm_vm *vm = vm_create_default();
	struct kvm_vcpu *vcpu;
	struct ucall uc;
	uint8_t *page;

	CHECK_IOCTL_OK(ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0));
	vcpu = vcpu_create(vm, 0);
	CHECK_IOCTL_OK(set_vapic(vcpu, 0));
	CHECK_IOCTL_ERR(set_vapic(vcpu, 0xf0000000ULL), EINVAL);
	CHECK_IOCTL_OK(set_vapic(vcpu, VAPIC_GPA));
	vm_load_code(vm, vapic_start, vapic_end);
	vcpu_setup_mode(vcpu, GUEST_MODE_LONG64, GUEST_CODE_GPA);
	page = vm_gpa_to_hva(vm, VAPIC_GPA);
	vcpu_expect_sync(vcpu, 1, &uc);
	CHECK_EQ(lapic_tpr(vcpu), 0x40);
	/*
	 * The APIC is software-disabled (SPIV at RESET): the hypervisor does
	 * not write the page before entering, and reads it after the exit.
	 */
	page[0] = 0x10;
	vcpu_expect_sync(vcpu, 2, &uc);
	CHECK_EQ(page[0], 0x10);
	CHECK_EQ(lapic_tpr(vcpu), 0x10);
	/* Off again: the page is ignored. */
	CHECK_IOCTL_OK(set_vapic(vcpu, 0));
	page[0] = 0x20;
	vcpu_expect_done(vcpu);
	CHECK_EQ(page[0], 0x20);
	CHECK_EQ(lapic_tpr(vcpu), 0x10);
	vcpu_free(vcpu);
	vm_free(vm);
}

static const struct test_case cases[] = {
	TEST_CASE(test_no_lapic),
	TEST_CASE(test_tpr_mirror),
};

int main(int argc, char **argv)
{
	return run_tests(cases, ARRAY_SIZE(cases));
}
