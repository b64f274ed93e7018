// SPDX-License-Identifier: GPL-2.0
/*
 * vcpu_test: KVM_CREATE_VCPU and the vCPU's life.
 *
 * Ids from 0 to KVM_CAP_MAX_VCPU_ID - 1 are valid, larger ones EINVAL, a
 * duplicate EEXIST (and does not use up the count); at most
 * KVM_CAP_MAX_VCPUS vCPUs per VM; KVM_ENABLE_CAP(KVM_CAP_MAX_VCPU_ID) lowers
 * the id limit only before the first vCPU; a vCPU outlives the fds of its VM;
 * two vCPUs run independently; GET/SET_MP_STATE without an in-kernel
 * irqchip (every vCPU RUNNABLE, only RUNNABLE can be set).
 */
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "guest_asm.h"
#include "kvm_util.h"

static void test_ids(void)
{
	int max_id = kvm_check_cap(KVM_CAP_MAX_VCPU_ID);
	struct kvm_vm *vm = vm_create();
	int fd;

	CHECK(max_id > 1, "KVM_CAP_MAX_VCPU_ID = %d", max_id);
	fd = CHECK_IOCTL_OK(ioctl(vm->fd, KVM_CREATE_VCPU, 0));
	close(fd);
	fd = CHECK_IOCTL_OK(ioctl(vm->fd, KVM_CREATE_VCPU, 5));
	close(fd);
	/* Ids need not be dense: the largest valid one. */
	fd = CHECK_IOCTL_OK(ioctl(vm->fd, KVM_CREATE_VCPU, max_id - 1));
	close(fd);
	CHECK_IOCTL_ERR(ioctl(vm->fd, KVM_CREATE_VCPU, max_id), EINVAL);
	CHECK_IOCTL_ERR(ioctl(vm->fd, KVM_CREATE_VCPU, 0xffffffffUL), EINVAL);
	CHECK_IOCTL_ERR(ioctl(vm->fd, KVM_CREATE_VCPU, 1UL << 31), EINVAL);
	vm_free(vm);
}

static void test_duplicate_id(void)
{
	struct kvm_vm *vm = vm_create();
	int fd0 = CHECK_IOCTL_OK(ioctl(vm->fd, KVM_CREATE_VCPU, 0));
	int fd3 = CHECK_IOCTL_OK(ioctl(vm->fd, KVM_CREATE_VCPU, 3));

	CHECK_IOCTL_ERR(ioctl(vm->fd, KVM_CREATE_VCPU, 0), EEXIST);
	CHECK_IOCTL_ERR(ioctl(vm->fd, KVM_CREATE_VCPU, 3), EEXIST);
	/* Closing the fd does not free the id: the vCPU lives with the VM. */
	close(fd3);
	CHECK_IOCTL_ERR(ioctl(vm->fd, KVM_CREATE_VCPU, 3), EEXIST);
	close(fd0);
	vm_free(vm);
}

static void test_max_vcpus(void)
{
	int max_vcpus = kvm_check_cap(KVM_CAP_MAX_VCPUS);
	int max_id = kvm_check_cap(KVM_CAP_MAX_VCPU_ID);
	struct kvm_vm *vm = vm_create();
	int i, fd;

	REQUIRE(max_vcpus <= 4096, "KVM_CAP_MAX_VCPUS %d: too many to create here", max_vcpus);
	CHECK(max_id >= max_vcpus, "MAX_VCPU_ID %d < MAX_VCPUS %d", max_id, max_vcpus);
	for (i = 0; i < max_vcpus; i++) {
		fd = ioctl(vm->fd, KVM_CREATE_VCPU, (unsigned long)i);
		CHECK(fd >= 0, "KVM_CREATE_VCPU(%d of %d): errno %d (%s)", i, max_vcpus,
		      errno, strerror(errno));
		close(fd);
	}
	/* Past the count even an id in use gives EINVAL: kvm checks the count first. */
	CHECK_IOCTL_ERR(ioctl(vm->fd, KVM_CREATE_VCPU, (unsigned long)max_vcpus), EINVAL);
	CHECK_IOCTL_ERR(ioctl(vm->fd, KVM_CREATE_VCPU, 0), EINVAL);
	vm_free(vm);
}

