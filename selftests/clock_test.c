// SPDX-License-Identifier: GPL-2.0
/*
 * clock_test: the guest TSC rate and the VM clock.
 *
 * KVM_GET_TSC_KHZ gives a rate; KVM_SET_TSC_KHZ takes back that same rate
 * and 0 (the default rate).  KVM_GET_CLOCK advances with time;
 * KVM_SET_CLOCK moves it to a chosen value, with KVM_CLOCK_REALTIME also
 * by the wall time elapsed since the given realtime; unknown flags are
 * EINVAL.  kvmclock: CPUID 0x40000001 offers it; the guest's reading of
 * its pvclock page lies between KVM_GET_CLOCK before and after the run, also
 * after KVM_SET_CLOCK moved the clock.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "guest_asm.h"
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

/*
 * Stage 1: kvmclock enabled at GUEST_DATA_GPA.  Stage 2, repeated: RSI =
 * system_time + ((TSC - tsc_timestamp) << shift) * mul >> 32, the guest's
 * reading of the VM clock.
 */
extern const uint8_t kc_start[], kc_end[];
asm(GUEST_SECTION
    ".code64\n"
    "kc_start:\n"
    "	mov $0x4b564d01, %ecx\n"		/* MSR_KVM_SYSTEM_TIME_NEW */
    "	mov $(GUEST_DATA_GPA + 1), %eax\n"
    "	xor %edx, %edx\n"
    "	wrmsr\n"
    "	GUEST_SYNC 1\n"
    "1:	mov $GUEST_DATA_GPA, %rbx\n"
    "	rdtsc\n"
    "	shl $32, %rdx\n"
    "	or %rdx, %rax\n"
    "	sub 8(%rbx), %rax\n"			/* tsc_timestamp */
    "	movsbl 28(%rbx), %ecx\n"		/* tsc_shift */
    "	test %ecx, %ecx\n"
    "	js 2f\n"
    "	shl %cl, %rax\n"
    "	jmp 3f\n"
    "2:	neg %ecx\n"
    "	shr %cl, %rax\n"
    "3:	mov 24(%rbx), %ecx\n"			/* tsc_to_system_mul */
    "	mul %rcx\n"
    "	shrd $32, %rdx, %rax\n"
    "	add 16(%rbx), %rax\n"			/* system_time */
    "	mov %rax, %rsi\n"
    "	GUEST_SYNC 2\n"
    "	jmp 1b\n"
    "kc_end:\n"
    GUEST_SECTION_END);

/* The guest reads its kvmclock between two KVM_GET_CLOCKs. */
static void check_kvmclock_reading(struct kvm_vm *vm, struct kvm_vcpu *vcpu)
{
	uint64_t before, after;
	struct ucall uc;

	before = get_clock(vm);
	vcpu_expect_sync(vcpu, 2, &uc);
	after = get_clock(vm);
	CHECK(before <= uc.args[1] && uc.args[1] <= after,
	      "guest kvmclock %llu outside [%llu, %llu]",
	      (unsigned long long)uc.args[1], (unsigned long long)before,
	      (unsigned long long)after);
}

static void test_kvmclock(void)
{
	struct kvm_cpuid_entry2 *e;
	struct kvm_cpuid2 *cpuid;
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	struct ucall uc;
	uint32_t *pv;

	vm = vm_create_default();
	cpuid = kvm_get_supported_cpuid(vm->kvm_fd);
	e = cpuid_find(cpuid, 0x40000001, 0);
	REQUIRE(e && (e->eax & (1 << 3)), "no KVM_FEATURE_CLOCKSOURCE2");
	free(cpuid);
	vcpu = vcpu_create(vm, 0);
	vm_load_code(vm, kc_start, kc_end);
	vcpu_setup_mode(vcpu, GUEST_MODE_LONG64, GUEST_CODE_GPA);
	vcpu_expect_sync(vcpu, 1, &uc);
	CHECK_EQ(vcpu_get_msr(vcpu, 0x4b564d01), GUEST_DATA_GPA + 1);
	check_kvmclock_reading(vm, vcpu);
	pv = vm_gpa_to_hva(vm, GUEST_DATA_GPA);
	CHECK_EQ(pv[0] & 1, 0);		/* version: not in the middle of an update */
	CHECK(pv[6] != 0, "tsc_to_system_mul is 0");
	set_clock(vm, 1000 * NSEC_PER_SEC, 0, 0);
	check_kvmclock_reading(vm, vcpu);
	check_kvmclock_reading(vm, vcpu);
	vcpu_free(vcpu);
	vm_free(vm);
}

static const struct test_case cases[] = {
	TEST_CASE(test_tsc_khz),
	TEST_CASE(test_vm_clock),
	TEST_CASE(test_kvmclock),
};

int main(int argc, char **argv)
{
	return run_tests(cases, ARRAY_SIZE(cases));
}
