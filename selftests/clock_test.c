// SPDX-License-Identifier: GPL-2.0
/*
 * clock_test: the guest TSC rate and the VM clock.
 *
 * KVM_GET_TSC_KHZ gives a rate; KVM_SET_TSC_KHZ takes back that same rate
 * and 0 (the default rate).  KVM_GET_CLOCK advances with time;
 * KVM_SET_CLOCK moves it to a chosen value, with KVM_CLOCK_REALTIME also
 * by the wall time elapsed since the given realtime; unknown flags are
 * EINVAL.
 */
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "kvm_util.h"

#define NSEC_PER_SEC	1000000000ULL

static uint64_t get_clock(struct kvm_vm *vm)
{
	struct kvm_clock_data data;

	memset(&data, 0, sizeof(data));
	CHECK_IOCTL_OK(ioctl(vm->fd, KVM_GET_CLOCK, &data));
	return data.clock;
}

static void set_clock(struct kvm_vm *vm, uint64_t clock, uint32_t flags,
		      uint64_t realtime)
{
	struct kvm_clock_data data;

	memset(&data, 0, sizeof(data));
	data.clock = clock;
	data.flags = flags;
	data.realtime = realtime;
	CHECK_IOCTL_OK(ioctl(vm->fd, KVM_SET_CLOCK, &data));
}

static uint64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static void test_tsc_khz(void)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	long khz;

	REQUIRE(kvm_check_cap(KVM_CAP_GET_TSC_KHZ) > 0, "no KVM_CAP_GET_TSC_KHZ");
	vm = vm_create_default();
	vcpu = vcpu_create(vm, 0);
	khz = CHECK_IOCTL_OK(ioctl(vcpu->fd, KVM_GET_TSC_KHZ));
	CHECK(khz > 0, "KVM_GET_TSC_KHZ: %ld", khz);
	CHECK_IOCTL_OK(ioctl(vcpu->fd, KVM_SET_TSC_KHZ, khz));
	CHECK_EQ(ioctl(vcpu->fd, KVM_GET_TSC_KHZ), khz);
	CHECK_IOCTL_OK(ioctl(vcpu->fd, KVM_SET_TSC_KHZ, 0));
	CHECK_EQ(ioctl(vcpu->fd, KVM_GET_TSC_KHZ), khz);
	vcpu_free(vcpu);
	vm_free(vm);
}

static void test_vm_clock(void)
{
	struct kvm_clock_data bad;
	struct kvm_vm *vm;
	struct timespec pause = { .tv_nsec = 20 * 1000 * 1000 };
	uint64_t a, b;

	REQUIRE(kvm_check_cap(KVM_CAP_ADJUST_CLOCK) > 0, "no KVM_CAP_ADJUST_CLOCK");
	vm = vm_create_default();
	a = get_clock(vm);
	nanosleep(&pause, NULL);
	b = get_clock(vm);
	CHECK(b >= a + pause.tv_nsec, "clock went from %llu to %llu in 20 ms",
	      (unsigned long long)a, (unsigned long long)b);

	/* Moved to 1000 s: it reads 1000 s and a little. */
	set_clock(vm, 1000 * NSEC_PER_SEC, 0, 0);
	a = get_clock(vm);
	CHECK(a >= 1000 * NSEC_PER_SEC && a < 1001 * NSEC_PER_SEC,
	      "clock %llu after KVM_SET_CLOCK(1000 s)", (unsigned long long)a);

	/* With REALTIME 5 s ago, the clock is 5 s further on. */
	set_clock(vm, 1000 * NSEC_PER_SEC, KVM_CLOCK_REALTIME,
		  realtime_ns() - 5 * NSEC_PER_SEC);
	a = get_clock(vm);
	CHECK(a >= 1005 * NSEC_PER_SEC && a < 1006 * NSEC_PER_SEC,
	      "clock %llu after KVM_SET_CLOCK(1000 s, realtime 5 s ago)",
	      (unsigned long long)a);

	memset(&bad, 0, sizeof(bad));
	bad.flags = 1U << 31;
	CHECK_IOCTL_ERR(ioctl(vm->fd, KVM_SET_CLOCK, &bad), EINVAL);
	vm_free(vm);
}

static const struct test_case cases[] = {
	TEST_CASE(test_tsc_khz),
	TEST_CASE(test_vm_clock),
};

int main(int argc, char **argv)
{
	return run_tests(cases, ARRAY_SIZE(cases));
}
