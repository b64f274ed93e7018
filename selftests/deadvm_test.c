// SPDX-License-Identifier: GPL-2.0
/*
 * deadvm_test: a VM marked dead answers EIO to every later ioctl, on its
 * own fd and on its vCPUs' fds, while other VMs run on (kvm's
 * KVM_BUG_ON()/kvm_vm_dead() contract, which kvmx keeps with
 * KVMX_VM_DEAD_ON()/kvmx_vm_mark_dead()).
 *
 * The hypervisor marks a VM dead only on a host-side impossibility, a bug
 * that no guest or userspace path reaches on purpose.  So the test uses
 * kvmx's documented test knob, KVM_ENABLE_CAP(KVMX_CAP_MARK_DEAD) (see
 * uapi/linux/kvmx.h), and runs only on kvmx: kvm.ko has no such knob and
 * the case is skipped there.
 */
#include <errno.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kvmx.h>

#include "guest_asm.h"
#include "kvm_util.h"

extern const uint8_t dead_start[], dead_end[];
asm(GUEST_SECTION
    ".code64\n"
    "dead_start:\n"
    "	GUEST_SYNC 1\n"
    "	GUEST_DONE\n"
    "dead_end:\n"
    GUEST_SECTION_END);

static int mark_dead(struct kvm_vm *vm, uint64_t arg0)
{
	struct kvm_enable_cap cap = {
		.cap = KVMX_CAP_MARK_DEAD,
		.args = { arg0 },
	};

	return ioctl(vm->fd, KVM_ENABLE_CAP, &cap);
}

static struct kvm_vcpu *start(struct kvm_vm **vm)
{
	struct kvm_vcpu *vcpu;

	*vm = vm_create_default();
	vcpu = vcpu_create(*vm, 0);
	vm_load_code(*vm, dead_start, dead_end);
	vcpu_setup_mode(vcpu, GUEST_MODE_LONG64, GUEST_CODE_GPA);
	return vcpu;
}

/*
 * Skip on kvm.ko (no /sys/module/kvmx), which has no way to mark a VM dead
 * on demand; kvmx must offer the knob.
 */
static void require_knob(void)
{
	REQUIRE(hv_is_kvmx(),
		"not kvmx: kvm.ko cannot mark a VM dead on demand");
	CHECK_EQ(kvm_check_cap(KVMX_CAP_MARK_DEAD), 1);
}

static void test_dead_vm_eio(void)
{
	struct kvm_userspace_memory_region mem = {
		.slot = 5, .guest_phys_addr = GUEST_EXTRA_GPA,
		.memory_size = GUEST_PAGE_SIZE,
	};
	struct kvm_vcpu *vcpu;
	struct kvm_regs regs;
	struct kvm_vm *vm;
	struct ucall uc;

	require_knob();
	vcpu = start(&vm);
	vcpu_expect_sync(vcpu, 1, &uc);
	/* Other arguments are refused and leave the VM alive. */
	CHECK_IOCTL_ERR(mark_dead(vm, 1), EINVAL);
	vcpu_get_regs(vcpu, &regs);
	CHECK_IOCTL_OK(mark_dead(vm, 0));

	/* The VM fd. */
	CHECK_IOCTL_ERR(ioctl(vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY), EIO);
	CHECK_IOCTL_ERR(ioctl(vm->fd, KVM_CREATE_VCPU, 1), EIO);
	CHECK_IOCTL_ERR(ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &mem), EIO);
	CHECK_IOCTL_ERR(mark_dead(vm, 0), EIO);
	/* The vCPU fd: KVM_RUN and the state ioctls alike. */
	CHECK_IOCTL_ERR(ioctl(vcpu->fd, KVM_RUN, 0), EIO);
	CHECK_IOCTL_ERR(ioctl(vcpu->fd, KVM_GET_REGS, &regs), EIO);
	CHECK_IOCTL_ERR(ioctl(vcpu->fd, KVM_SET_REGS, &regs), EIO);
	CHECK_IOCTL_ERR(ioctl(vcpu->fd, KVM_GET_STATS_FD, 0), EIO);
	/* Still dead the second time round. */
	CHECK_IOCTL_ERR(ioctl(vcpu->fd, KVM_RUN, 0), EIO);
	vcpu_free(vcpu);
	vm_free(vm);
}

/* Another VM, created before or after, is not affected. */
static void test_other_vms_live(void)
{
	struct kvm_vcpu *vcpu, *dead_vcpu, *late;
	struct kvm_vm *vm, *dead, *late_vm;
	struct ucall uc;

	require_knob();
	vcpu = start(&vm);
	dead_vcpu = start(&dead);
	CHECK_IOCTL_OK(mark_dead(dead, 0));
	CHECK_IOCTL_ERR(ioctl(dead_vcpu->fd, KVM_RUN, 0), EIO);
	vcpu_expect_sync(vcpu, 1, &uc);
	vcpu_expect_done(vcpu);
	late = start(&late_vm);
	vcpu_expect_sync(late, 1, &uc);
	vcpu_expect_done(late);
	vcpu_free(dead_vcpu);
	vm_free(dead);
	vcpu_free(late);
	vm_free(late_vm);
	vcpu_free(vcpu);
	vm_free(vm);
}

static const struct test_case cases[] = {
	TEST_CASE(test_dead_vm_eio),
	TEST_CASE(test_other_vms_live),
};

int main(int argc, char **argv)
{
	return run_tests(cases, ARRAY_SIZE(cases));
}
