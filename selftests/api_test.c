// SPDX-License-Identifier: GPL-2.0
/*
 * api_test: the device-level ABI of /dev/kvm.
 *
 * The API version, the capabilities every x86 kvm reports, VM creation by
 * type, the vCPU mmap size, and the errno of an ioctl the fd does not know
 * (kvm 6.1: EINVAL on the device and on a vCPU, ENOTTY on a VM).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvm_util.h"

/* An ioctl number in kvm's range that no kvm version defines. */
#define KVM_UNKNOWN_IOCTL	_IO(KVMIO, 0xff)
/* A capability number far beyond every defined one. */
#define KVM_CAP_UNKNOWN		100000

static void test_open_device(void)
{
	int fd = kvm_open();

	CHECK(fd >= 0, "open");
	/* Several opens of the device are independent. */
	int fd2 = kvm_open();

	CHECK(fd2 >= 0 && fd2 != fd, "second open gave %d", fd2);
	close(fd2);
	close(fd);
}

static void test_api_version(void)
{
	int fd = kvm_open();

	CHECK_EQ(CHECK_IOCTL_OK(ioctl(fd, KVM_GET_API_VERSION, 0)), KVM_API_VERSION);
	CHECK_EQ(KVM_API_VERSION, 12);
	/* The argument must be 0. */
	CHECK_IOCTL_ERR(ioctl(fd, KVM_GET_API_VERSION, 1), EINVAL);
	close(fd);
}

static void test_required_caps(void)
{
	static const struct { long cap; const char *name; } caps[] = {
		{ KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY" },
		{ KVM_CAP_SET_TSS_ADDR, "KVM_CAP_SET_TSS_ADDR" },
		{ KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID" },
		{ KVM_CAP_MP_STATE, "KVM_CAP_MP_STATE" },
		{ KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT" },
		{ KVM_CAP_READONLY_MEM, "KVM_CAP_READONLY_MEM" },
		{ KVM_CAP_CHECK_EXTENSION_VM, "KVM_CAP_CHECK_EXTENSION_VM" },
		{ KVM_CAP_DESTROY_MEMORY_REGION_WORKS, "KVM_CAP_DESTROY_MEMORY_REGION_WORKS" },
		{ KVM_CAP_JOIN_MEMORY_REGIONS_WORKS, "KVM_CAP_JOIN_MEMORY_REGIONS_WORKS" },
	};
	int fd = kvm_open();
	size_t i;

	for (i = 0; i < ARRAY_SIZE(caps); i++) {
		int r = ioctl(fd, KVM_CHECK_EXTENSION, caps[i].cap);

		CHECK(r > 0, "KVM_CHECK_EXTENSION(%s): ret %d errno %d", caps[i].name,
		      r, r < 0 ? errno : 0);
	}
	close(fd);
}

static void test_vcpu_and_slot_limits(void)
{
	int fd = kvm_open();
	int nr_slots = CHECK_IOCTL_OK(ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_MEMSLOTS));
	int nr_vcpus = CHECK_IOCTL_OK(ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS));
	int max_vcpus = CHECK_IOCTL_OK(ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS));
	int max_id = CHECK_IOCTL_OK(ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPU_ID));

	test_info("NR_MEMSLOTS %d NR_VCPUS %d MAX_VCPUS %d MAX_VCPU_ID %d",
		  nr_slots, nr_vcpus, max_vcpus, max_id);
	CHECK(nr_slots > 0, "KVM_CAP_NR_MEMSLOTS = %d", nr_slots);
	CHECK(nr_vcpus > 0, "KVM_CAP_NR_VCPUS = %d", nr_vcpus);
	CHECK(max_vcpus >= nr_vcpus, "MAX_VCPUS %d < NR_VCPUS %d", max_vcpus, nr_vcpus);
	CHECK(max_id >= max_vcpus, "MAX_VCPU_ID %d < MAX_VCPUS %d", max_id, max_vcpus);
	close(fd);
}

static void test_unknown_cap(void)
{
	int fd = kvm_open();

	CHECK_EQ(CHECK_IOCTL_OK(ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_UNKNOWN)), 0);
	CHECK_EQ(CHECK_IOCTL_OK(ioctl(fd, KVM_CHECK_EXTENSION, -1L)), 0);
	close(fd);
}

static void test_check_extension_on_vm(void)
{
	struct kvm_vm *vm = vm_create();
	int dev, on_vm;

	dev = CHECK_IOCTL_OK(ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY));
	on_vm = CHECK_IOCTL_OK(ioctl(vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY));
	CHECK_EQ(on_vm, dev);
	dev = CHECK_IOCTL_OK(ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_MEMSLOTS));
	on_vm = CHECK_IOCTL_OK(ioctl(vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_MEMSLOTS));
	CHECK_EQ(on_vm, dev);
	CHECK_EQ(CHECK_IOCTL_OK(ioctl(vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_UNKNOWN)), 0);
	vm_free(vm);
}