static void test_enable_cap_max_vcpu_id(void)
{
	int max_id = kvm_check_cap(KVM_CAP_MAX_VCPU_ID);
	struct kvm_enable_cap cap = { .cap = KVM_CAP_MAX_VCPU_ID };
	struct kvm_vm *vm = vm_create();
	int fd;

	/* Above the global limit: refused. */
	cap.args[0] = max_id + 1;
	CHECK_IOCTL_ERR(ioctl(vm->fd, KVM_ENABLE_CAP, &cap), EINVAL);
	cap.args[0] = 4;
	CHECK_IOCTL_OK(ioctl(vm->fd, KVM_ENABLE_CAP, &cap));
	/* Setting the same value again is fine, another value is not. */
	CHECK_IOCTL_OK(ioctl(vm->fd, KVM_ENABLE_CAP, &cap));
	cap.args[0] = 8;
	CHECK_IOCTL_ERR(ioctl(vm->fd, KVM_ENABLE_CAP, &cap), EINVAL);
	fd = CHECK_IOCTL_OK(ioctl(vm->fd, KVM_CREATE_VCPU, 3));
	close(fd);
	CHECK_IOCTL_ERR(ioctl(vm->fd, KVM_CREATE_VCPU, 4), EINVAL);
	vm_free(vm);

	/* Once a vCPU exists the limit is fixed at the default. */
	vm = vm_create();
	fd = CHECK_IOCTL_OK(ioctl(vm->fd, KVM_CREATE_VCPU, 0));
	cap.args[0] = 4;
	CHECK_IOCTL_ERR(ioctl(vm->fd, KVM_ENABLE_CAP, &cap), EINVAL);
	close(fd);
	vm_free(vm);
}

static void test_vcpu_outlives_vm_fd(void)
{
	struct kvm_vm *vm = vm_create_default();
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	struct kvm_regs regs;

	close(vm->fd);
	vm->fd = -1;
	vcpu_get_regs(vcpu, &regs);
	regs.rax = 0x1234;
	vcpu_set_regs(vcpu, &regs);
	memset(&regs, 0, sizeof(regs));
	vcpu_get_regs(vcpu, &regs);
	CHECK_EQ(regs.rax, 0x1234);
	vcpu_free(vcpu);
	vm_free(vm);
}

/* Reports RBX + 1, then RBX + 2, then done. */
extern const uint8_t count_start[], count_end[];
asm(GUEST_SECTION
    ".code64\n"
    "count_start:\n"
    "	lea 1(%rbx), %rsi\n"
    "	GUEST_SYNC 1\n"
    "	lea 2(%rbx), %rsi\n"
    "	GUEST_SYNC 2\n"
    "	GUEST_DONE\n"
    "count_end:\n"
    GUEST_SECTION_END);

static void test_two_vcpus_independent(void)
{
	struct kvm_vm *vm = vm_create_default();
	struct kvm_vcpu *a = vcpu_create(vm, 0);
	struct kvm_vcpu *b = vcpu_create(vm, 1);
	struct kvm_regs regs;
	struct ucall uc;

	vm_load_code(vm, count_start, count_end);
	vcpu_setup_mode(a, GUEST_MODE_LONG64, GUEST_CODE_GPA);
	vcpu_setup_mode(b, GUEST_MODE_LONG64, GUEST_CODE_GPA);
	vcpu_get_regs(a, &regs);
	regs.rbx = 100;
	vcpu_set_regs(a, &regs);
	regs.rbx = 200;
	vcpu_set_regs(b, &regs);

	/* Interleave them: each keeps its own registers and progress. */
	vcpu_expect_sync(a, 1, &uc);
	CHECK_EQ(uc.args[1], 101);
	vcpu_expect_sync(b, 1, &uc);
	CHECK_EQ(uc.args[1], 201);
	vcpu_expect_sync(b, 2, &uc);
	CHECK_EQ(uc.args[1], 202);
	vcpu_expect_sync(a, 2, &uc);
	CHECK_EQ(uc.args[1], 102);
	vcpu_expect_done(a);
	vcpu_expect_done(b);
	/* Each kvm_run page is the vCPU's own. */
	CHECK(a->run != b->run, "shared kvm_run");
	vcpu_free(b);
	vcpu_free(a);
	vm_free(vm);
}