static void test_create_vm_types(void)
{
	int fd = kvm_open();
	int vm1, vm2;

	vm1 = CHECK_IOCTL_OK(ioctl(fd, KVM_CREATE_VM, 0));
	/* One device fd creates any number of independent VMs. */
	vm2 = CHECK_IOCTL_OK(ioctl(fd, KVM_CREATE_VM, 0));
	CHECK(vm1 != vm2, "two VMs share fd %d", vm1);
	/* x86 knows only type 0 (KVM_X86_DEFAULT_VM). */
	CHECK_IOCTL_ERR(ioctl(fd, KVM_CREATE_VM, 1), EINVAL);
	CHECK_IOCTL_ERR(ioctl(fd, KVM_CREATE_VM, 0xffUL), EINVAL);
	CHECK_IOCTL_ERR(ioctl(fd, KVM_CREATE_VM, 1UL << 31), EINVAL);
	/* The VM fd is close-on-exec. */
	CHECK(fcntl(vm1, F_GETFD) & FD_CLOEXEC, "VM fd lacks FD_CLOEXEC");
	close(vm2);
	close(vm1);
	close(fd);
}

static void test_vm_outlives_device_fd(void)
{
	int fd = kvm_open();
	int vm = CHECK_IOCTL_OK(ioctl(fd, KVM_CREATE_VM, 0));
	int vcpu;

	close(fd);
	/* The VM keeps working without the device fd. */
	CHECK_IOCTL_OK(ioctl(vm, KVM_SET_TSS_ADDR, GUEST_KVM_TSS_ADDR));
	vcpu = CHECK_IOCTL_OK(ioctl(vm, KVM_CREATE_VCPU, 0));
	close(vcpu);
	close(vm);
}

static void test_vcpu_mmap_size(void)
{
	long page = sysconf(_SC_PAGESIZE);
	struct kvm_vm *vm = vm_create();
	int size, vcpu;
	uint8_t *map;

	size = CHECK_IOCTL_OK(ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0));
	test_info("KVM_GET_VCPU_MMAP_SIZE = %d", size);
	CHECK(size % page == 0, "mmap size %d is not a page multiple", size);
	/* kvm_run, then the PIO data page at KVM_PIO_PAGE_OFFSET. */
	CHECK(size >= (KVM_PIO_PAGE_OFFSET + 1) * page, "mmap size %d < %ld pages",
	      size, (long)KVM_PIO_PAGE_OFFSET + 1);
	CHECK(size >= 2 * page, "mmap size %d", size);
	CHECK((size_t)size >= sizeof(struct kvm_run), "smaller than kvm_run");
	CHECK_IOCTL_ERR(ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 1), EINVAL);

	vcpu = CHECK_IOCTL_OK(ioctl(vm->fd, KVM_CREATE_VCPU, 0));
	map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	CHECK(map != MAP_FAILED, "mmap(vcpu, %d): errno %d", size, errno);
	/* Every page of the mapping is backed (touching it must not fault). */
	{
		volatile uint8_t touch = map[0] + map[KVM_PIO_PAGE_OFFSET * page];
		(void)touch;
	}
	munmap(map, size);
	/* The PIO page on its own, at its page offset. */
	map = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu,
		   KVM_PIO_PAGE_OFFSET * page);
	CHECK(map != MAP_FAILED, "mmap(vcpu, PIO page): errno %d", errno);
	munmap(map, page);
	close(vcpu);
	vm_free(vm);
}

static void test_unknown_ioctl_errno(void)
{
	struct kvm_vm *vm = vm_create();
	int vcpu = CHECK_IOCTL_OK(ioctl(vm->fd, KVM_CREATE_VCPU, 0));

	CHECK_IOCTL_ERR(ioctl(vm->kvm_fd, KVM_UNKNOWN_IOCTL, 0), EINVAL);
	CHECK_IOCTL_ERR(ioctl(vm->fd, KVM_UNKNOWN_IOCTL, 0), ENOTTY);
	CHECK_IOCTL_ERR(ioctl(vcpu, KVM_UNKNOWN_IOCTL, 0), EINVAL);
	/* An ioctl of another subsystem's type. */
	CHECK_IOCTL_ERR(ioctl(vcpu, _IO('T', 0x42), 0), EINVAL);
	/* VM and vCPU ioctls on the device fd are unknown there. */
	CHECK_IOCTL_ERR(ioctl(vm->kvm_fd, KVM_CREATE_VCPU, 0), EINVAL);
	CHECK_IOCTL_ERR(ioctl(vm->kvm_fd, KVM_RUN, 0), EINVAL);
	close(vcpu);
	vm_free(vm);
}

static void test_set_tss_addr(void)
{
	struct kvm_vm *vm = vm_create();

	CHECK_IOCTL_OK(ioctl(vm->fd, KVM_SET_TSS_ADDR, GUEST_KVM_TSS_ADDR));
	vm_free(vm);
}

static const struct test_case cases[] = {
	TEST_CASE(test_open_device),
	TEST_CASE(test_api_version),
	TEST_CASE(test_required_caps),
	TEST_CASE(test_vcpu_and_slot_limits),
	TEST_CASE(test_unknown_cap),
	TEST_CASE(test_check_extension_on_vm),
	TEST_CASE(test_create_vm_types),
	TEST_CASE(test_vm_outlives_device_fd),
	TEST_CASE(test_vcpu_mmap_size),
	TEST_CASE(test_unknown_ioctl_errno),
	TEST_CASE(test_set_tss_addr),
};

int main(int argc, char **argv)
{
	return run_tests(cases, ARRAY_SIZE(cases));
}