static void test_mp_state(void)
{
	struct kvm_vm *vm = vm_create_default();
	struct kvm_vcpu *bsp = vcpu_create(vm, 0);
	struct kvm_vcpu *ap = vcpu_create(vm, 1);
	struct kvm_mp_state mp;
	static const uint32_t need_lapic[] = {
		KVM_MP_STATE_UNINITIALIZED, KVM_MP_STATE_HALTED,
		KVM_MP_STATE_INIT_RECEIVED, KVM_MP_STATE_SIPI_RECEIVED,
	};
	size_t i;

	REQUIRE(kvm_check_cap(KVM_CAP_MP_STATE), "no KVM_CAP_MP_STATE");
	/* Without an in-kernel irqchip every vCPU starts RUNNABLE. */
	mp.mp_state = 0xff;
	CHECK_IOCTL_OK(ioctl(bsp->fd, KVM_GET_MP_STATE, &mp));
	CHECK_EQ(mp.mp_state, KVM_MP_STATE_RUNNABLE);
	mp.mp_state = 0xff;
	CHECK_IOCTL_OK(ioctl(ap->fd, KVM_GET_MP_STATE, &mp));
	CHECK_EQ(mp.mp_state, KVM_MP_STATE_RUNNABLE);

	mp.mp_state = KVM_MP_STATE_RUNNABLE;
	CHECK_IOCTL_OK(ioctl(bsp->fd, KVM_SET_MP_STATE, &mp));
	/* The other states need the local APIC in the kernel. */
	for (i = 0; i < ARRAY_SIZE(need_lapic); i++) {
		mp.mp_state = need_lapic[i];
		CHECK_IOCTL_ERR(ioctl(ap->fd, KVM_SET_MP_STATE, &mp), EINVAL);
	}
	mp.mp_state = 1000;
	CHECK_IOCTL_ERR(ioctl(ap->fd, KVM_SET_MP_STATE, &mp), EINVAL);
	mp.mp_state = 0xff;
	CHECK_IOCTL_OK(ioctl(ap->fd, KVM_GET_MP_STATE, &mp));
	CHECK_EQ(mp.mp_state, KVM_MP_STATE_RUNNABLE);
	vcpu_free(ap);
	vcpu_free(bsp);
	vm_free(vm);
}

/* The kvm_run page of a fresh vCPU. */
static void test_run_page(void)
{
	struct kvm_vm *vm = vm_create_default();
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	long page = sysconf(_SC_PAGESIZE);
	uint8_t *map;

	CHECK_EQ(vcpu->run->immediate_exit, 0);
	CHECK_EQ(vcpu->run->request_interrupt_window, 0);
	/* A second mapping shows the same page. */
	map = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu->fd, 0);
	CHECK(map != MAP_FAILED, "mmap: errno %d", errno);
	vcpu->run->request_interrupt_window = 1;
	CHECK_EQ(((struct kvm_run *)map)->request_interrupt_window, 1);
	vcpu->run->request_interrupt_window = 0;
	munmap(map, page);
	vcpu_free(vcpu);
	vm_free(vm);
}

static const struct test_case cases[] = {
	TEST_CASE(test_ids),
	TEST_CASE(test_duplicate_id),
	TEST_CASE(test_max_vcpus),
	TEST_CASE(test_enable_cap_max_vcpu_id),
	TEST_CASE(test_vcpu_outlives_vm_fd),
	TEST_CASE(test_two_vcpus_independent),
	TEST_CASE(test_mp_state),
	TEST_CASE(test_run_page),
};

int main(int argc, char **argv)
{
	return run_tests(cases, ARRAY_SIZE(cases));
}
